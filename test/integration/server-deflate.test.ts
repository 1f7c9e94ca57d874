// permessage-deflate on /lab/echo: RSV1 frames on the wire, inflated by the tap so the events show
// what the application sent, and (?deflate=takeover) the context window shrinking a repeated
// message. ?deflate=1 negotiates no context takeover and 1 KiB windows: a few KiB a connection.
import { afterEach, expect, test } from 'vitest';
import type WebSocket from 'ws';
import { MESSAGE_PREVIEW_BYTES } from '../../server/connection/tap/direction.ts';
import { collect, openClient, rawUpgrade, shut, upgradeRequest, type EventLog, type TestServer, useLabServer } from '../helpers/server.ts';

let t: TestServer;
let log: (EventLog & { stop(): void }) | undefined;
let ws: WebSocket | undefined;

useLabServer((server) => (t = server));
afterEach(async () => {
  await shut(ws, true);
  ws = undefined;
  log?.stop();
  expect(log?.invalid ?? []).toEqual([]);
});

/** Text that compresses, but not to nothing: ws only compresses messages of 1024 bytes or more. */
function longText(): string {
  const words = ['hello', 'frame', 'mask', 'opcode', 'deflate', 'window', 'socket', 'upgrade', 'pong', 'close'];
  let out = 'hello';
  let x = 7;
  while (out.length < 3000) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    out += ' ' + words[x % words.length] + (x % 97);
  }
  return out;
}

async function openDeflate(path = '/lab/echo?deflate=takeover'): Promise<{ client: WebSocket; conn: string; log: EventLog }> {
  const l = collect(t);
  log = l;
  const client = await openClient(t.wsUrl(path), { perMessageDeflate: true });
  ws = client;
  const local = (client as unknown as { _socket: { localPort: number } })._socket.localPort;
  const open = await l.waitForType('conn.open', (e) => e.remote.port === local);
  return { client, conn: open.conn, log: l };
}

function echoOnce(client: WebSocket, data: string): Promise<string> {
  return new Promise((resolve) => {
    client.once('message', (d) => resolve(d.toString()));
    client.send(data);
  });
}

test('the negotiated extension is reported in conn.open and the handshake', async () => {
  const { client, conn, log: l } = await openDeflate();
  expect(client.extensions).toMatch(/^permessage-deflate/);
  const open = l.ofType('conn.open', conn)[0];
  expect(open.extensions).toMatch(/^permessage-deflate/);
  const hs = await l.waitForType('handshake', (e) => e.conn === conn);
  const offered = hs.request.headers.find(([k]) => k.toLowerCase() === 'sec-websocket-extensions')?.[1];
  expect(offered).toMatch(/permessage-deflate/);
  expect(hs.response.headers.find(([k]) => k.toLowerCase() === 'sec-websocket-extensions')?.[1]).toBe(open.extensions);
});

test('?deflate=1 negotiates no context takeover both ways and 1 KiB windows, and the server skips compressing a 5-byte echo', async () => {
  const { client, conn, log: l } = await openDeflate('/lab/echo?deflate=1');
  const hs = await l.waitForType('handshake', (e) => e.conn === conn);
  expect(hs.response.headers.find(([k]) => k.toLowerCase() === 'sec-websocket-extensions')?.[1]).toBe(
    'permessage-deflate; client_max_window_bits=10; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10',
  );
  expect(await echoOnce(client, 'hello')).toBe('hello');
  const s2c = await l.waitForType('frame', (f) => f.conn === conn && f.dir === 's2c');
  // without takeover ws applies its 1024-byte threshold: the short echo goes out uncompressed
  expect(s2c).toMatchObject({ rsv1: false, text: 'hello', payloadLength: 5 });
  const text = longText();
  expect(await echoOnce(client, text)).toBe(text);
  const big = await l.waitForType('frame', (f) => f.conn === conn && f.dir === 's2c' && f.rsv1);
  expect(big.payloadLength).toBeLessThan(Buffer.byteLength(text));
  expect(text.startsWith(big.inflated!)).toBe(true);
});

test('the server charges each deflate connection to the memory budget and gives it back on close', async () => {
  await expect.poll(() => t.server.budget.snapshot().byKind['deflate contexts'] ?? 0).toBe(0); // the last test's socket is gone
  const before = 0;
  const { client } = await openDeflate('/lab/echo?deflate=1');
  expect(t.server.budget.snapshot().byKind['deflate contexts']).toBe(before + 24 * 1024);
  const closed = new Promise((r) => client.once('close', r));
  client.close();
  await closed;
  await expect.poll(() => t.server.budget.snapshot().byKind['deflate contexts'] ?? 0).toBe(before);
});

test('a compressed text message: RSV1 on the wire, inflated text in the frame and message events', async () => {
  const { client, conn, log: l } = await openDeflate();
  const text = longText();
  expect(await echoOnce(client, text)).toBe(text);
  await l.waitForType('message', (m) => m.conn === conn && m.dir === 's2c');

  for (const dir of ['c2s', 's2c'] as const) {
    const frames = l.ofType('frame', conn).filter((f) => f.dir === dir);
    expect(frames).toHaveLength(1);
    const f = frames[0];
    expect(f.rsv1).toBe(true);
    expect(f.opcode).toBe(1);
    expect(f.fin).toBe(true);
    expect(f.masked).toBe(dir === 'c2s');
    expect(f.payloadLength).toBeLessThan(Buffer.byteLength(text));
    // the payload on the wire is deflate data, not text; the tap shows the inflated text
    expect(f.text).toBeNull();
    expect(f.inflated).not.toBeNull();
    expect(f.inflated!.startsWith('hello ')).toBe(true);
    expect(text.startsWith(f.inflated!)).toBe(true);
    expect(f.inflated!.length).toBe(MESSAGE_PREVIEW_BYTES);

    const m = l.ofType('message', conn).find((e) => e.dir === dir)!;
    expect(m).toMatchObject({
      opcode: 1,
      compressed: true,
      frames: 1,
      length: Buffer.byteLength(text),
      wireLength: f.payloadLength,
      truncated: true,
    });
    expect(m.text).toBe(text.slice(0, MESSAGE_PREVIEW_BYTES));
    expect(m.previewHex).toBe(Buffer.from(text.slice(0, MESSAGE_PREVIEW_BYTES)).toString('hex'));
  }
});

test('the same text twice is smaller on the wire the second time (context takeover) and still inflates', async () => {
  const { client, conn, log: l } = await openDeflate();
  const text = longText();
  expect(await echoOnce(client, text)).toBe(text);
  expect(await echoOnce(client, text)).toBe(text);
  await l.waitForCount((e) => e.type === 'message' && e.conn === conn, 4, 5000, 'messages');

  for (const dir of ['c2s', 's2c'] as const) {
    const [first, second] = l.ofType('frame', conn).filter((f) => f.dir === dir);
    expect(first.rsv1 && second.rsv1).toBe(true);
    expect(second.payloadLength).toBeLessThan(first.payloadLength);
    // the second message is mostly a back-reference into the first one's window
    expect(second.payloadLength).toBeLessThan(first.payloadLength / 4);
    expect(second.inflated).toBe(first.inflated);
    const [m1, m2] = l.ofType('message', conn).filter((m) => m.dir === dir);
    expect(m1.length).toBe(Buffer.byteLength(text));
    expect(m2.length).toBe(Buffer.byteLength(text));
    expect(m2.wireLength).toBe(second.payloadLength);
    expect(m2.text).toBe(m1.text);
  }
  expect(l.ofType('error', conn)).toEqual([]);
});

test('a short "hello" is compressed too: RSV1, inflated "hello", length 5 and wireLength the deflated size', async () => {
  // ws applies its 1024-byte compression threshold only when context takeover is off, so with the
  // defaults even five bytes are deflated (and come out larger than they went in).
  const { client, conn, log: l } = await openDeflate();
  expect(await echoOnce(client, 'hello')).toBe('hello');
  await l.waitForType('message', (m) => m.conn === conn && m.dir === 's2c');
  const frames = l.ofType('frame', conn);
  expect(frames.map((f) => f.dir)).toEqual(['c2s', 's2c']);
  for (const f of frames) {
    expect(f).toMatchObject({ opcode: 1, fin: true, rsv1: true, text: null, inflated: 'hello' });
    const m = l.ofType('message', conn).find((e) => e.dir === f.dir)!;
    expect(m).toMatchObject({ compressed: true, length: 5, wireLength: f.payloadLength, text: 'hello', frames: 1, truncated: false });
    expect(m.previewHex).toBe('68656c6c6f');
  }
  // "hello" deflated with a fresh window, the 00 00 ff ff tail removed (RFC 7692 §7.2.3.1 shows
  // the same bytes for "Hello" but with f2 first)
  expect(frames[0].payloadHex).toBe('ca48cdc9c90700');
  expect(frames[0].payloadLength).toBe(7);
});

test('a compressed message that inflates past maxPayload is refused with 1009, and the tap does not inflate it either', async () => {
  const { client, conn, log: l } = await openDeflate();
  const done = new Promise<number>((r) => client.once('close', (code) => r(code)));
  // 200 KB of one letter deflates to a few hundred bytes: small on the wire, too big inflated
  client.send('a'.repeat(200_000));
  expect(await done).toBe(1009);
  const close = await l.waitForType('close', (e) => e.conn === conn);
  expect(close).toMatchObject({ code: 1009, initiator: 'server' });
  const f = l.ofType('frame', conn).find((e) => e.dir === 'c2s' && e.opcode === 1)!;
  expect(f.rsv1).toBe(true);
  expect(f.payloadLength).toBeLessThan(65_536);
  expect(f.inflated).toBeNull();
  const err = l.ofType('error', conn).find((e) => e.dir === 'c2s');
  expect(err?.message).toMatch(/inflate/i);
  expect(l.ofType('message', conn).filter((m) => m.dir === 'c2s')).toEqual([]);
});

test('?deflate=1 declines an offer of server_max_window_bits=9 (RFC 7692 §5): 101 without the extension, plain echoes, the handshake event says why', async () => {
  const l = collect(t);
  log = l;
  const offer = 'permessage-deflate; client_no_context_takeover; client_max_window_bits; server_max_window_bits=9';
  const r = await rawUpgrade(t.port, upgradeRequest(t.port, '/lab/echo?deflate=1', [`Sec-WebSocket-Extensions: ${offer}`]));
  try {
    expect(r.status).toBe(101);
    expect(r.head).not.toMatch(/sec-websocket-extensions/i);
    const hs = await l.waitForType('handshake', (e) => e.request.target === '/lab/echo?deflate=1');
    // the views still show the offer as it came, and why the server went on without it
    expect(hs.request.headers.find(([k]) => k.toLowerCase() === 'sec-websocket-extensions')?.[1]).toBe(offer);
    expect(hs.response.status).toBe(101);
    expect(hs.extensionDeclined).toBe(
      "The server declined permessage-deflate and opened the connection without it (RFC 7692 §5): none of the client's offers fits the lab's settings (server_max_window_bits=10 and client_max_window_bits=10, no context takeover; an offer's server_max_window_bits below the lab's window, for one, cannot be granted).",
    );
    const open = l.ofType('conn.open', hs.conn)[0];
    expect(open.extensions).toBe(null);
    // a masked text frame "hi": echoed uncompressed (RSV1 clear)
    const mask = [1, 2, 3, 4];
    const payload = Buffer.from('hi').map((b, i) => b ^ mask[i % 4]);
    const echoed = new Promise<Buffer>((resolve) => {
      let got = Buffer.alloc(0);
      r.socket.on('data', (c: Buffer) => {
        got = Buffer.concat([got, c]);
        if (got.length >= 4) resolve(got);
      });
    });
    r.socket.write(Buffer.concat([Buffer.from([0x81, 0x82, ...mask]), payload]));
    expect([...(await echoed)]).toEqual([0x81, 0x02, 0x68, 0x69]);
    // nothing was charged for a deflate context the connection does not have
    expect(t.server.budget.snapshot().byKind['deflate contexts'] ?? 0).toBe(0);
  } finally {
    r.socket.destroy();
  }
});

test('?deflate=1 still refuses a header that does not parse with 400, as ws does', async () => {
  const r = await rawUpgrade(t.port, upgradeRequest(t.port, '/lab/echo?deflate=1', ['Sec-WebSocket-Extensions: permessage-deflate;;']));
  r.socket.destroy();
  expect(r.status).toBe(400);
});
