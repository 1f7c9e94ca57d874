// Cross-check with a real peer: a ws client talks to a ws server through a loopback TCP proxy
// that records every byte in both directions. We decode those bytes with server/core/wire and
// assert that the messages we assemble are exactly what ws delivered (RFC 6455 §5.4-§5.6),
// with and without permessage-deflate (RFC 7692). Inflating is done here with node:zlib;
// server/core/wire stays pure.
import net from 'node:net';
import { constants as zlib, inflateRawSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import {
  createReader,
  MessageAssembler,
  negotiatedPerMessageDeflate,
  parseClosePayload,
  withDeflateTail,
  type Frame,
  type WireMessage,
} from '../../server/core/wire/index.ts';

interface Delivered {
  kind: 'text' | 'binary' | 'ping' | 'pong';
  data: string;
}

interface Capture {
  c2s: Buffer[];
  s2c: Buffer[];
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function listen(server: net.Server | WebSocketServer): Promise<number> {
  return new Promise((resolve) => {
    const addr = () => (server.address() as net.AddressInfo).port;
    if (server instanceof WebSocketServer) server.on('listening', () => resolve(addr()));
    else server.listen(0, '127.0.0.1', () => resolve(addr()));
  });
}

/** A TCP proxy on loopback that records the raw bytes of each direction. */
async function startProxy(target: number, capture: Capture, closed: Promise<void>[]): Promise<number> {
  const proxy = net.createServer((client) => {
    const upstream = net.connect(target, '127.0.0.1');
    client.on('data', (d) => {
      capture.c2s.push(Buffer.from(d));
      upstream.write(d);
    });
    upstream.on('data', (d) => {
      capture.s2c.push(Buffer.from(d));
      client.write(d);
    });
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    closed.push(new Promise((resolve) => client.on('close', () => resolve())), new Promise((resolve) => upstream.on('close', () => resolve())));
  });
  const port = await listen(proxy);
  cleanups.push(() => new Promise((resolve) => proxy.close(() => resolve())));
  return port;
}

function record(ws: WebSocket, into: Delivered[]): void {
  ws.on('message', (data: RawData, isBinary: boolean) => {
    const buf = Buffer.isBuffer(data) ? data : Buffer.concat(data as Buffer[]);
    into.push({ kind: isBinary ? 'binary' : 'text', data: isBinary ? buf.toString('hex') : buf.toString('utf8') });
  });
  ws.on('ping', (d: Buffer) => into.push({ kind: 'ping', data: d.toString('hex') }));
  ws.on('pong', (d: Buffer) => into.push({ kind: 'pong', data: d.toString('hex') }));
}

/** Sends the same script from either end: text, binary, a fragmented text and binary message, a ping. */
async function script(ws: WebSocket, who: string): Promise<void> {
  const send = (data: string | Buffer, opts: { fin?: boolean; binary?: boolean } = {}) =>
    new Promise<void>((resolve, reject) => ws.send(data, opts, (err) => (err ? reject(err) : resolve())));
  await send(`hello from ${who} ✓`);
  await send(Buffer.from([0, 1, 2, 253, 254, 255]), { binary: true });
  await send('frag', { fin: false });
  await send('men€', { fin: false });
  await send('ted', { fin: true });
  await send(Buffer.alloc(70_000, 7), { binary: true, fin: false });
  await send(Buffer.from('end'), { binary: true, fin: true });
  await send('x'.repeat(300));
  ws.ping(Buffer.from(`ping ${who}`));
}

function skipHead(chunks: Buffer[]): { head: string; body: Buffer } {
  const all = Buffer.concat(chunks);
  const end = all.indexOf('\r\n\r\n');
  expect(end).toBeGreaterThan(0);
  return { head: all.subarray(0, end).toString('latin1'), body: all.subarray(end + 4) };
}

/** Decode one direction in the chunking TCP delivered, and assemble messages. */
function decodeDirection(chunks: Buffer[], direction: 'client' | 'server', perMessageDeflate: boolean) {
  const { head, body } = skipHead(chunks);
  const reader = createReader({ direction, perMessageDeflate, maxPayload: 1 << 20 });
  const frames: Frame[] = [];
  const messages: WireMessage[] = [];
  const assembler = new MessageAssembler();
  // Re-split the body at the same boundaries TCP used, minus the head.
  let skip = head.length + 4;
  for (const c of chunks) {
    const part = skip >= c.length ? null : c.subarray(skip);
    skip = Math.max(0, skip - c.length);
    if (!part) continue;
    for (const e of reader.push(part)) {
      if (e.type === 'violation') throw new Error(`${direction}: ${e.violation.kind} at ${e.violation.offset}: ${e.violation.reason}`);
      frames.push(e.frame);
      const m = assembler.push(e.frame);
      if (m) messages.push(m);
    }
  }
  expect(reader.finish()).toBeNull();
  expect(reader.offset).toBe(body.length);
  return { head, frames, messages };
}

function asDelivered(m: WireMessage): Delivered | null {
  // Z_SYNC_FLUSH: the stream ends with the empty stored block 00 00 ff ff, not a final block.
  const data = m.compressed ? inflateRawSync(withDeflateTail(m.data), { finishFlush: zlib.Z_SYNC_FLUSH }) : Buffer.from(m.data);
  if (m.opcode === 1) return { kind: 'text', data: data.toString('utf8') };
  if (m.opcode === 2) return { kind: 'binary', data: data.toString('hex') };
  if (m.opcode === 9) return { kind: 'ping', data: data.toString('hex') };
  if (m.opcode === 10) return { kind: 'pong', data: data.toString('hex') };
  return null;
}

async function conversation(perMessageDeflate: boolean) {
  const deflate = perMessageDeflate ? { threshold: 0, serverNoContextTakeover: true, clientNoContextTakeover: true } : false;
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: deflate });
  const wsPort = await listen(wss);
  cleanups.push(() => new Promise((resolve) => wss.close(() => resolve())));
  const capture: Capture = { c2s: [], s2c: [] };
  const socketsClosed: Promise<void>[] = [];
  const proxyPort = await startProxy(wsPort, capture, socketsClosed);

  const atServer: Delivered[] = [];
  const atClient: Delivered[] = [];
  let serverClose: { code: number; reason: string } | null = null;
  const serverDone = new Promise<void>((resolve) => {
    wss.on('connection', (ws) => {
      record(ws, atServer);
      ws.on('close', (code, reason) => {
        serverClose = { code, reason: reason.toString() };
        resolve();
      });
      ws.once('message', () => void script(ws, 'server'));
    });
  });
  const client = new WebSocket(`ws://127.0.0.1:${proxyPort}/lab/echo`, { perMessageDeflate: perMessageDeflate ? { threshold: 0 } : false });
  record(client, atClient);
  const clientClosed = new Promise<{ code: number; reason: string }>((resolve) => client.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  await new Promise<void>((resolve, reject) => {
    client.on('open', () => resolve());
    client.on('error', reject);
  });
  await script(client, 'client');
  // Wait until each side has seen the other's whole script (5 data messages + the ping, and its pong).
  const deadline = Date.now() + 10_000;
  while ((atServer.filter((d) => d.kind !== 'pong').length < 6 || atClient.filter((d) => d.kind !== 'pong').length < 6 || !atServer.some((d) => d.kind === 'pong') || !atClient.some((d) => d.kind === 'pong')) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 10));
  }
  client.close(4001, 'bye now');
  const clientSaw = await clientClosed;
  await serverDone;
  await Promise.all(socketsClosed);
  return { capture, atServer, atClient, clientSaw, serverClose: serverClose! };
}

function dataAndControl(messages: WireMessage[]): Delivered[] {
  return messages.map(asDelivered).filter((d): d is Delivered => d !== null);
}

describe('RFC 6455 cross-check with ws over loopback', () => {
  it('decodes what a ws client and server exchange: text, binary, fragments, ping/pong, close', async () => {
    const { capture, atServer, atClient, clientSaw, serverClose } = await conversation(false);
    const c2s = decodeDirection(capture.c2s, 'client', false);
    const s2c = decodeDirection(capture.s2c, 'server', false);
    expect(c2s.head).toMatch(/^GET \/lab\/echo HTTP\/1\.1\r\n/);
    expect(s2c.head).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\n/);

    // What the server delivered is what the client's bytes say, and vice versa.
    expect(dataAndControl(c2s.messages)).toEqual(atServer);
    expect(dataAndControl(s2c.messages)).toEqual(atClient);
    expect(atServer.filter((d) => d.kind === 'text').map((d) => d.data)).toEqual(['hello from client ✓', 'fragmen€ted', 'x'.repeat(300)]);

    // §5.4: the fragmented sends really were fragmented on the wire.
    expect(c2s.frames.filter((f) => f.opcode === 0).length).toBe(3);
    expect(c2s.frames.every((f) => f.masked)).toBe(true);
    expect(s2c.frames.every((f) => !f.masked)).toBe(true);
    expect(c2s.frames.some((f) => f.lengthBits === 16) && c2s.frames.some((f) => f.lengthBits === 64)).toBe(true);

    // §5.5.1: the Close frames carry the code and reason both ends reported.
    const closeC2s = c2s.frames.filter((f) => f.opcode === 8).map((f) => parseClosePayload(f.payload));
    const closeS2c = s2c.frames.filter((f) => f.opcode === 8).map((f) => parseClosePayload(f.payload));
    expect(closeC2s).toEqual([{ code: 4001, reason: 'bye now' }]);
    expect(serverClose).toEqual({ code: 4001, reason: 'bye now' });
    expect(closeS2c).toEqual([{ code: clientSaw.code, reason: clientSaw.reason }]);
  });

  it('decodes permessage-deflate: RSV1 on the first frame only, and inflated messages equal what ws delivered', async () => {
    const { capture, atServer, atClient } = await conversation(true);
    const c2s = decodeDirection(capture.c2s, 'client', true);
    const s2c = decodeDirection(capture.s2c, 'server', true);
    const header = /\r\nsec-websocket-extensions: ([^\r]*)/i.exec(s2c.head)?.[1];
    expect(negotiatedPerMessageDeflate(header)).toEqual({ serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: null, clientMaxWindowBits: null });

    for (const dir of [c2s, s2c]) {
      const data = dir.messages.filter((m) => m.opcode === 1 || m.opcode === 2);
      expect(data.length).toBe(5);
      expect(data.every((m) => m.compressed)).toBe(true);
      // RFC 7692 §6.1: RSV1 on the first frame of each message, never on continuations or control frames.
      expect(dir.frames.filter((f) => f.rsv1).every((f) => f.opcode === 1 || f.opcode === 2)).toBe(true);
      expect(dir.frames.filter((f) => f.opcode === 0).some((f) => f.rsv1)).toBe(false);
      // 70,000 bytes of 0x07 compress to a handful of bytes.
      expect(Math.max(...dir.frames.map((f) => f.payloadLength))).toBeLessThan(1000);
    }
    expect(dataAndControl(c2s.messages)).toEqual(atServer);
    expect(dataAndControl(s2c.messages)).toEqual(atClient);
  });
});
