/**
 * @module voice/testing/recording-sink
 * A ReplySink that records what a client would receive, for unit tests.
 */
import type { ServerMessage } from '@atlas/protocol';
import type { ReplySink } from '../reply.js';

export type Received = ServerMessage | { type: 'binary'; bytes: number };

export class RecordingSink implements ReplySink {
  readonly received: Received[] = [];

  send(message: ServerMessage): void {
    this.received.push(message);
  }

  sendAudio(chunk: Uint8Array): void {
    this.received.push({ type: 'binary', bytes: chunk.byteLength });
  }

  /** Message types in order, consecutive binary frames folded into one `binary`. */
  types(): string[] {
    const out: string[] = [];
    for (const message of this.received) {
      if (message.type === 'binary' && out.at(-1) === 'binary') continue;
      out.push(message.type);
    }
    return out;
  }

  audioBytes(): number {
    return this.received.reduce((sum, m) => sum + (m.type === 'binary' ? m.bytes : 0), 0);
  }
}

/** Splits on sentence punctuation; the real splitter has its own tests. */
export function simpleSplitter() {
  let buffer = '';
  return {
    push(delta: string): string[] {
      buffer += delta;
      const out: string[] = [];
      let match = /[.!?]\s/.exec(buffer);
      while (match) {
        out.push(buffer.slice(0, match.index + 1).trim());
        buffer = buffer.slice(match.index + 2);
        match = /[.!?]\s/.exec(buffer);
      }
      return out;
    },
    flush(): string | undefined {
      const rest = buffer.trim();
      buffer = '';
      return rest.length > 0 ? rest : undefined;
    },
  };
}
