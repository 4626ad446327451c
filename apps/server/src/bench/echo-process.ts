/**
 * @module bench/echo-process
 * Child process: the capacity benchmark's baseline, a bare `ws` server that echoes every frame
 * and does nothing else. The same load on it and on Atlas gives the ratio Atlas/bare.
 */
import { WebSocketServer } from 'ws';
import { childReady, untilStopped } from './child-process.js';
import { answerSamples, ProcessSampler } from './process-sampler.js';

const sampler = new ProcessSampler();
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  ws.on('error', () => {});
});
await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
const address = wss.address();
const port = typeof address === 'object' && address !== null ? address.port : 0;
answerSamples(sampler);
childReady({ url: `ws://127.0.0.1:${port}` });
await untilStopped();
for (const client of wss.clients) client.terminate();
wss.close();
process.exit(0);
