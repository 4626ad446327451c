import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TcpProxy } from './tcp-proxy.js';

function roundTrip(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('error', reject);
    socket.once('data', (data) => {
      resolve(data.toString());
      socket.end();
    });
    socket.write(text);
  });
}

describe('TcpProxy', () => {
  let echo: net.Server;
  let echoPort: number;

  beforeEach(async () => {
    echo = net.createServer((socket) => socket.pipe(socket));
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    echoPort = (echo.address() as net.AddressInfo).port;
  });
  afterEach(async () => {
    await new Promise<void>((resolve) => echo.close(() => resolve()));
  });

  it('forwards, drops live connections and refuses new ones when cut, then comes back', async () => {
    const proxy = await TcpProxy.start({ host: '127.0.0.1', port: echoPort });
    try {
      expect(await roundTrip(proxy.port, 'hello')).toBe('hello');

      const live = net.connect(proxy.port, '127.0.0.1');
      await new Promise((resolve) => live.once('connect', resolve));
      const closed = new Promise((resolve) => live.once('close', resolve));
      live.on('error', () => {});
      await expect.poll(() => proxy.connections).toBeGreaterThan(0);
      await proxy.cut();
      await closed;
      await expect(roundTrip(proxy.port, 'x')).rejects.toMatchObject({ code: 'ECONNREFUSED' });

      await proxy.restore();
      expect(await roundTrip(proxy.port, 'again')).toBe('again');
    } finally {
      await proxy.close();
    }
  });
});
