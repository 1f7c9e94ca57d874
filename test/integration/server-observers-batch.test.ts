// ?batch=1: the events of one event-loop turn arrive as one text message of newline-separated
// JSON, in order, nothing lost, nothing duplicated. ?format=bin (what the web app asks for): the
// same events as one binary message of items per turn, which render to the very same JSON.
import { expect, test } from 'vitest';
import WebSocket from 'ws';
import { startWslab, type WslabServer } from '../../server/app.ts';
import { parseEvent, type WslabEvent } from '../../server/core/events/schema.ts';
import { renderBatch } from '../../server/core/events/records.ts';
import { rawUpgrade, upgradeRequest, useLabServer } from '../helpers/server.ts';
import { COALESCE_MS } from '../../server/stream/observe.ts';

let server: WslabServer;
useLabServer((t) => (server = t.server), { heartbeat: { intervalMs: 0 } });

test('a batch observer gets every event once, in seq order, several per message', async () => {
  const observer = await batchObserver(server.url, '');
  const first = server.bus.headSeq;
  const client = await echoClient(server.url);
  await echo(client, 50, (i) => `m${i}`);
  client.close(1000);
  await new Promise((r) => client.once('close', r));
  const last = () => server.bus.headSeq - 1;
  await waitFor(() => observer.events().at(-1)?.seq === last());

  const got = observer.events();
  expect(got.map((e) => e.seq)).toEqual(Array.from({ length: last() - first + 1 }, (_, i) => first + i));
  for (const e of got) expect(parseEvent(e).ok).toBe(true);
  // 50 echoes make 200 frame and message events; batching put them in far fewer messages
  expect(got.filter((e) => e.type === 'frame' && e.opcode === 1)).toHaveLength(100);
  expect(observer.messages.length).toBeLessThan(got.length);
  expect(observer.messages.some((m) => m.includes('\n'))).toBe(true);
  observer.ws.close();
});

test('a busy stream is sent at most once per COALESCE_MS: 300 echoes in turn arrive in few messages, every event once', async () => {
  const observer = await batchObserver(server.url, '', true);
  const client = await echoClient(server.url);
  const first = server.bus.headSeq;
  const started = performance.now();
  // one echo at a time: each round trip is a turn (or more) of the event loop, each turn publishes
  for (let i = 0; i < 300; i++) await echo(client, 1, () => `m${i}`);
  const last = server.bus.headSeq - 1;
  await waitFor(() => observer.events().at(-1)?.seq === last);
  const elapsed = performance.now() - started;
  const got = observer.events().filter((e) => e.seq >= first);
  expect(got.map((e) => e.seq)).toEqual(Array.from({ length: last - first + 1 }, (_, i) => first + i));
  expect(got.filter((e) => e.type === 'message')).toHaveLength(600);
  // the first batch leaves at once, each later one at least COALESCE_MS after the one before
  expect(observer.messages.length).toBeLessThanOrEqual(Math.floor(elapsed / COALESCE_MS) + 2);
  client.close(1000);
  observer.ws.close();
});

async function echoClient(base: string): Promise<WebSocket> {
  const client = new WebSocket(`${base.replace('http', 'ws')}/lab/echo`);
  await new Promise((r) => client.once('open', r));
  return client;
}

/** Sends n messages and resolves when all n came back. */
function echo(client: WebSocket, n: number, message: (i: number) => string): Promise<void> {
  let echoed = 0;
  return new Promise<void>((done) => {
    const onMessage = () => {
      if (++echoed < n) return;
      client.off('message', onMessage);
      done();
    };
    client.on('message', onMessage);
    for (let i = 0; i < n; i++) client.send(message(i));
  });
}

/**
 * Opens a batch observer (`?batch=1`, or `?format=bin` with `bin`) and collects its events, line by
 * line; binary messages are rendered to JSON lines with records.renderBatch as the web app does.
 */
async function batchObserver(
  base: string,
  query: string,
  bin = false,
): Promise<{ events: () => WslabEvent[]; lines: () => string[]; messages: string[]; sizes: number[]; ws: WebSocket }> {
  const ws = new WebSocket(`${base.replace('http', 'ws')}/__wslab/events?${bin ? 'format=bin' : 'batch=1'}${query}`);
  const messages: string[] = [];
  const sizes: number[] = [];
  ws.on('message', (d: Buffer, isBinary) => {
    expect(isBinary).toBe(bin);
    sizes.push(d.length);
    messages.push(bin ? renderBatch(new Uint8Array(d.buffer, d.byteOffset, d.length)) : d.toString());
  });
  await new Promise((r) => ws.once('open', r));
  const lines = () => messages.flatMap((m) => m.split('\n'));
  return { ws, messages, sizes, lines, events: () => lines().map((l) => JSON.parse(l) as WslabEvent) };
}

async function waitFor(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

test('since=1 after the history moved on: one gap line, then the history, split into messages of at most 256 KiB', async () => {
  const small = await startWslab({ port: 0, host: '127.0.0.1', heartbeat: { intervalMs: 0 }, historySize: 2000 });
  try {
    // 750 echoes are 3,000 events (~1.6 MB of JSON): more than the history keeps, more than one batch
    const client = await echoClient(small.url);
    await echo(client, 750, (i) => `${i}:`.padEnd(60, 'x'));
    const head = small.bus.headSeq;
    const o = await batchObserver(small.url, '&since=1');
    await waitFor(() => o.events().at(-1)?.seq === head - 1);
    const got = o.events();
    expect(got[0]).toMatchObject({ type: 'gap', fromSeq: 1, toSeq: small.bus.oldestSeq - 1, dropped: small.bus.oldestSeq - 1, reason: 'history-evicted' });
    expect(got.slice(1).map((e) => e.seq)).toEqual(Array.from({ length: head - small.bus.oldestSeq }, (_, i) => small.bus.oldestSeq + i));
    for (const m of o.messages) expect(Buffer.byteLength(m)).toBeLessThanOrEqual(256 * 1024);
    expect(o.messages.length).toBeGreaterThan(1);
    o.ws.close();
    client.close();
  } finally {
    await small.close();
  }
});

test('a batch observer with a filter gets only the matching events, in order, newline-separated', async () => {
  const o = await batchObserver(server.url, '&types=message');
  const first = server.bus.headSeq;
  const client = await echoClient(server.url);
  await echo(client, 20, (i) => `f${i}`);
  await waitFor(() => o.events().length === 40);
  const got = o.events();
  expect(got.map((e) => e.type)).toEqual(Array(40).fill('message'));
  expect(got.every((e, i) => i === 0 || e.seq > got[i - 1].seq)).toBe(true);
  expect(got[0].seq).toBeGreaterThanOrEqual(first);
  expect(got.filter((e) => e.type === 'message' && e.dir === 'c2s').map((e) => (e as Extract<WslabEvent, { type: 'message' }>).text)).toEqual(
    Array.from({ length: 20 }, (_, i) => `f${i}`),
  );
  o.ws.close();
  client.close();
});

test('a format=bin observer renders to exactly the JSON a batch=1 observer gets: text, binary, fragments, ping, close', async () => {
  const json = await batchObserver(server.url, '');
  const bin = await batchObserver(server.url, '', true);
  const first = server.bus.headSeq;
  const client = await echoClient(server.url);
  await echo(client, 10, (i) => `é${i} "q"\n`);
  client.send(Buffer.from([0, 1, 2, 255]), { binary: true });
  client.send('frag', { fin: false });
  client.send('ment', { fin: true });
  client.ping('p');
  await new Promise((r) => client.once('pong', r));
  client.close(4000, 'bye');
  await new Promise((r) => client.once('close', r));
  const last = server.bus.headSeq - 1;
  await waitFor(() => json.events().at(-1)?.seq === last && bin.events().at(-1)?.seq === last);

  const jsonLines = json.lines().filter((l) => (JSON.parse(l) as WslabEvent).seq >= first);
  const binLines = bin.lines().filter((l) => (JSON.parse(l) as WslabEvent).seq >= first);
  expect(binLines).toEqual(jsonLines);
  const events = bin.events().filter((e) => e.seq >= first);
  expect(events.map((e) => e.seq)).toEqual(Array.from({ length: last - first + 1 }, (_, i) => first + i));
  for (const e of events) expect(parseEvent(e).ok).toBe(true);
  const frames = events.filter((e): e is Extract<WslabEvent, { type: 'frame' }> => e.type === 'frame' && e.dir === 'c2s');
  expect(frames.map((f) => f.opcodeName)).toEqual([...Array(10).fill('TEXT'), 'BINARY', 'TEXT', 'CONTINUATION', 'PING', 'CLOSE']);
  expect(frames.at(-1)).toMatchObject({ closeCode: 4000, closeReason: 'bye', masked: true });
  expect(frames[0]).toMatchObject({ text: 'é0 "q"\n', payloadLength: 8, masked: true }); // é is 2 bytes
  // the records are smaller than the JSON they stand for
  const binBytes = bin.sizes.reduce((a, b) => a + b, 0);
  const jsonBytes = json.messages.reduce((a, m) => a + Buffer.byteLength(m), 0);
  expect(binBytes).toBeLessThan(jsonBytes / 2);
  json.ws.close();
  bin.ws.close();
});

test('format=bin with since=1 after the history moved on: a gap item first, then every held event once', async () => {
  const small = await startWslab({ port: 0, host: '127.0.0.1', heartbeat: { intervalMs: 0 }, historySize: 2000 });
  try {
    const client = await echoClient(small.url);
    await echo(client, 750, (i) => `${i}:`.padEnd(60, 'x'));
    const head = small.bus.headSeq;
    const o = await batchObserver(small.url, '&since=1', true);
    await waitFor(() => o.events().at(-1)?.seq === head - 1);
    const got = o.events();
    expect(got[0]).toMatchObject({ type: 'gap', fromSeq: 1, toSeq: small.bus.oldestSeq - 1, dropped: small.bus.oldestSeq - 1, reason: 'history-evicted' });
    expect(got.slice(1).map((e) => e.seq)).toEqual(Array.from({ length: head - small.bus.oldestSeq }, (_, i) => small.bus.oldestSeq + i));
    for (const size of o.sizes) expect(size).toBeLessThanOrEqual(256 * 1024);
    o.ws.close();
    client.close();
  } finally {
    await small.close();
  }
});

test('an unknown format is refused with 400 and says which formats exist', async () => {
  const res = await rawUpgrade(server.port, upgradeRequest(server.port, '/__wslab/events?format=xml'));
  expect(res.status).toBe(400);
  expect(res.body).toBe('Unknown event stream format "xml": use format=json (the default) or format=bin.\n');
});

test('a format=bin observer with filters gets only the matching events, rendered as a batch=1 observer with the same filters gets them', async () => {
  const client = await echoClient(server.url);
  const conn = await new Promise<string>((resolve) => {
    const poll = () => {
      const e = server.bus.history(server.bus.oldestSeq, { types: new Set(['conn.open']) }).entries.at(-1);
      if (e) resolve((e.event as Extract<WslabEvent, { type: 'conn.open' }>).conn);
      else setTimeout(poll, 10);
    };
    poll();
  });
  const query = `&types=message,close&conn=${conn}`;
  const bin = await batchObserver(server.url, query, true);
  const json = await batchObserver(server.url, query);
  await echo(client, 15, (i) => `only ${i}`);
  client.close(1000, 'done');
  await waitFor(() => bin.events().some((e) => e.type === 'close') && json.events().some((e) => e.type === 'close'));
  expect(bin.lines()).toEqual(json.lines());
  const got = bin.events();
  expect(got.filter((e) => e.type === 'message')).toHaveLength(30);
  expect(new Set(got.map((e) => e.type))).toEqual(new Set(['message', 'close']));
  expect(got.every((e) => 'conn' in e && e.conn === conn)).toBe(true);
  bin.ws.close();
  json.ws.close();
});
