/**
 * @module voice/CallControls
 * Start, end, interrupt and "Done speaking", with the call's state and voice path as badges.
 */
import type { CallStatus, VoiceMode } from './call/call-state.js';

const STATUS_WORDS: Record<CallStatus, string> = {
  idle: 'Not in a call',
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  ended: 'Call ended',
  failed: 'Call failed',
};

export const isActive = (status: CallStatus) =>
  status === 'connecting' || status === 'live' || status === 'reconnecting';

export interface CallControlsProps {
  status: CallStatus;
  mode: VoiceMode;
  replying: boolean;
  onStart: () => void;
  onEnd: () => void;
  onInterrupt: () => void;
  onDoneSpeaking: () => void;
}

export function CallControls(props: CallControlsProps) {
  const active = isActive(props.status);
  return (
    <div className="call-controls">
      <div className="call-badges">
        <span className="call-badge" data-testid="call-state" data-state={props.status}>
          <span className="call-dot" aria-hidden="true" />
          {STATUS_WORDS[props.status]}
        </span>
        <span
          className="call-badge call-badge-mode"
          data-testid="voice-mode"
          data-mode={props.mode}
          title={props.mode === 'v2' ? 'Real-time voice' : 'Turn-by-turn voice (fallback)'}
        >
          {props.mode === 'v2' ? 'Real-time (V2)' : 'Turn by turn (V1)'}
        </span>
      </div>
      <div className="call-buttons">
        {active ? (
          <>
            <button
              type="button"
              className="call-button call-button-end"
              data-testid="call-end"
              onClick={props.onEnd}
            >
              End call
            </button>
            <button
              type="button"
              className="call-button"
              data-testid="call-interrupt"
              onClick={props.onInterrupt}
              disabled={props.status !== 'live'}
            >
              Interrupt
            </button>
            {props.mode === 'v1' && (
              <button
                type="button"
                className="call-button"
                data-testid="call-done-speaking"
                onClick={props.onDoneSpeaking}
                disabled={props.status !== 'live'}
              >
                Done speaking
              </button>
            )}
          </>
        ) : (
          <button
            type="button"
            className="call-button call-button-start"
            data-testid="call-start"
            onClick={props.onStart}
          >
            {props.status === 'idle' ? 'Start call' : 'Start a new call'}
          </button>
        )}
      </div>
    </div>
  );
}
