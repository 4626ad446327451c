import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ErrorBoundary } from './ErrorBoundary.js';

afterEach(cleanup);

let crash = true;
let mounts = 0;
function Fragile() {
  if (crash) throw new Error('the chart exploded');
  return <p>Recovered (mount {mounts})</p>;
}
function Counter() {
  mounts += 1;
  return <Fragile />;
}

describe('ErrorBoundary', () => {
  it('shows the crash in words, keeps siblings alive, and remounts on Try again', () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const onReset = vi.fn();
    render(
      <>
        <ErrorBoundary feature="usage" onReset={onReset}>
          <Counter />
        </ErrorBoundary>
        <p>Sibling</p>
      </>,
    );
    const fallback = screen.getByTestId('error-usage');
    expect(fallback.getAttribute('role')).toBe('alert');
    expect(fallback.textContent).toContain('Something went wrong in usage.');
    expect(fallback.textContent).toContain('the chart exploded');
    expect(screen.getByText('Sibling')).toBeTruthy();

    crash = false;
    const before = mounts;
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(onReset).toHaveBeenCalledTimes(1);
    expect(screen.queryByTestId('error-usage')).toBeNull();
    expect(screen.getByText(/Recovered/)).toBeTruthy();
    expect(mounts).toBeGreaterThan(before);
  });
});
