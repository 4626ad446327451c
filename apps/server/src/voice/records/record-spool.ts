/**
 * @module voice/records/record-spool
 * The writer's disk overflow: an append-only JSONL file (one record per line) that holds the
 * OLDEST unwritten records while the database is away and memory is full, plus a dead-letter
 * JSONL file for records the database refuses for good. Every append is fsync'd before it
 * counts, so a record that left memory survives a crash.
 *
 * The spool is read back from a byte offset in batches; the offset lives in memory only, so
 * after a crash the whole file is replayed, which is harmless because every write is
 * idempotent. All file work is serialised on one promise chain: appends, reads and the final
 * unlink never interleave. One writer per directory (like the PGlite data beside it).
 */
import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { mkdir, open, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { VoiceRecord } from './records.js';

export const SPOOL_FILE = 'voice-records.jsonl';
export const DEAD_LETTER_FILE = 'voice-records.dead-letter.jsonl';

/** Records read back from the spool, and the lines that could not be parsed. */
export interface SpoolBatch {
  records: VoiceRecord[];
  /** Raw lines that are not JSON objects (a torn write after a crash). */
  corrupt: string[];
  /** Where the next read starts once this batch is acknowledged. */
  readonly endOffset: number;
  readonly lineCount: number;
}

export interface DeadLetter {
  error: unknown;
  record?: VoiceRecord;
  /** An unparsable spool line, kept verbatim. */
  raw?: string;
}

const READ_CHUNK_BYTES = 256 * 1024;
const NEWLINE = 0x0a;

function describeError(error: unknown): { message: string; code?: string } {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? { message, code } : { message };
}

/** JSONL for `records`; those that cannot be serialised (a BigInt, a cycle) are returned apart. */
function toLines(records: readonly VoiceRecord[]): { text: string; unserializable: DeadLetter[] } {
  let text = '';
  const unserializable: DeadLetter[] = [];
  for (const record of records) {
    try {
      text += `${JSON.stringify(record)}\n`;
    } catch (error) {
      unserializable.push({ record, error });
    }
  }
  return { text, unserializable };
}

function deadLetterLine(at: string, entry: DeadLetter): string {
  const line: Record<string, unknown> = { at, error: describeError(entry.error) };
  if (entry.raw !== undefined) line.raw = entry.raw;
  if (entry.record !== undefined) line.record = entry.record;
  try {
    return `${JSON.stringify(line)}\n`;
  } catch {
    // The record itself is what cannot be serialised: keep what identifies it.
    const { kind, id } = entry.record as { kind?: unknown; id?: unknown };
    return `${JSON.stringify({ ...line, record: { kind: String(kind), id: String(id) } })}\n`;
  }
}

export class RecordSpool {
  readonly path: string;
  readonly deadLetterPath: string;
  #chain: Promise<unknown> = Promise.resolve();
  #busy = 0;
  #offset = 0;
  #pending = 0;
  #opened = false;

  constructor(readonly directory: string) {
    this.path = path.join(directory, SPOOL_FILE);
    this.deadLetterPath = path.join(directory, DEAD_LETTER_FILE);
  }

  /** Records on disk that have not been written to the database yet. */
  get pending(): number {
    return this.#pending;
  }

  /** True while a file operation is queued or running. */
  get busy(): boolean {
    return this.#busy > 0;
  }

  /** Resolves once every file operation queued so far has finished. */
  async idle(): Promise<void> {
    while (this.#busy > 0) await this.#chain.catch(() => {});
  }

  /**
   * Creates the directory and counts what a previous process left behind. A last line without
   * its newline (a crash mid-append) is closed off, so the next append cannot glue a good
   * record onto it; it is then dead-lettered as corrupt on replay.
   */
  open(): Promise<void> {
    return this.#exclusive(async () => {
      await mkdir(this.directory, { recursive: true });
      this.#opened = true;
      let handle: Awaited<ReturnType<typeof open>>;
      try {
        handle = await open(this.path, 'r+');
      } catch (error) {
        if ((error as { code?: unknown }).code === 'ENOENT') return;
        throw error;
      }
      try {
        const { size } = await handle.stat();
        const buffer = Buffer.alloc(READ_CHUNK_BYTES);
        let lines = 0;
        let last = NEWLINE;
        for (let position = 0; position < size; ) {
          const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
          if (bytesRead === 0) break;
          for (let i = 0; i < bytesRead; i++) if (buffer[i] === NEWLINE) lines++;
          last = buffer[bytesRead - 1] ?? NEWLINE;
          position += bytesRead;
        }
        if (last !== NEWLINE) {
          await handle.write('\n', size);
          await handle.sync();
          lines++;
        }
        this.#offset = 0;
        this.#pending = lines;
      } finally {
        await handle.close();
      }
    });
  }

  /**
   * Appends `records` after everything already spooled, and fsyncs. Returns the records that
   * could not be serialised (and so were not spooled) for the caller to dead-letter.
   */
  append(records: readonly VoiceRecord[]): Promise<DeadLetter[]> {
    return this.#exclusive(async () => {
      if (!this.#opened) {
        await mkdir(this.directory, { recursive: true });
        this.#opened = true;
      }
      const { text, unserializable } = toLines(records);
      if (text === '') return unserializable;
      const handle = await open(this.path, 'a');
      try {
        await handle.write(text);
        await handle.sync();
      } finally {
        await handle.close();
      }
      this.#pending += records.length - unserializable.length;
      return unserializable;
    });
  }

  /**
   * The same, synchronously: only for records enqueued after the writer closed, when no loop
   * is left to take them and the process is about to exit.
   */
  appendSync(records: readonly VoiceRecord[]): DeadLetter[] {
    const { text, unserializable } = toLines(records);
    if (text === '') return unserializable;
    mkdirSync(this.directory, { recursive: true });
    const fd = openSync(this.path, 'a');
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.#pending += records.length - unserializable.length;
    return unserializable;
  }

  /** Reads up to `maxRecords` lines after the acknowledged offset. */
  read(maxRecords: number): Promise<SpoolBatch> {
    return this.#exclusive(async () => {
      const empty: SpoolBatch = { records: [], corrupt: [], endOffset: this.#offset, lineCount: 0 };
      let handle: Awaited<ReturnType<typeof open>>;
      try {
        handle = await open(this.path, 'r');
      } catch (error) {
        if ((error as { code?: unknown }).code === 'ENOENT') {
          this.#pending = 0;
          this.#offset = 0;
          return empty;
        }
        throw error;
      }
      try {
        const records: VoiceRecord[] = [];
        const corrupt: string[] = [];
        let position = this.#offset;
        let carry = Buffer.alloc(0);
        let lineCount = 0;
        const buffer = Buffer.alloc(READ_CHUNK_BYTES);
        while (lineCount < maxRecords) {
          const { bytesRead } = await handle.read(
            buffer,
            0,
            buffer.length,
            position + carry.length,
          );
          if (bytesRead === 0) {
            // Bytes without a newline at the very end: every append here writes whole lines,
            // so this is damage from outside. Take it as one corrupt line, or the loop would
            // wait for its end forever.
            if (carry.length > 0) {
              corrupt.push(carry.toString('utf8'));
              position += carry.length;
              lineCount++;
            }
            break;
          }
          let data = Buffer.concat([carry, buffer.subarray(0, bytesRead)]);
          let start = 0;
          for (let end = data.indexOf(NEWLINE); end !== -1; end = data.indexOf(NEWLINE, start)) {
            const line = data.subarray(start, end).toString('utf8');
            start = end + 1;
            lineCount++;
            if (line.trim() !== '') {
              try {
                const value: unknown = JSON.parse(line);
                if (typeof value === 'object' && value !== null) records.push(value as VoiceRecord);
                else corrupt.push(line);
              } catch {
                corrupt.push(line);
              }
            }
            if (lineCount >= maxRecords) break;
          }
          position += start;
          data = data.subarray(start);
          carry = Buffer.from(data);
        }
        return { records, corrupt, endOffset: position, lineCount };
      } finally {
        await handle.close();
      }
    });
  }

  /** Marks `batch` as written; removes the file once everything in it has been. */
  acknowledge(batch: SpoolBatch): Promise<void> {
    return this.#exclusive(async () => {
      this.#offset = batch.endOffset;
      this.#pending = Math.max(0, this.#pending - batch.lineCount);
      let size: number;
      try {
        size = (await stat(this.path)).size;
      } catch (error) {
        if ((error as { code?: unknown }).code !== 'ENOENT') throw error;
        size = 0;
      }
      if (this.#offset >= size) {
        await unlink(this.path).catch((error: unknown) => {
          if ((error as { code?: unknown }).code !== 'ENOENT') throw error;
        });
        this.#offset = 0;
        this.#pending = 0;
      }
    });
  }

  /** Appends refused records, each with the reason, to the dead-letter file (fsync'd). */
  deadLetter(entries: readonly DeadLetter[]): Promise<void> {
    return this.#exclusive(async () => {
      await mkdir(this.directory, { recursive: true });
      const at = new Date().toISOString();
      let text = '';
      for (const entry of entries) text += deadLetterLine(at, entry);
      const handle = await open(this.deadLetterPath, 'a');
      try {
        await handle.write(text);
        await handle.sync();
      } finally {
        await handle.close();
      }
    });
  }

  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    this.#busy++;
    const run = this.#chain.then(fn, fn);
    this.#chain = run.then(
      () => {
        this.#busy--;
      },
      () => {
        this.#busy--;
      },
    );
    return run;
  }
}
