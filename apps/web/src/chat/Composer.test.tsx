import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { useState } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Composer } from './Composer.js';

afterEach(cleanup);

function Harness(props: { onSend: (text: string) => void; streaming?: boolean }) {
  const [text, setText] = useState('');
  return (
    <Composer
      focusKey="c1"
      text={text}
      onTextChange={setText}
      streaming={props.streaming ?? false}
      busy={false}
      onSend={props.onSend}
      onStop={() => {}}
    />
  );
}

describe('Composer', () => {
  it('grows with its text where the browser does not size it by CSS', () => {
    vi.stubGlobal('CSS', { supports: () => false });
    render(<Harness onSend={() => {}} />);
    const box = screen.getByTestId('chat-input') as HTMLTextAreaElement;
    Object.defineProperty(box, 'scrollHeight', { configurable: true, value: 96 });
    fireEvent.change(box, { target: { value: 'one\ntwo\nthree' } });
    expect(box.style.height).toBe('96px');
    vi.unstubAllGlobals();
  });

  it('sends on Enter, not on Shift+Enter, not while composing, and not when blank', () => {
    const onSend = vi.fn();
    render(<Harness onSend={onSend} />);
    const box = screen.getByTestId('chat-input');
    fireEvent.change(box, { target: { value: '   ' } });
    fireEvent.keyDown(box, { key: 'Enter' });
    expect(onSend).not.toHaveBeenCalled();
    expect((screen.getByTestId('chat-send') as HTMLButtonElement).disabled).toBe(true);

    fireEvent.change(box, { target: { value: 'こんにちは' } });
    fireEvent.keyDown(box, { key: 'Enter', isComposing: true });
    fireEvent.keyDown(box, { key: 'Enter', shiftKey: true });
    expect(onSend).not.toHaveBeenCalled();
    fireEvent.keyDown(box, { key: 'Enter' });
    expect(onSend).toHaveBeenCalledWith('こんにちは');
  });

  it('refuses a message over the limit and says how long it is', () => {
    const onSend = vi.fn();
    render(<Harness onSend={onSend} />);
    const box = screen.getByTestId('chat-input');
    fireEvent.change(box, { target: { value: 'x'.repeat(10_001) } });
    fireEvent.keyDown(box, { key: 'Enter' });
    expect(onSend).not.toHaveBeenCalled();
    expect(box.getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText(/10,001 \/ 10,000 characters/)).toBeTruthy();
  });

  it('offers Stop instead of Send while a reply streams', () => {
    render(<Harness onSend={() => {}} streaming />);
    expect(screen.getByTestId('chat-stop')).toBeTruthy();
    expect(screen.queryByTestId('chat-send')).toBeNull();
  });
});
