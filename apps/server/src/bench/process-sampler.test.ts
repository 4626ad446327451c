import { afterEach, describe, expect, it, vi } from 'vitest';
import { answerSamples, ProcessSampler, type SamplePort } from './process-sampler.js';

/** A parent in memory: `request` delivers a message and resolves with the child's reply. */
function memoryPort() {
  let listener: ((message: unknown) => void) | undefined;
  let reply: ((message: unknown) => void) | undefined;
  const port: SamplePort = {
    onMessage: (next) => {
      listener = next;
    },
    send: (message) => reply?.(message),
  };
  const request = (message: unknown) =>
    new Promise<unknown>((resolve) => {
      reply = resolve;
      listener?.(message);
    });
  return { port, request };
}

const samplers: ProcessSampler[] = [];
afterEach(() => {
  for (const sampler of samplers.splice(0)) sampler.stop();
  vi.restoreAllMocks();
});

function newSampler(): ProcessSampler {
  const sampler = new ProcessSampler();
  samplers.push(sampler);
  return sampler;
}

describe('answerSamples', () => {
  it('answers a sample request with the window measured so far', async () => {
    const { port, request } = memoryPort();
    answerSamples(newSampler(), undefined, port);
    const reply = (await request({ type: 'sample', reset: true })) as {
      type: string;
      sample: { cpuPercent: number; rssMb: number; windowMs: number };
    };
    expect(reply.type).toBe('sample');
    expect(reply.sample.rssMb).toBeGreaterThan(0);
    expect(reply.sample.windowMs).toBeGreaterThanOrEqual(0);
  });

  it('still answers, and says why, when the window profile cannot be written', async () => {
    const { port, request } = memoryPort();
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const profiler = {
      start: async () => {},
      stop: async (): Promise<string | undefined> => {
        throw new Error('ENOSPC: no space left on device');
      },
    };
    answerSamples(newSampler(), profiler, port);
    const reply = (await request({ type: 'sample' })) as { type: string };
    expect(reply.type).toBe('sample');
    expect(errors).toHaveBeenCalledWith('CPU profile not written: ENOSPC: no space left on device');
  });

  it('ignores messages that are not sample requests', async () => {
    const { port, request } = memoryPort();
    answerSamples(newSampler(), undefined, port);
    const unanswered = await Promise.race([
      request({ type: 'users', count: 1 }),
      new Promise((resolve) => setTimeout(() => resolve('no reply'), 20)),
    ]);
    expect(unanswered).toBe('no reply');
  });
});
