// The standalone fuzzing server of `wslab conform --serve`: one HTTP server whose upgrades go to
// the endpoints of ConformServe at "/" (/runCase, /getCaseCount, …, as Autobahn's fuzzingserver
// has them), and whose plain GET / says how to use it. Bound to 127.0.0.1 unless told otherwise;
// the Host rule (DNS rebinding) and the Origin rule (cross-site pages) are the main server's.
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { ConformServe, type ServeOptions } from './serve.ts';
import { HostRule } from '../http/hosts.ts';
import { originAllowed } from '../http/origin.ts';
import { refuse } from '../http/refuse.ts';
import { SERVE_ENDPOINTS } from '../core/conform/serve.ts';

export interface ConformServer {
  serve: ConformServe;
  /** ws://HOST:PORT (no trailing slash) */
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startConformServer(options: ServeOptions & { port?: number; host?: string; allowOrigins?: string[] }): Promise<ConformServer> {
  const host = options.host ?? '127.0.0.1';
  const serve = new ConformServe(options);
  const hosts = new HostRule({ bound: host });
  const server: Server = createServer({ maxHeaderSize: 16 * 1024 }, (req, res) => {
    if (!hosts.checkRequest(req, res)) return;
    res.writeHead(req.url === '/' ? 200 : 404, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(
      `wslab conform --serve: the fuzzing server that tests WebSocket clients (${serve.cases.length} cases).\n` +
        `Open WebSockets to ${SERVE_ENDPOINTS.join(', ')}: for each N from 1 to /getCaseCount, connect to\n` +
        `/runCase?case=N&agent=NAME and echo every message back; then open /updateReports?agent=NAME.\n`,
    );
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.on('upgrade', (req, socket: Socket, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    if (!hosts.checkUpgrade(req, socket)) return;
    if (!originAllowed(req, options.allowOrigins ?? [])) {
      refuse(socket, 403, `Origin ${req.headers.origin} may not open WebSockets here (cross-site WebSocket hijacking is refused); allow it with --allow-origin.`);
      return;
    }
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://wslab.invalid');
    } catch {
      refuse(socket, 400, 'The request target is not a valid URL.');
      return;
    }
    serve.handleUpgrade(url.pathname, url.searchParams, req, socket, head);
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 9001, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  hosts.addPort(port);
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    serve,
    url: `ws://${shown}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        serve.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
