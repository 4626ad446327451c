/**
 * @module e2e/support/app-front
 * The address the browser tests open: a small HTTP server on 127.0.0.1 in front of Atlas that
 * serves the web app from this file's snapshot of the build (see `app-snapshot.ts`) with
 * Atlas's own security headers, and passes everything else (API, auth, SSE streams and the
 * voice WebSocket) through to Atlas unchanged, `Host` included, so Atlas's same-origin checks
 * see the page's real origin. A real loopback server (rather than request interception in the
 * browser) keeps the page in Chromium's local address space, which its Local Network Access
 * checks require before a page may open a WebSocket to 127.0.0.1.
 */
import { readFile, stat } from 'node:fs/promises';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import net from 'node:net';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { snapshotFile } from './app-snapshot.js';

/** Paths Atlas answers itself; everything else is the web app. */
const SERVER_PATHS = /^\/(v1|v2|auth)\/|^\/(health|ready|metrics)$/;

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webmanifest': 'application/manifest+json',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

export interface AppFrontOptions {
  /** Atlas's address, e.g. `http://127.0.0.1:40123`. */
  readonly atlasUrl: string;
  /** The snapshot of `apps/web/dist` to serve. */
  readonly snapshotDir: string;
  /** Headers every app file is sent with (Atlas's CSP and the other helmet headers). */
  readonly securityHeaders: Readonly<Record<string, string>>;
}

export interface AppFront {
  /** `http://127.0.0.1:<port>`: what pages open. */
  readonly url: string;
  close(): Promise<void>;
}

async function fileIn(snapshotDir: string, pathname: string): Promise<string | undefined> {
  const file = snapshotFile(snapshotDir, pathname);
  if (file === undefined) return undefined;
  return (await stat(file).catch(() => undefined))?.isFile() ? file : undefined;
}

export async function startAppFront(options: AppFrontOptions): Promise<AppFront> {
  const atlas = new URL(options.atlasUrl);
  const atlasPort = Number(atlas.port);
  const sockets = new Set<Duplex>();
  const track = (socket: Duplex) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };

  const serveApp = async (request: IncomingMessage, response: ServerResponse): Promise<boolean> => {
    const pathname = new URL(request.url ?? '/', 'http://front').pathname;
    if ((request.method !== 'GET' && request.method !== 'HEAD') || SERVER_PATHS.test(pathname)) {
      return false;
    }
    let file = await fileIn(options.snapshotDir, pathname);
    // The SPA fallback, as Atlas does it: a page navigation to any app path gets index.html.
    if (file === undefined && (request.headers.accept ?? '').includes('text/html')) {
      file = path.join(options.snapshotDir, 'index.html');
    }
    if (file === undefined) return false;
    const body = await readFile(file);
    response.writeHead(200, {
      ...options.securityHeaders,
      'content-type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream',
      'content-length': body.byteLength,
      'cache-control': 'no-store',
    });
    response.end(request.method === 'HEAD' ? undefined : body);
    return true;
  };

  const forward = (request: IncomingMessage, response: ServerResponse) => {
    const upstream = http.request(
      {
        host: atlas.hostname,
        port: atlasPort,
        method: request.method,
        path: request.url,
        headers: request.headers,
      },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
        answer.pipe(response);
      },
    );
    upstream.on('error', () => response.destroy());
    // The page gave up (e.g. stopped a streamed reply): so does the request to Atlas.
    response.on('close', () => upstream.destroy());
    request.pipe(upstream);
  };

  const server = http.createServer((request, response) => {
    serveApp(request, response)
      .then((served) => {
        if (!served) forward(request, response);
      })
      .catch(() => response.destroy());
  });
  server.on('connection', track);
  // WebSocket upgrades go through as raw bytes: the request head is replayed to Atlas, then
  // both sockets are piped together; either side closing closes the other.
  server.on('upgrade', (request: IncomingMessage, client: Duplex, head: Buffer) => {
    const upstream = net.connect(atlasPort, atlas.hostname);
    track(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    upstream.once('connect', () => {
      const lines = [`${request.method} ${request.url} HTTP/${request.httpVersion}`];
      for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
        lines.push(`${request.rawHeaders[i]}: ${request.rawHeaders[i + 1]}`);
      }
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.byteLength > 0) upstream.write(head);
      client.pipe(upstream).pipe(client);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
