/**
 * @module http/sniff-type
 * Tells a file's type from its first bytes (magic numbers), never from its name or the
 * client's Content-Type: audio (WAV, MP3, OGG, FLAC, WebM/Matroska, MP4/M4A), images (PNG,
 * JPEG, GIF, WebP), and a few things that must never pass as either (ZIP, PDF, executables).
 *
 * @example
 * sniffType(bytes) // { mime: 'audio/wav', kind: 'audio' }
 */

export type SniffedKind = 'audio' | 'image' | 'other';

export interface SniffedType {
  readonly mime: string;
  readonly kind: SniffedKind;
}

const UNKNOWN: SniffedType = { mime: 'application/octet-stream', kind: 'other' };

function ascii(bytes: Uint8Array, offset: number, text: string): boolean {
  if (bytes.length < offset + text.length) return false;
  for (let i = 0; i < text.length; i++) {
    if (bytes[offset + i] !== text.charCodeAt(i)) return false;
  }
  return true;
}

function startsWith(bytes: Uint8Array, prefix: readonly number[], offset = 0): boolean {
  if (bytes.length < offset + prefix.length) return false;
  return prefix.every((value, i) => bytes[offset + i] === value);
}

/** An MPEG audio frame header: 11 sync bits, a valid version, layer, bitrate and sample rate. */
function isMpegFrame(bytes: Uint8Array, offset = 0): boolean {
  if (bytes.length < offset + 4) return false;
  const b1 = bytes[offset + 1] as number;
  const b2 = bytes[offset + 2] as number;
  if (bytes[offset] !== 0xff || (b1 & 0xe0) !== 0xe0) return false;
  const version = (b1 >> 3) & 0x03;
  const layer = (b1 >> 1) & 0x03;
  const bitrate = (b2 >> 4) & 0x0f;
  const sampleRate = (b2 >> 2) & 0x03;
  return version !== 1 && layer !== 0 && bitrate !== 0x0f && sampleRate !== 3;
}

export function sniffType(bytes: Uint8Array): SniffedType {
  // Audio
  if (ascii(bytes, 0, 'RIFF') && ascii(bytes, 8, 'WAVE'))
    return { mime: 'audio/wav', kind: 'audio' };
  if (ascii(bytes, 0, 'ID3') || isMpegFrame(bytes)) return { mime: 'audio/mpeg', kind: 'audio' };
  if (ascii(bytes, 0, 'OggS')) return { mime: 'audio/ogg', kind: 'audio' };
  if (ascii(bytes, 0, 'fLaC')) return { mime: 'audio/flac', kind: 'audio' };
  if (startsWith(bytes, [0x1a, 0x45, 0xdf, 0xa3])) {
    // EBML header; the DocType says WebM or Matroska.
    const head = new TextDecoder('latin1').decode(bytes.subarray(0, 64));
    return head.includes('webm')
      ? { mime: 'audio/webm', kind: 'audio' }
      : { mime: 'audio/x-matroska', kind: 'audio' };
  }
  // ISO BMFF (MP4/M4A/MOV): browsers record audio as MP4 with generic brands (isom, mp42),
  // so every ftyp box is accepted as audio; the STT vendor decides whether it holds sound.
  if (ascii(bytes, 4, 'ftyp')) return { mime: 'audio/mp4', kind: 'audio' };
  // Images
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
    return { mime: 'image/png', kind: 'image' };
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return { mime: 'image/jpeg', kind: 'image' };
  if (ascii(bytes, 0, 'GIF87a') || ascii(bytes, 0, 'GIF89a'))
    return { mime: 'image/gif', kind: 'image' };
  if (ascii(bytes, 0, 'RIFF') && ascii(bytes, 8, 'WEBP'))
    return { mime: 'image/webp', kind: 'image' };
  // Known non-media
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04]) || startsWith(bytes, [0x50, 0x4b, 0x05, 0x06]))
    return { mime: 'application/zip', kind: 'other' };
  if (ascii(bytes, 0, '%PDF-')) return { mime: 'application/pdf', kind: 'other' };
  if (ascii(bytes, 0, 'MZ'))
    return { mime: 'application/vnd.microsoft.portable-executable', kind: 'other' };
  if (startsWith(bytes, [0x7f, 0x45, 0x4c, 0x46]))
    return { mime: 'application/x-elf', kind: 'other' };
  if (
    startsWith(bytes, [0xcf, 0xfa, 0xed, 0xfe]) ||
    startsWith(bytes, [0xce, 0xfa, 0xed, 0xfe]) ||
    startsWith(bytes, [0xfe, 0xed, 0xfa, 0xcf]) ||
    startsWith(bytes, [0xca, 0xfe, 0xba, 0xbe])
  )
    return { mime: 'application/x-mach-binary', kind: 'other' };
  if (ascii(bytes, 0, '#!')) return { mime: 'text/x-shellscript', kind: 'other' };
  return UNKNOWN;
}
