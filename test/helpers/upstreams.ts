// Independent WebSocket servers for `wslab proxy` to stand in front of: the `ws` library (plain or
// behind TLS with a self-signed certificate), python's `websockets`, and a TCP recorder that sits
// between the proxy and any upstream and keeps every byte both ways.
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, connect, type AddressInfo, type Socket } from 'node:net';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';

/** The bytes one TCP connection carried, each direction in order. */
export interface Recorded {
  /** what the client side sent (the upgrade request, then its frames) */
  c2s: Buffer[];
  /** what the server side sent (the 101, then its frames) */
  s2c: Buffer[];
}

export interface Upstream {
  port: number;
  /** one entry per TCP connection, in accept order */
  conns: Recorded[];
  close(): Promise<void>;
}

/**
 * A `ws` echo server (text back as text, binary as binary) recording each connection's plaintext
 * bytes as the server's socket read and wrote them.
 */
export async function wsUpstream(opts: { deflate?: boolean; tls?: { key: string; cert: string } } = {}): Promise<Upstream> {
  const conns: Recorded[] = [];
  const server: Server = opts.tls ? createHttpsServer({ key: opts.tls.key, cert: opts.tls.cert }) : createHttpServer();
  const record = (socket: Socket) => {
    const r: Recorded = { c2s: [], s2c: [] };
    conns.push(r);
    socket.prependListener('data', (chunk: Buffer) => r.c2s.push(Buffer.from(chunk)));
    const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
    (socket as unknown as { write: (...args: unknown[]) => boolean }).write = (chunk: unknown, ...rest: unknown[]) => {
      if (chunk instanceof Uint8Array) r.s2c.push(Buffer.from(chunk));
      else if (typeof chunk === 'string') r.s2c.push(Buffer.from(chunk, 'latin1'));
      return write(chunk, ...rest);
    };
  };
  server.on(opts.tls ? 'secureConnection' : 'connection', record);
  const wss = new WebSocketServer({ server, perMessageDeflate: opts.deflate ? { threshold: 0 } : false });
  wss.on('connection', (ws) => {
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    ws.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    conns,
    close: async () => {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A TCP pipe to 127.0.0.1:targetPort that records both directions of every connection. */
export async function recorder(targetPort: number): Promise<Upstream> {
  const conns: Recorded[] = [];
  const sockets = new Set<Socket>();
  const server = createNetServer((inbound) => {
    const r: Recorded = { c2s: [], s2c: [] };
    conns.push(r);
    const outbound = connect(targetPort, '127.0.0.1');
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    inbound.on('data', (chunk) => {
      r.c2s.push(Buffer.from(chunk));
      outbound.write(chunk);
    });
    outbound.on('data', (chunk) => {
      r.s2c.push(Buffer.from(chunk));
      inbound.write(chunk);
    });
    inbound.on('close', () => outbound.destroy());
    outbound.on('close', () => inbound.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    conns,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** True when python3 with the websockets package can run here. */
export function havePythonWebsockets(): boolean {
  const r = spawnSync('python3', ['-c', 'import websockets'], { encoding: 'utf8' });
  return r.status === 0;
}

const PY_ECHO = `
import asyncio, sys
from websockets.asyncio.server import serve

async def echo(ws):
    async for message in ws:
        await ws.send(message)

async def main():
    async with serve(echo, "127.0.0.1", 0) as server:
        print(server.sockets[0].getsockname()[1], flush=True)
        await asyncio.Future()

asyncio.run(main())
`;

/** python's `websockets` echo server (permessage-deflate on, its default). */
export async function pythonUpstream(): Promise<{ port: number; child: ChildProcess; close(): Promise<void> }> {
  const child = spawn('python3', ['-u', '-c', PY_ECHO], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /^(\d+)\n/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`python websockets server exited with ${code}`)));
  });
  return {
    port,
    child,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
}

/** A fresh self-signed certificate for 127.0.0.1 / localhost (openssl). */
export function selfSignedCert(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'wslab-cert-'));
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr}`);
  return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
}

/** A server that accepts TCP connections and never answers (an upstream that hangs). */
export async function silentServer(): Promise<Upstream> {
  const sockets = new Set<Socket>();
  const server = createNetServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    conns: [],
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The bytes after the HTTP head (the frames), and the head itself. */
export function splitHead(chunks: Buffer[]): { head: string; frames: Buffer } {
  const all = Buffer.concat(chunks);
  const end = all.indexOf('\r\n\r\n');
  return end < 0 ? { head: all.toString('latin1'), frames: Buffer.alloc(0) } : { head: all.subarray(0, end + 4).toString('latin1'), frames: all.subarray(end + 4) };
}

export interface RawFrame {
  fin: boolean;
  rsv1: boolean;
  opcode: number;
  /** hex, null when unmasked */
  mask: string | null;
  length: number;
}

/** Splits a byte stream into frame headers (a test's own parser, independent of wslab's codec). */
export function rawFrames(bytes: Buffer): RawFrame[] {
  const out: RawFrame[] = [];
  let i = 0;
  while (i + 2 <= bytes.length) {
    const b0 = bytes[i];
    const b1 = bytes[i + 1];
    let len = b1 & 0x7f;
    let at = i + 2;
    if (len === 126) {
      len = bytes.readUInt16BE(at);
      at += 2;
    } else if (len === 127) {
      len = Number(bytes.readBigUInt64BE(at));
      at += 8;
    }
    const masked = (b1 & 0x80) !== 0;
    const mask = masked ? bytes.subarray(at, at + 4).toString('hex') : null;
    if (masked) at += 4;
    if (at + len > bytes.length) break;
    out.push({ fin: (b0 & 0x80) !== 0, rsv1: (b0 & 0x40) !== 0, opcode: b0 & 0x0f, mask, length: len });
    i = at + len;
  }
  return out;
}
