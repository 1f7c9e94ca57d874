// Message size limits: a message over maxPayload (64 KiB by default) closes the connection with
// 1009, and the event stream says who closed it and why.
import { afterAll, afterEach, expect, test } from 'vitest';
import type WebSocket from 'ws';
import { closed, collect, openClient, shut, startTestServer, type EventLog, type TestServer } from '../helpers/server.ts';

let t: TestServer | undefined;
let log: (EventLog & { stop(): void }) | undefined;
let ws: WebSocket | undefined;

afterEach(async () => {
  await shut(ws, true);
  ws = undefined;
  log?.stop();
  expect(log?.invalid ?? []).toEqual([]);
  await t?.close();
  t = undefined;
});
afterAll(async () => {
  await t?.close();
});

async function open(path: string, opts = {}): Promise<{ client: WebSocket; conn: string; log: EventLog }> {
  const l = collect(t!);
  log = l;
  const client = await openClient(t!.wsUrl(path), opts);
  ws = client;
  const local = (client as unknown as { _socket: { localPort: number } })._socket.localPort;
  const o = await l.waitForType('conn.open', (e) => e.remote.port === local);
  return { client, conn: o.conn, log: l };
}

test('a 70,000-byte message over the default 64 KiB limit is closed with 1009 by the server', async () => {
  t = await startTestServer();
  const { client, conn, log: l } = await open('/lab/echo');
  const done = closed(client);
  client.send('a'.repeat(70_000));
  const { code } = await done;
  expect(code).toBe(1009);

  const close = await l.waitForType('close', (e) => e.conn === conn, 5000);
  expect(close).toMatchObject({ code: 1009, initiator: 'server' });

  // the tap saw the oversized header and says which limit it broke
  const errors = l.ofType('error', conn);
  const wireError = errors.find((e) => e.violation?.closeCode === 1009);
  expect(wireError).toBeDefined();
  expect(wireError).toMatchObject({ dir: 'c2s', source: 'wire' });
  const hs = l.ofType('handshake', conn)[0];
  // the violation points at the oversized frame's 64-bit length field (byte 2 of the frame),
  // counted from the start of the client's stream (the request head is bytes 0..head-1)
  expect(wireError!.violation!.offset).toBe(Buffer.byteLength(hs.request.raw, 'latin1') + 2);

  const serverClose = l.ofType('frame', conn).find((f) => f.dir === 's2c' && f.opcode === 8);
  expect(serverClose).toMatchObject({ closeCode: 1009, masked: false });
  // no message event for a message the server refused
  expect(l.ofType('message', conn).filter((m) => m.dir === 'c2s')).toEqual([]);
  const states = l.ofType('state', conn).map((s) => s.to);
  expect(states).toEqual([0, 1, 2, 3]);
});

test('a message of exactly maxPayload bytes is accepted; one byte more is refused (custom maxPayload)', async () => {
  t = await startTestServer({ maxPayload: 1000 });
  const a = await open('/lab/echo');
  const echoed = new Promise<Buffer>((r) => a.client.once('message', (d) => r(d as Buffer)));
  a.client.send('b'.repeat(1000));
  expect((await echoed).length).toBe(1000);
  const done = closed(a.client);
  a.client.send('b'.repeat(1001));
  expect((await done).code).toBe(1009);
  const close = await a.log.waitForType('close', (e) => e.conn === a.conn);
  expect(close).toMatchObject({ code: 1009, initiator: 'server' });
  expect(a.log.ofType('error', a.conn).some((e) => e.violation?.closeCode === 1009)).toBe(true);
});
