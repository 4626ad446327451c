/**
 * @module voice/connection/voice-url
 * The V2 voice socket's address: `ws(s)://<host>/v2/voice` on the API's origin (the page's own
 * when `baseUrl` is empty), secure exactly when the page or API is served over https.
 */

export function voiceSocketUrl(baseUrl: string, page: { protocol: string; host: string }): string {
  const origin = baseUrl === '' ? `${page.protocol}//${page.host}` : baseUrl;
  const url = new URL('/v2/voice', origin);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}
