// /lab/echo through the tap, with a real ws client: the event stream shows exactly the bytes that
// crossed the socket, in order, in both directions.
import { afterEach, describe, expect, test } from 'vitest';
import WebSocketClient from 'ws';
import type WebSocket from 'ws';
import { computeAccept } from '../../server/core/wire/index.ts';
import { FRAME_PREVIEW_BYTES, MESSAGE_PREVIEW_BYTES } from '../../server/connection/tap/direction.ts';
import { closed, collect, openClient, rawUpgrade, shut, upgradeRequest, type EventLog, type TestServer, type WslabEvent, useLabServer } from '../helpers/server.ts';

const MASK = [0x37, 0xfa, 0x21, 0x3d];
const fixedMask = { generateMask: (mask: Buffer) => mask.set(MASK) };

let t: TestServer;
let log: EventLog & { stop(): void };
let ws: WebSocket | undefined;

useLabServer((server) => (t = server));
afterEach(async () => {
  await shut(ws, true);
  ws = undefined;
  log?.stop();
  expect(log?.invalid ?? []).toEqual([]);
});

/** Opens a client on /lab/echo and returns it with its conn id (from the conn.open whose ports match). */
async function openEcho(path = '/lab/echo', opts = {}): Promise<{ ws: WebSocket; conn: string }> {
  log = collect(t);
  const client = await openClient(t.wsUrl(path), { ...fixedMask, ...opts });
  ws = client;
  const local = (client as unknown as { _socket: { localPort: number } })._socket.localPort;
  const open = await log.waitForType('conn.open', (e) => e.remote.port === local);
  await log.waitForType('state', (e) => e.conn === open.conn && e.to === 1);
  return { ws: client, conn: open.conn };
}

function echoOnce(client: WebSocket, data: string | Buffer): Promise<Buffer> {
  return new Promise((resolve) => {
    client.once('message', (d) => resolve(d as Buffer));
    client.send(data);
  });
}

const frames = (conn: string, dir?: 'c2s' | 's2c') =>
  log.ofType('frame', conn).filter((f) => dir === undefined || f.dir === dir);

describe('echo lab through the tap', () => {
  test('conn.open reports the TCP 4-tuple of the client socket', async () => {
    const { ws: client, conn } = await openEcho('/lab/echo?session=abc');
    const sock = (client as unknown as { _socket: { localPort: number; localAddress: string; remotePort: number; remoteAddress: string } })._socket;
    const open = log.ofType('conn.open', conn)[0];
    expect(open).toMatchObject({
      conn,
      socketId: conn,
      sessionId: 'abc',
      lab: 'echo',
      path: '/lab/echo?session=abc',
      remote: { address: sock.localAddress, port: sock.localPort },
      local: { address: sock.remoteAddress, port: sock.remotePort },
      subprotocol: null,
      extensions: null,
      client: 'external',
    });
    expect(sock.remotePort).toBe(t.port);
  });

  test('handshake event carries the request and 101 response headers and a verified accept', async () => {
    log = collect(t);
    const client = new WebSocketClient(t.wsUrl('/lab/echo'), fixedMask);
    ws = client;
    // the key the client really sent, read from its own request object
    const sentKey = String((client as unknown as { _req: { getHeader(n: string): string } })._req.getHeader('sec-websocket-key'));
    await new Promise((r) => client.once('open', r));
    const hs = await log.waitForType('handshake');
    const header = (list: [string, string][], name: string) => list.find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];

    expect(sentKey).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    expect(hs.key).toBe(sentKey);
    expect(header(hs.request.headers, 'Sec-WebSocket-Key')).toBe(sentKey);
    expect(header(hs.request.headers, 'Sec-WebSocket-Version')).toBe('13');
    expect(header(hs.request.headers, 'Upgrade')?.toLowerCase()).toBe('websocket');
    expect(hs.request).toMatchObject({ method: 'GET', target: '/lab/echo', httpVersion: '1.1' });
    expect(hs.request.raw.startsWith('GET /lab/echo HTTP/1.1\r\n')).toBe(true);
    expect(hs.request.raw.endsWith('\r\n\r\n')).toBe(true);

    expect(hs.response.status).toBe(101);
    expect(hs.response.statusText).toBe('Switching Protocols');
    expect(header(hs.response.headers, 'Sec-WebSocket-Accept')).toBe(computeAccept(sentKey));
    expect(hs.accept).toBe(computeAccept(sentKey));
    expect(hs.expectedAccept).toBe(computeAccept(sentKey));
    expect(hs.acceptOk).toBe(true);
    expect(hs.response.raw.startsWith('HTTP/1.1 101 Switching Protocols\r\n')).toBe(true);
  });

  test('a text message: the masked c2s frame with the client key, then the unmasked s2c echo', async () => {
    const { ws: client, conn } = await openEcho();
    const echoed = await echoOnce(client, 'hello');
    expect(echoed.toString()).toBe('hello');
    await log.waitForType('message', (m) => m.conn === conn && m.dir === 's2c');

    const [c2s] = frames(conn, 'c2s');
    expect(c2s).toMatchObject({
      dir: 'c2s',
      fin: true,
      rsv1: false,
      rsv2: false,
      rsv3: false,
      opcode: 1,
      opcodeName: 'TEXT',
      masked: true,
      maskingKey: '37fa213d',
      payloadLength: 5,
      headerLength: 6,
      headerHex: '818537fa213d',
      payloadHex: '68656c6c6f',
      truncated: false,
      text: 'hello',
      closeCode: null,
      closeReason: null,
      inflated: null,
    });
    const [s2c] = frames(conn, 's2c');
    expect(s2c).toMatchObject({
      dir: 's2c',
      fin: true,
      opcode: 1,
      masked: false,
      maskingKey: null,
      payloadLength: 5,
      headerLength: 2,
      headerHex: '8105',
      text: 'hello',
    });
    const messages = log.ofType('message', conn);
    expect(messages.map((m) => [m.dir, m.text, m.frames, m.length, m.compressed])).toEqual([
      ['c2s', 'hello', 1, 5, false],
      ['s2c', 'hello', 1, 5, false],
    ]);
    // the order of the stream is the order on the wire
    const order = log.forConn(conn).filter((e) => e.type === 'frame' || e.type === 'message').map((e) => `${e.type}:${(e as { dir: string }).dir}`);
    expect(order).toEqual(['frame:c2s', 'message:c2s', 'frame:s2c', 'message:s2c']);
  });

  test('the first c2s frame starts right after the request head (offset = head byte length)', async () => {
    const { ws: client, conn } = await openEcho();
    await echoOnce(client, 'hello');
    const hs = log.ofType('handshake', conn)[0];
    const [c2s] = frames(conn, 'c2s');
    expect(c2s.offset).toBe(Buffer.byteLength(hs.request.raw, 'latin1'));
    const [s2c] = frames(conn, 's2c');
    expect(s2c.offset).toBe(Buffer.byteLength(hs.response.raw, 'latin1'));
  });

  test('a hand-written upgrade: request.raw is exactly the bytes sent and frame offsets count from them', async () => {
    log = collect(t);
    const request = upgradeRequest(t.port, '/lab/echo', ['X-Lesson: frames']);
    const res = await rawUpgrade(t.port, request);
    try {
      expect(res.status).toBe(101);
      const hs = await log.waitForType('handshake', (e) => e.request.raw.includes('X-Lesson: frames'));
      expect(hs.request.raw).toBe(request);
      expect(hs.acceptOk).toBe(true);
      expect(hs.accept).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
      // RFC 6455 §5.7: a masked "Hello" from the client, sent as two chunks split inside the header
      const frame = Buffer.from('818537fa213d7f9f4d5158', 'hex');
      res.socket.write(frame.subarray(0, 3));
      await new Promise((r) => setTimeout(r, 20));
      res.socket.write(frame.subarray(3));
      const f = await log.waitForType('frame', (e) => e.conn === hs.conn && e.dir === 'c2s');
      expect(f.offset).toBe(request.length);
      expect(f).toMatchObject({ maskingKey: '37fa213d', text: 'Hello', payloadLength: 5, headerHex: '818537fa213d' });
      const echo = await log.waitForType('frame', (e) => e.conn === hs.conn && e.dir === 's2c');
      expect(echo.offset).toBe(Buffer.byteLength(hs.response.raw, 'latin1'));
      expect(echo.headerHex + echo.payloadHex).toBe('810548656c6c6f');
    } finally {
      res.socket.destroy();
    }
  });

  test('a frame sent in the same TCP chunk as the upgrade request is decoded at offset = request length', async () => {
    log = collect(t);
    const request = upgradeRequest(t.port, '/lab/echo', ['X-Same-Chunk: 1']);
    const frame = Buffer.from('818537fa213d7f9f4d5158', 'hex');
    const res = await rawUpgrade(t.port, Buffer.concat([Buffer.from(request, 'latin1'), frame]));
    try {
      expect(res.status).toBe(101);
      const hs = await log.waitForType('handshake', (e) => e.request.raw.includes('X-Same-Chunk'));
      expect(hs.request.raw).toBe(request);
      const f = await log.waitForType('frame', (e) => e.conn === hs.conn && e.dir === 'c2s');
      expect(f).toMatchObject({ offset: request.length, text: 'Hello' });
      await log.waitForType('frame', (e) => e.conn === hs.conn && e.dir === 's2c');
    } finally {
      res.socket.destroy();
    }
  });

  test('an upgrade after a keep-alive GET on the same connection: request.raw is only the upgrade request', async () => {
    log = collect(t);
    const { connect } = await import('node:net');
    const sock = connect(t.port, '127.0.0.1');
    try {
      let received = '';
      sock.on('data', (d: Buffer) => (received += d.toString('latin1')));
      await new Promise((r) => sock.once('connect', r));
      sock.write(`GET /__wslab/health HTTP/1.1\r\nHost: 127.0.0.1:${t.port}\r\n\r\n`);
      await new Promise<void>((resolve) => {
        // the JSON answer comes chunked (keep-alive, no Content-Length): wait for the last chunk
        const check = () => (received.includes('"ok": true') && received.endsWith('\r\n0\r\n\r\n') ? resolve() : setTimeout(check, 10));
        check();
      });
      const request = upgradeRequest(t.port, '/lab/echo', ['X-After-Keep-Alive: 1']);
      sock.write(request);
      const hs = await log.waitForType('handshake', (e) => e.request.raw.includes('X-After-Keep-Alive'));
      expect(hs.request.raw).toBe(request);
      expect(hs.response.status).toBe(101);
      sock.write(Buffer.from('818537fa213d7f9f4d5158', 'hex'));
      const f = await log.waitForType('frame', (e) => e.conn === hs.conn && e.dir === 'c2s');
      expect(f).toMatchObject({ offset: request.length, text: 'Hello' });
    } finally {
      sock.destroy();
    }
  });

  test('the first offered subprotocol is chosen and reported in conn.open and the handshake', async () => {
    const { ws: client, conn } = await (async () => {
      log = collect(t);
      const c = await openClient(t.wsUrl('/lab/echo'), { ...fixedMask, protocols: ['chat.v2', 'chat.v1'] } as never);
      ws = c;
      const local = (c as unknown as { _socket: { localPort: number } })._socket.localPort;
      const open = await log.waitForType('conn.open', (e) => e.remote.port === local);
      return { ws: c, conn: open.conn };
    })();
    expect(client.protocol).toBe('chat.v2');
    expect(log.ofType('conn.open', conn)[0].subprotocol).toBe('chat.v2');
    const hs = await log.waitForType('handshake', (e) => e.conn === conn);
    expect(hs.response.headers.find(([k]) => k.toLowerCase() === 'sec-websocket-protocol')?.[1]).toBe('chat.v2');
  });

  test('a client that drops TCP without a close frame: close by none, not clean, state 1→3', async () => {
    const { ws: client, conn } = await openEcho();
    await echoOnce(client, 'hello');
    client.terminate();
    const close = await log.waitForType('close', (e) => e.conn === conn);
    expect(close).toMatchObject({ code: null, reason: '', initiator: 'none', clean: false });
    expect(log.ofType('state', conn).map((s) => [s.from, s.to])).toEqual([
      [null, 0],
      [0, 1],
      [1, 3],
    ]);
    expect(log.ofType('state', conn)[2].cause).toMatch(/without a close handshake/);
  });

  test('a binary message is opcode 2 both ways', async () => {
    const { ws: client, conn } = await openEcho();
    const echoed = await echoOnce(client, Buffer.from([0x00, 0xff, 0x10, 0x80]));
    expect([...echoed]).toEqual([0x00, 0xff, 0x10, 0x80]);
    await log.waitForType('message', (m) => m.conn === conn && m.dir === 's2c');
    const [c2s] = frames(conn, 'c2s');
    const [s2c] = frames(conn, 's2c');
    expect(c2s).toMatchObject({ opcode: 2, opcodeName: 'BINARY', payloadHex: '00ff1080', text: null, masked: true, maskingKey: '37fa213d' });
    expect(s2c).toMatchObject({ opcode: 2, opcodeName: 'BINARY', payloadHex: '00ff1080', text: null, masked: false });
    const msgs = log.ofType('message', conn);
    expect(msgs.map((m) => [m.dir, m.opcode, m.opcodeName, m.length, m.previewHex, m.text])).toEqual([
      ['c2s', 2, 'BINARY', 4, '00ff1080', null],
      ['s2c', 2, 'BINARY', 4, '00ff1080', null],
    ]);
  });

  test('a fragmented send is a text frame with fin false, a continuation frame, and one message', async () => {
    const { ws: client, conn } = await openEcho();
    const got = new Promise<Buffer>((r) => client.once('message', (d) => r(d as Buffer)));
    client.send('Hel', { fin: false });
    client.send('lo', { fin: true });
    expect((await got).toString()).toBe('Hello');
    await log.waitForType('message', (m) => m.conn === conn && m.dir === 's2c');

    const c2s = frames(conn, 'c2s');
    expect(c2s.map((f) => [f.opcode, f.opcodeName, f.fin, f.text, f.payloadLength])).toEqual([
      [1, 'TEXT', false, 'Hel', 3],
      [0, 'CONTINUATION', true, 'lo', 2],
    ]);
    expect(c2s[1].offset).toBe(c2s[0].offset + c2s[0].headerLength + c2s[0].payloadLength);
    const c2sMessages = log.ofType('message', conn).filter((m) => m.dir === 'c2s');
    expect(c2sMessages).toHaveLength(1);
    expect(c2sMessages[0]).toMatchObject({ opcode: 1, frames: 2, text: 'Hello', length: 5, wireLength: 5, compressed: false });
    // ws echoes the assembled message in one frame
    expect(frames(conn, 's2c').map((f) => [f.opcode, f.fin, f.text])).toEqual([[1, true, 'Hello']]);
  });

  test('a client ping is answered by the server pong with a measured rtt', async () => {
    const { ws: client, conn } = await openEcho();
    const pong = new Promise<Buffer>((r) => client.once('pong', (d) => r(d)));
    client.ping('are you there');
    expect((await pong).toString()).toBe('are you there');
    const pongEvent = await log.waitForType('pong', (e) => e.conn === conn);
    const ping = log.ofType('ping', conn)[0];
    expect(ping).toMatchObject({ dir: 'c2s', payloadHex: Buffer.from('are you there').toString('hex') });
    expect(pongEvent).toMatchObject({ dir: 's2c', payloadHex: ping.payloadHex });
    expect(typeof pongEvent.rtt).toBe('number');
    expect(pongEvent.rtt!).toBeGreaterThanOrEqual(0);
    expect(pongEvent.seq).toBeGreaterThan(ping.seq);
    const ctl = frames(conn).map((f) => [f.dir, f.opcodeName, f.text]);
    expect(ctl).toEqual([
      ['c2s', 'PING', 'are you there'],
      ['s2c', 'PONG', 'are you there'],
    ]);
  });

  test('a client close 1000 "bye": close frames both ways, close event by the client, clean, states 0→1→2→3', async () => {
    const { ws: client, conn } = await openEcho();
    const done = closed(client);
    client.close(1000, 'bye');
    expect(await done).toEqual({ code: 1000, reason: 'bye' });
    const close = await log.waitForType('close', (e) => e.conn === conn);
    expect(close).toMatchObject({ code: 1000, reason: 'bye', initiator: 'client', clean: true });
    expect(close.durationMs).toBeGreaterThan(0);
    const hs = log.ofType('handshake', conn)[0];
    const closeFrames = frames(conn).filter((f) => f.opcode === 8);
    expect(closeFrames.map((f) => [f.dir, f.closeCode, f.closeReason, f.masked])).toEqual([
      ['c2s', 1000, 'bye', true],
      ['s2c', 1000, 'bye', false],
    ]);
    // byte counts cover the heads and the frames exactly
    const bytes = (dir: 'c2s' | 's2c') => frames(conn, dir).reduce((n, f) => n + f.headerLength + f.payloadLength, 0);
    expect(close.bytesIn).toBe(Buffer.byteLength(hs.request.raw, 'latin1') + bytes('c2s'));
    expect(close.bytesOut).toBe(Buffer.byteLength(hs.response.raw, 'latin1') + bytes('s2c'));

    const states = log.ofType('state', conn);
    expect(states.every((s) => s.side === 'server')).toBe(true);
    expect(states.map((s) => [s.from, s.to])).toEqual([
      [null, 0],
      [0, 1],
      [1, 2],
      [2, 3],
    ]);
    expect(states[2].cause).toMatch(/client/);
    // nothing about this connection comes after its close event
    const after = log.forConn(conn).filter((e) => e.seq > close.seq);
    expect(after).toEqual([]);
  });

  test('the whole conversation arrives in wire order with strictly increasing seq and t', async () => {
    const { ws: client, conn } = await openEcho();
    await echoOnce(client, 'hello');
    await echoOnce(client, Buffer.from([1, 2, 3]));
    const done = closed(client);
    client.close(1000, 'bye');
    await done;
    await log.waitForType('close', (e) => e.conn === conn);
    const events = log.forConn(conn);
    const kinds = events
      .filter((e) => e.type !== 'buffer')
      .map((e) => (e.type === 'frame' ? `frame:${e.dir}:${e.opcodeName}` : e.type === 'message' ? `message:${e.dir}` : e.type === 'state' ? `state:${e.to}` : e.type));
    expect(kinds).toEqual([
      'conn.open',
      'state:0',
      'handshake',
      'state:1',
      'heartbeat',
      'frame:c2s:TEXT',
      'message:c2s',
      'frame:s2c:TEXT',
      'message:s2c',
      'frame:c2s:BINARY',
      'message:c2s',
      'frame:s2c:BINARY',
      'message:s2c',
      'frame:c2s:CLOSE',
      'state:2',
      'frame:s2c:CLOSE',
      'state:3',
      'close',
    ]);
    for (let i = 1; i < events.length; i++) {
      expect(events[i].seq).toBeGreaterThan(events[i - 1].seq);
      expect(events[i].t).toBeGreaterThanOrEqual(events[i - 1].t);
    }
  });
});

describe('frame header fields', () => {
  const fieldsOf = (e: WslabEvent) => (e.type === 'frame' ? e.fields : {});

  test('a 7-bit length: headerHex and field positions', async () => {
    const { ws: client, conn } = await openEcho();
    await echoOnce(client, 'x'.repeat(125));
    await log.waitForType('frame', (f) => f.conn === conn && f.dir === 's2c');
    const [c2s] = frames(conn, 'c2s');
    expect(c2s.headerHex).toBe('81fd37fa213d');
    expect(c2s.headerLength).toBe(6);
    expect(fieldsOf(c2s)).toEqual({
      fin: [0, 0, 1],
      rsv1: [0, 1, 1],
      rsv2: [0, 2, 1],
      rsv3: [0, 3, 1],
      opcode: [0, 4, 4],
      mask: [1, 0, 1],
      payloadLength7: [1, 1, 7],
      maskingKey: [2, 0, 32],
    });
    // the event previews the payload; payloadLength is always the full size
    expect(c2s.payloadLength).toBe(125);
    expect(c2s.truncated).toBe(125 > FRAME_PREVIEW_BYTES);
    expect(c2s.payloadHex).toBe('78'.repeat(Math.min(125, FRAME_PREVIEW_BYTES)));
    const [s2c] = frames(conn, 's2c');
    expect(s2c.headerHex).toBe('817d');
    expect(s2c.fields.maskingKey).toBeUndefined();
  });

  test('a 16-bit length (200 bytes): headerHex 81fe00c8 + key for c2s, 817e00c8 for s2c', async () => {
    const { ws: client, conn } = await openEcho();
    const echoed = await echoOnce(client, 'y'.repeat(200));
    expect(echoed.length).toBe(200);
    await log.waitForType('message', (m) => m.conn === conn && m.dir === 's2c');
    const [c2s] = frames(conn, 'c2s');
    expect(c2s.headerHex.startsWith('81fe00c8')).toBe(true);
    expect(c2s.headerHex).toBe('81fe00c837fa213d');
    expect(c2s).toMatchObject({ payloadLength: 200, headerLength: 8, truncated: 200 > FRAME_PREVIEW_BYTES, maskingKey: '37fa213d' });
    expect(c2s.payloadHex).toBe('79'.repeat(Math.min(200, FRAME_PREVIEW_BYTES)));
    expect(c2s.text).toBe('y'.repeat(Math.min(200, FRAME_PREVIEW_BYTES)));
    expect(fieldsOf(c2s)).toEqual({
      fin: [0, 0, 1],
      rsv1: [0, 1, 1],
      rsv2: [0, 2, 1],
      rsv3: [0, 3, 1],
      opcode: [0, 4, 4],
      mask: [1, 0, 1],
      payloadLength7: [1, 1, 7],
      payloadLength16: [2, 0, 16],
      maskingKey: [4, 0, 32],
    });
    const [s2c] = frames(conn, 's2c');
    expect(s2c.headerHex).toBe('817e00c8');
    expect(s2c.headerLength).toBe(4);
    expect(fieldsOf(s2c)).toEqual({
      fin: [0, 0, 1],
      rsv1: [0, 1, 1],
      rsv2: [0, 2, 1],
      rsv3: [0, 3, 1],
      opcode: [0, 4, 4],
      mask: [1, 0, 1],
      payloadLength7: [1, 1, 7],
      payloadLength16: [2, 0, 16],
    });
    const msg = log.ofType('message', conn).find((m) => m.dir === 'c2s')!;
    expect(msg).toMatchObject({ length: 200, wireLength: 200, truncated: 200 > MESSAGE_PREVIEW_BYTES, text: 'y'.repeat(Math.min(200, MESSAGE_PREVIEW_BYTES)) });
  });

  test('a 64-bit length (65,536 bytes): headerHex 81ff + 8 length bytes', async () => {
    const { ws: client, conn } = await openEcho();
    // 65,536 bytes is the default maxPayload: still allowed (the limit is inclusive)
    const echoed = await echoOnce(client, 'z'.repeat(65_536));
    expect(echoed.length).toBe(65_536);
    await log.waitForType('message', (m) => m.conn === conn && m.dir === 's2c');
    const [c2s] = frames(conn, 'c2s');
    expect(c2s.headerHex).toBe('81ff000000000001000037fa213d');
    expect(c2s.fields.payloadLength64).toEqual([2, 0, 64]);
    expect(c2s.fields.maskingKey).toEqual([10, 0, 32]);
    const msg = log.ofType('message', conn).find((m) => m.dir === 'c2s')!;
    expect(msg).toMatchObject({ length: 65_536, truncated: true });
    expect(msg.text).toBe('z'.repeat(MESSAGE_PREVIEW_BYTES));
    expect(msg.previewHex).toBe('7a'.repeat(MESSAGE_PREVIEW_BYTES));
  });
});
