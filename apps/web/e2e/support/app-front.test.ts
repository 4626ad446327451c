import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { type AppFront, startAppFront } from './app-front.js';

describe('app front', () => {
  let dir: string;
  let upstream: http.Server;
  let wss: WebSocketServer;
  let front: AppFront;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'app-front-test-'));
    await mkdir(path.join(dir, 'assets'));
    await writeFile(path.join(dir, 'index.html'), '<div id="root"></div>');
    await writeFile(path.join(dir, 'assets/app.js'), 'console.log(1)');
    // Atlas stand-in: echoes what it was asked, and echoes WebSocket messages.
    upstream = http.createServer((request, response) => {
      response.writeHead(request.url === '/missing.js' ? 404 : 200, {
        'content-type': 'application/json',
      });
      response.end(JSON.stringify({ url: request.url, host: request.headers.host }));
    });
    wss = new WebSocketServer({ server: upstream });
    wss.on('connection', (socket) => socket.on('message', (data) => socket.send(`echo ${data}`)));
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const { port } = upstream.address() as AddressInfo;
    front = await startAppFront({
      atlasUrl: `http://127.0.0.1:${port}`,
      snapshotDir: dir,
      securityHeaders: { 'content-security-policy': "script-src 'self'" },
    });
  });

  afterAll(async () => {
    await front.close();
    wss.close();
    await new Promise((resolve) => upstream.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it('serves snapshot files with their type and the security headers', async () => {
    const response = await fetch(`${front.url}/assets/app.js`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(response.headers.get('content-security-policy')).toBe("script-src 'self'");
    expect(await response.text()).toBe('console.log(1)');
  });

  it('answers page navigations to app paths with index.html', async () => {
    const response = await fetch(`${front.url}/chat/123`, { headers: { accept: 'text/html' } });
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await response.text()).toBe('<div id="root"></div>');
  });

  it('passes API paths and unknown files to Atlas, Host header included', async () => {
    const api = await fetch(`${front.url}/v1/config`, { headers: { accept: 'text/html' } });
    expect(await api.json()).toEqual({ url: '/v1/config', host: new URL(front.url).host });
    const missing = await fetch(`${front.url}/missing.js`);
    expect(missing.status).toBe(404);
  });

  it('passes WebSocket upgrades through, both ways', async () => {
    const socket = new WebSocket(`${front.url.replace('http', 'ws')}/v2/voice`);
    const reply = await new Promise<string>((resolve, reject) => {
      socket.once('open', () => socket.send('hello'));
      socket.once('message', (data) => resolve(String(data)));
      socket.once('error', reject);
    });
    expect(reply).toBe('echo hello');
    // Atlas dropping its side ends the page's socket too.
    const closed = new Promise<number>((resolve) => socket.once('close', resolve));
    for (const client of wss.clients) client.terminate();
    expect(await closed).toBe(1006);
  });
});
