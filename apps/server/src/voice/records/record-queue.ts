/**
 * @module voice/records/record-queue
 * The writer's in-memory FIFO. Every entry has a sequence number, so the two ways records
 * leave memory (written to the database, moved to the spool) can each remove "everything up
 * to seq N" without caring whether the other one already took some of it.
 */
import type { VoiceRecord } from './records.js';

export interface QueueEntry {
  readonly seq: number;
  readonly record: VoiceRecord;
  readonly bytes: number;
}

// Dropped slots are reclaimed in bulk, so shifting stays O(1) amortised.
const COMPACT_AFTER = 1024;

export class RecordQueue {
  #items: QueueEntry[] = [];
  #head = 0;
  #bytes = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  /** The estimated memory held by the queued records. */
  get bytes(): number {
    return this.#bytes;
  }

  /** The oldest entry's sequence number, or `Infinity` when empty. */
  get headSeq(): number {
    return this.#items[this.#head]?.seq ?? Number.POSITIVE_INFINITY;
  }

  push(entry: QueueEntry): void {
    this.#items.push(entry);
    this.#bytes += entry.bytes;
  }

  /** The oldest `count` entries (or fewer), left in place. */
  peek(count: number): QueueEntry[] {
    return this.#items.slice(this.#head, this.#head + count);
  }

  /** Removes entries from the front while their seq is at most `seq`; returns how many. */
  dropThrough(seq: number): number {
    let dropped = 0;
    for (let entry = this.#items[this.#head]; entry !== undefined && entry.seq <= seq; ) {
      this.#bytes -= entry.bytes;
      this.#head++;
      dropped++;
      entry = this.#items[this.#head];
    }
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head >= COMPACT_AFTER && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return dropped;
  }
}
