import { describe, expect, it } from 'vitest';
import { sniffType } from './sniff-type.js';

function bytes(...parts: Array<string | number[]>): Uint8Array {
  const out: number[] = [];
  for (const part of parts) {
    if (typeof part === 'string') for (const ch of part) out.push(ch.charCodeAt(0));
    else out.push(...part);
  }
  while (out.length < 32) out.push(0);
  return Uint8Array.from(out);
}

describe('sniffType', () => {
  it.each([
    ['wav', bytes('RIFF', [0, 0, 0, 0], 'WAVEfmt '), 'audio/wav', 'audio'],
    ['mp3 with ID3', bytes('ID3', [4, 0, 0]), 'audio/mpeg', 'audio'],
    ['mp3 frame sync', bytes([0xff, 0xfb, 0x90, 0x64]), 'audio/mpeg', 'audio'],
    ['ogg', bytes('OggS', [0, 2]), 'audio/ogg', 'audio'],
    ['flac', bytes('fLaC', [0, 0, 0, 0x22]), 'audio/flac', 'audio'],
    [
      'webm',
      bytes([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x82, 0x84], 'webm'),
      'audio/webm',
      'audio',
    ],
    [
      'matroska',
      bytes([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x82, 0x88], 'matroska'),
      'audio/x-matroska',
      'audio',
    ],
    ['m4a', bytes([0, 0, 0, 0x20], 'ftypM4A ', [0, 0, 0, 0]), 'audio/mp4', 'audio'],
    ['png', bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), 'image/png', 'image'],
    ['jpeg', bytes([0xff, 0xd8, 0xff, 0xe0]), 'image/jpeg', 'image'],
    ['gif', bytes('GIF89a'), 'image/gif', 'image'],
    ['webp', bytes('RIFF', [0, 0, 0, 0], 'WEBPVP8 '), 'image/webp', 'image'],
    ['zip', bytes([0x50, 0x4b, 0x03, 0x04]), 'application/zip', 'other'],
    ['pdf', bytes('%PDF-1.7'), 'application/pdf', 'other'],
    [
      'windows exe',
      bytes('MZ', [0x90, 0]),
      'application/vnd.microsoft.portable-executable',
      'other',
    ],
    ['elf', bytes([0x7f, 0x45, 0x4c, 0x46, 2, 1]), 'application/x-elf', 'other'],
    ['text', bytes('hello world'), 'application/octet-stream', 'other'],
  ] as const)('%s', (_name, input, mime, kind) => {
    expect(sniffType(input)).toEqual({ mime, kind });
  });

  it('treats empty and tiny inputs as unknown', () => {
    expect(sniffType(new Uint8Array())).toEqual({
      mime: 'application/octet-stream',
      kind: 'other',
    });
    expect(sniffType(Uint8Array.from([0xff]))).toEqual({
      mime: 'application/octet-stream',
      kind: 'other',
    });
  });

  it('does not take an invalid frame header for mp3', () => {
    expect(sniffType(bytes([0xff, 0xff, 0xff, 0xff])).kind).toBe('other');
  });
});
