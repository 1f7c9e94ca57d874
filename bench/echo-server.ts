// A benchmark server in its own process, so the clients never share its CPU:
//   bare   — a plain ws echo server (the baseline)
//   tapped — wslab's /lab/echo with the tap on (the observer attaches from the client side)
//   proxy PORT — `wslab proxy ws://127.0.0.1:PORT`: every path relayed to that upstream, tapped
//   pipe PORT  — a bare TCP relay to that upstream (no tap, no WebSocket): what any process hop costs
// It prints its port, then answers "mem" requests over IPC with heap figures after a GC.
import { createServer } from 'node:http';
import { connect, createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import { startWslab } from '../server/app.ts';

const mode = process.argv[2];

async function main(): Promise<number> {
  if (mode === 'bare') {
    const server = createServer();
    const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024, perMessageDeflate: false, clientTracking: false });
    server.on('upgrade', (req, socket, head) => {
      wss.handleUpgrade(req, socket, head, (ws) => {
        ws.on('message', (data, isBinary) => ws.send(data as Buffer, { binary: isBinary }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return (server.address() as AddressInfo).port;
  }
  if (mode === 'pipe') {
    const upstreamPort = Number(process.argv[3]);
    const server = createTcpServer({ noDelay: true }, (client) => {
      const upstream = connect({ host: '127.0.0.1', port: upstreamPort, noDelay: true });
      const pipe = (from: Socket, to: Socket) => {
        from.on('data', (chunk: Buffer) => {
          if (!to.write(chunk)) from.pause();
        });
        to.on('drain', () => from.resume());
        from.on('close', () => to.destroy());
        from.on('error', () => from.destroy());
      };
      pipe(client, upstream);
      pipe(upstream, client);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return (server.address() as AddressInfo).port;
  }
  // heartbeat off: the baseline has none, and the comparison is about the tap
  const proxy = mode === 'proxy' ? { target: `ws://127.0.0.1:${process.argv[3]}` } : undefined;
  const s = await startWslab({ port: 0, heartbeat: { intervalMs: 0 }, maxConnections: 100_000, upgradeRate: { perSecond: 1e6, burst: 1e6 }, proxy });
  return s.port;
}

const port = await main();
process.on('message', (msg) => {
  if (msg === 'exit') process.exit(0); // a normal exit, so --cpu-prof writes its profile
  if (msg === 'cpu') {
    process.send!(process.cpuUsage());
    return;
  }
  if (msg === 'mem') {
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    gc?.();
    const m = process.memoryUsage();
    process.send!({ heapUsed: m.heapUsed, rss: m.rss, external: m.external, arrayBuffers: m.arrayBuffers });
  }
});
process.send!({ port });
