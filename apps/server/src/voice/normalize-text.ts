/**
 * @module voice/normalize-text
 * The comparison that decides whether a speculative reply answered what the user finally said:
 * case, punctuation and spacing do not count (protocol rule 1).
 */
export function normalizeTranscript(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFKC')
    .replace(/[^\p{L}\p{N}\s']/gu, ' ')
    .replace(/'/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}
