/**
 * @module scale/testing/round-robin-proxy
 * The simplest load balancer: a TCP proxy on 127.0.0.1 handing each new connection to the next
 * upstream in turn. An upstream that refuses the connection (its process was killed) is skipped
 * for that connection, as a real balancer's failed connect would be retried elsewhere. HTTP
 * keep-alive and WebSockets stay on the instance their connection reached.
 */
import net from 'node:net';

export interface Upstream {
  host: string;
  port: number;
}

export class RoundRobinProxy {
  /** The upstream index each accepted connection was handed to, in order (-1: none answered). */
  readonly routed: number[] = [];
  readonly #upstreams: Upstream[];
  readonly #sockets = new Set<net.Socket>();
  readonly #server: net.Server;
  #next = 0;

  private constructor(upstreams: Upstream[]) {
    this.#upstreams = upstreams;
    this.#server = net.createServer((client) => this.#accept(client));
  }

  static async start(upstreams: readonly Upstream[]): Promise<RoundRobinProxy> {
    const proxy = new RoundRobinProxy([...upstreams]);
    await new Promise<void>((resolve, reject) => {
      proxy.#server.once('error', reject);
      proxy.#server.listen(0, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  get port(): number {
    const address = this.#server.address();
    return address !== null && typeof address === 'object' ? address.port : 0;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Points slot `index` at a new address (an instance restarted on another port). */
  replace(index: number, upstream: Upstream): void {
    if (index < 0 || index >= this.#upstreams.length) throw new RangeError(`no upstream ${index}`);
    this.#upstreams[index] = upstream;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: net.Socket): void {
    this.#sockets.add(client);
    client.on('close', () => this.#sockets.delete(client));
    client.on('error', () => client.destroy());
    client.pause();
    const first = this.#next;
    this.#next = (this.#next + 1) % this.#upstreams.length;
    this.#connect(client, first, 0);
  }

  #connect(client: net.Socket, index: number, tried: number): void {
    if (tried === this.#upstreams.length || client.destroyed) {
      this.routed.push(-1);
      client.destroy();
      return;
    }
    const target = this.#upstreams[index];
    if (target === undefined) return;
    const upstream = net.connect(target.port, target.host);
    const failed = () => {
      upstream.destroy();
      this.#connect(client, (index + 1) % this.#upstreams.length, tried + 1);
    };
    upstream.once('error', failed);
    upstream.once('connect', () => {
      upstream.off('error', failed);
      this.routed.push(index);
      this.#sockets.add(upstream);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        this.#sockets.delete(upstream);
      };
      upstream.on('error', drop).on('close', drop);
      client.on('close', drop);
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
  }
}
