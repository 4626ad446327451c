import net from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { RoundRobinProxy } from './round-robin-proxy.js';

const servers: net.Server[] = [];
let proxy: RoundRobinProxy | undefined;

/** A server answering every connection with its name, then closing. */
async function namedServer(name: string): Promise<number> {
  const server = net.createServer((socket) => socket.end(name));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

function ask(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    net
      .connect(port, '127.0.0.1')
      .on('data', (chunk) => {
        text += String(chunk);
      })
      .on('close', () => resolve(text))
      .on('error', reject);
  });
}

async function freePortWithNothingListening(): Promise<number> {
  const port = await namedServer('gone');
  const server = servers.pop();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  return port;
}

afterEach(async () => {
  await proxy?.close();
  for (const server of servers.splice(0)) await new Promise((r) => server.close(r));
});

it('hands each new connection to the next upstream in turn', async () => {
  const ports = [await namedServer('a'), await namedServer('b'), await namedServer('c')];
  proxy = await RoundRobinProxy.start(ports.map((port) => ({ host: '127.0.0.1', port })));
  const answers: string[] = [];
  for (let i = 0; i < 6; i++) answers.push(await ask(proxy.port));
  expect(answers).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
  expect(proxy.routed).toEqual([0, 1, 2, 0, 1, 2]);
});

it('skips an upstream that refuses connections, and uses a replaced one', async () => {
  const dead = await freePortWithNothingListening();
  proxy = await RoundRobinProxy.start([
    { host: '127.0.0.1', port: await namedServer('a') },
    { host: '127.0.0.1', port: dead },
  ]);
  expect([await ask(proxy.port), await ask(proxy.port), await ask(proxy.port)]).toEqual([
    'a',
    'a',
    'a',
  ]);
  proxy.replace(1, { host: '127.0.0.1', port: await namedServer('b') });
  expect([await ask(proxy.port), await ask(proxy.port)]).toContain('b');
});

it('closes the client when no upstream answers', async () => {
  proxy = await RoundRobinProxy.start([
    { host: '127.0.0.1', port: await freePortWithNothingListening() },
  ]);
  expect(await ask(proxy.port)).toBe('');
  expect(proxy.routed).toEqual([-1]);
});
