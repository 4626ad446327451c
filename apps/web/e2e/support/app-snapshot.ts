/**
 * @module e2e/support/app-snapshot
 * A private copy of the built web app for one test file. Atlas serves `apps/web/dist`, which
 * any `npm start`, `npm run build` or benchmark on the machine may rebuild at any moment (Vite
 * empties the folder first): a page mid-test would then get 404s for its lazy chunks. So each
 * file copies the build once and checks the copy is whole; `app-front.ts` serves it.
 */
import { cp, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';

/** Security headers Atlas (helmet) sets on every response, the page's CSP among them. */
const SECURITY_HEADERS = [
  'content-security-policy',
  'cross-origin-opener-policy',
  'cross-origin-resource-policy',
  'origin-agent-cluster',
  'permissions-policy',
  'referrer-policy',
  'strict-transport-security',
  'x-content-type-options',
  'x-dns-prefetch-control',
  'x-frame-options',
  'x-permitted-cross-domain-policies',
  'x-xss-protection',
];

/** The files `index.html` loads (`/assets/…`), which must all be in a whole build. */
export function referencedAssets(indexHtml: string): string[] {
  return [...indexHtml.matchAll(/(?:src|href)="\/(assets\/[^"?#]+)"/g)].map(
    (match) => match[1] ?? '',
  );
}

async function isFile(file: string): Promise<boolean> {
  return (await stat(file).catch(() => undefined))?.isFile() ?? false;
}

/**
 * Copies the build in `distDir` to `targetDir`; throws when the copy is not whole (a rebuild
 * was emptying the folder meanwhile), so the caller can build again and retry.
 */
export async function snapshotWebApp(distDir: string, targetDir: string): Promise<void> {
  await rm(targetDir, { recursive: true, force: true });
  await cp(distDir, targetDir, { recursive: true });
  const index = path.join(targetDir, 'index.html');
  if (!(await isFile(index))) throw new Error(`no index.html in the copy of ${distDir}`);
  const assets = referencedAssets(await readFile(index, 'utf8'));
  for (const asset of assets) {
    if (!(await isFile(path.join(targetDir, asset)))) {
      throw new Error(`the copy of ${distDir} lacks ${asset} (rebuilt while copying?)`);
    }
  }
}

/** Atlas's security headers, read from one of its responses. */
export async function atlasSecurityHeaders(baseUrl: string): Promise<Record<string, string>> {
  const response = await fetch(`${baseUrl}/health`);
  await response.arrayBuffer();
  const headers: Record<string, string> = {};
  for (const name of SECURITY_HEADERS) {
    const value = response.headers.get(name);
    if (value !== null) headers[name] = value;
  }
  if (headers['content-security-policy'] === undefined) {
    throw new Error('Atlas sent no content-security-policy header');
  }
  return headers;
}

/** The snapshot file for a URL path, or undefined when it would leave the snapshot. */
export function snapshotFile(snapshotDir: string, pathname: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return undefined; // malformed escapes name no file
  }
  const relative = path.normalize(decoded).replace(/^[/\\]+/, '');
  const file = path.join(snapshotDir, relative);
  return file.startsWith(snapshotDir + path.sep) ? file : undefined;
}
