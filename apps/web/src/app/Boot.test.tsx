import type { ClientConfig } from '@atlas/protocol';
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/api-error.js';
import { Boot } from './Boot.js';

afterEach(cleanup);

const CONFIG: ClientConfig = {
  version: '1',
  voiceV2Enabled: true,
  voiceAvailable: true,
  auth: { url: null, anonKey: null },
  offline: false,
  providers: { stt: 's', llm: 'l', tts: 't' },
};

describe('Boot', () => {
  it('shows a retry screen in words when Atlas is unreachable, then starts on retry', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const load = vi
      .fn<(signal: AbortSignal) => Promise<ClientConfig>>()
      .mockRejectedValueOnce(new ApiError('network', 'down'))
      .mockResolvedValueOnce(CONFIG);
    render(<Boot load={load}>{(config) => <p>Version {config.version}</p>}</Boot>);
    const failure = await screen.findByTestId('boot-error');
    expect(failure.textContent).toContain('Atlas could not be reached');
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByText('Version 1')).toBeTruthy();
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('retries by itself when the browser comes back online', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const load = vi
      .fn<(signal: AbortSignal) => Promise<ClientConfig>>()
      .mockRejectedValueOnce(new ApiError('offline', 'offline'))
      .mockResolvedValueOnce(CONFIG);
    render(<Boot load={load}>{() => <p>Ready</p>}</Boot>);
    await screen.findByTestId('boot-error');
    fireEvent(window, new Event('online'));
    expect(await screen.findByText('Ready')).toBeTruthy();
  });

  it('aborts the load when unmounted', () => {
    let signal: AbortSignal | undefined;
    const load = (s: AbortSignal) => {
      signal = s;
      return new Promise<ClientConfig>(() => {});
    };
    const view = render(<Boot load={load}>{() => null}</Boot>);
    view.unmount();
    expect(signal?.aborted).toBe(true);
  });
});
