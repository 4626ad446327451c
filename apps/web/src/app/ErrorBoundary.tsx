/**
 * @module app/ErrorBoundary
 * Keeps one feature's crash inside that feature: shows what went wrong with a button that
 * remounts it, logs the error once, and leaves the rest of the app usable.
 */
import { Component, type ErrorInfo, type ReactNode } from 'react';
import { logger } from './logger.js';

interface Props {
  /** Names the feature in the message and the log ("chat", "call", …). */
  feature: string;
  children: ReactNode;
  /** Called after "Try again", before the children are remounted. */
  onReset?: () => void;
}

interface State {
  error: Error | null;
  /** Bumped on reset so the children remount with fresh state. */
  generation: number;
}

export class ErrorBoundary extends Component<Props, State> {
  override state: State = { error: null, generation: 0 };

  static getDerivedStateFromError(error: Error): Partial<State> {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    logger.error(`${this.props.feature} crashed`, {
      error: error.message,
      componentStack: info.componentStack,
    });
  }

  #reset = () => {
    this.props.onReset?.();
    this.setState((state) => ({ error: null, generation: state.generation + 1 }));
  };

  override render(): ReactNode {
    if (this.state.error !== null) {
      return (
        <div role="alert" className="feature-error" data-testid={`error-${this.props.feature}`}>
          <h2>Something went wrong in {this.props.feature}.</h2>
          <p>{this.state.error.message}</p>
          <button type="button" onClick={this.#reset}>
            Try again
          </button>
        </div>
      );
    }
    return (
      <div key={this.state.generation} className="feature-root">
        {this.props.children}
      </div>
    );
  }
}
