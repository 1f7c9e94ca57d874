// Intercept mode of `wslab proxy`, against a real upstream (the `ws` library's echo server) and
// real ws clients: rules drop, replace (text and hex), delay (order kept) and hold messages; held
// messages are edited, forwarded or dropped; messages are injected both ways; both legs' frames are
// on the event stream; a pattern RE2 cannot run is refused; and with no rule the relay is byte for byte as before.
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { closed, collect, shut, startTestServer, type Collector, type TestServer, type WslabEvent } from '../helpers/server.ts';
import { splitHead, wsUpstream, type Upstream } from '../helpers/upstreams.ts';
import { MATCH_WINDOW_BYTES, MAX_HELD, MAX_HELD_BYTES, type InterceptListing } from '../../server/core/api/intercept.ts';
import { MAX_LIVE_STREAMS } from '../../server/proxy/intercept-api.ts';

interface Rig {
  up: Upstream;
  t: TestServer;
  log: Collector;
  clients: WebSocket[];
}

let r: Rig | undefined;

async function rig(): Promise<Rig> {
  const up = await wsUpstream();
  const t = await startTestServer({ heartbeat: { intervalMs: 0 }, proxy: { target: `ws://127.0.0.1:${up.port}/up` } });
  r = { up, t, log: collect(t), clients: [] };
  return r;
}

afterEach(async () => {
  if (!r) return;
  for (const ws of r.clients) await shut(ws, true);
  r.log.stop();
  await r.t.close();
  await r.up.close();
  r = undefined;
});

async function api(rig: Rig, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${rig.t.httpUrl}${path}`, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
}

/** A client through the proxy, every message it receives kept in order ("bin:HEX" for binary). */
async function client(rig: Rig, path = '/chat?room=7', protocols?: string[]): Promise<{ ws: WebSocket; got: string[]; next: (n: number) => Promise<string[]> }> {
  const ws = new WebSocket(rig.t.wsUrl(path), protocols, { perMessageDeflate: false });
  rig.clients.push(ws);
  ws.on('error', () => {});
  const got: string[] = [];
  const waiters: Array<() => void> = [];
  ws.on('message', (d, isBinary) => {
    got.push(isBinary ? `bin:${Buffer.from(d as Buffer).toString('hex')}` : d.toString());
    for (const w of waiters.splice(0)) w();
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_q, res) => reject(new Error(`unexpected ${res.statusCode}`)));
  });
  const next = async (n: number) => {
    const deadline = Date.now() + 5000;
    while (got.length < n) {
      if (Date.now() > deadline) throw new Error(`expected ${n} messages, got ${JSON.stringify(got)}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
    return got.slice(0, n);
  };
  return { ws, got, next };
}

type Open = Extract<WslabEvent, { type: 'conn.open' }>;

/** The two legs' conn.open events of the last intercepted connection. */
async function legs(rig: Rig): Promise<{ client: Open; upstream: Open }> {
  const c = (await rig.log.waitFor((e) => e.type === 'conn.open' && e.proxy?.leg === 'client')) as Open;
  const u = (await rig.log.waitFor((e) => e.type === 'conn.open' && e.conn === c.proxy!.peer)) as Open;
  return { client: c, upstream: u };
}

function messages(rig: Rig, conn: string, dir: 'c2s' | 's2c'): Array<string | null> {
  return rig.log.events.filter((e) => e.type === 'message' && e.conn === conn && e.dir === dir).map((e) => (e as Extract<WslabEvent, { type: 'message' }>).text);
}

describe('wslab proxy intercept rules', () => {
  it('drops matching client messages: the upstream never sees them, the others pass in order', async () => {
    const rg = await rig();
    const add = await api(rg, 'POST', '/__wslab/intercept', { dir: 'c2s', match: '^secret', action: 'drop' });
    expect(add.status).toBe(201);
    expect(add.json.id).toBe('r1');
    const c = await client(rg);
    c.ws.send('one');
    c.ws.send('secret two');
    c.ws.send('three');
    expect(await c.next(2)).toEqual(['one', 'three']);
    const { client: cl, upstream: up } = await legs(rg);
    // the client leg carried all three; the upstream leg only two
    await rg.log.waitFor((e) => e.type === 'message' && e.conn === up.conn && e.dir === 's2c' && e.text === 'three');
    expect(messages(rg, cl.conn, 'c2s')).toEqual(['one', 'secret two', 'three']);
    expect(messages(rg, up.conn, 'c2s')).toEqual(['one', 'three']);
    const list = await api(rg, 'GET', '/__wslab/intercept');
    expect(list.json.rules).toEqual([{ id: 'r1', dir: 'c2s', match: '^secret', action: 'drop', hits: 1 }]);
    expect(list.json.connections).toEqual([{ client: cl.conn, upstream: up.conn }]);
  });

  it('replaces text (every match, $1 kept) and binary by hex', async () => {
    const rg = await rig();
    await api(rg, 'POST', '/__wslab/intercept', { dir: 's2c', match: 'cat(\\d)', action: 'replace', with: 'dog$1', opcode: 1 });
    await api(rg, 'POST', '/__wslab/intercept', { dir: 'c2s', match: '^0102', action: 'replace', with: 'ff 00 ee', hex: true });
    const c = await client(rg);
    c.ws.send('cat1 and cat2');
    c.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    c.ws.send(Buffer.from([9]), { binary: true });
    expect(await c.next(3)).toEqual(['dog1 and dog2', 'bin:ff00ee', 'bin:09']);
  });

  it('delays matching messages and keeps the order of the ones behind them', async () => {
    const rg = await rig();
    await api(rg, 'POST', '/__wslab/intercept', { dir: 'c2s', match: 'slow', action: 'delay', ms: 300 });
    const c = await client(rg);
    const t0 = Date.now();
    c.ws.send('slow first');
    c.ws.send('fast second');
    expect(await c.next(2)).toEqual(['slow first', 'fast second']);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
  });

  it('holds a message until it is edited and forwarded, or dropped; later messages wait behind it', async () => {
    const rg = await rig();
    await api(rg, 'POST', '/__wslab/intercept', { dir: 'c2s', match: 'hold', action: 'hold' });
    const c = await client(rg);
    c.ws.send('hold me');
    c.ws.send('after');
    const held = await until(async () => (await api(rg, 'GET', '/__wslab/intercept/held')).json.held, (h) => h.length === 1);
    const { client: cl } = await legs(rg);
    expect(held[0]).toMatchObject({ id: 'h1', conn: cl.conn, dir: 'c2s', rule: 'r1', binary: false, size: 7, text: 'hold me', hex: Buffer.from('hold me').toString('hex') });
    expect(c.got).toEqual([]);
    expect((await api(rg, 'POST', '/__wslab/intercept/held/h1', { action: 'forward', with: 'edited' })).json).toEqual({ id: 'h1', action: 'forward' });
    expect(await c.next(2)).toEqual(['edited', 'after']);
    c.ws.send('hold this too');
    c.ws.send('last');
    await until(async () => (await api(rg, 'GET', '/__wslab/intercept/held')).json.held, (h) => h.length === 1);
    expect((await api(rg, 'POST', '/__wslab/intercept/held/h2', { action: 'drop' })).status).toBe(200);
    expect(await c.next(3)).toEqual(['edited', 'after', 'last']);
    const again = await api(rg, 'POST', '/__wslab/intercept/held/h2', { action: 'drop' });
    expect(again.status).toBe(404);
    expect(again.json.error).toMatch(/No held message h2/);
  });

  it('injects a message in either direction on an intercepted connection', async () => {
    const rg = await rig();
    await api(rg, 'POST', '/__wslab/intercept', { dir: 'c2s', match: 'never-matches-anything', action: 'drop' });
    const c = await client(rg);
    const { client: cl, upstream: up } = await legs(rg);
    // s2c: straight to the client; c2s: to the upstream, which echoes it back
    expect((await api(rg, 'POST', '/__wslab/intercept/inject', { conn: cl.conn, dir: 's2c', text: 'from wslab' })).json).toEqual({ conn: cl.conn, dir: 's2c', bytes: 10 });
    expect(await c.next(1)).toEqual(['from wslab']);
    await api(rg, 'POST', '/__wslab/intercept/inject', { conn: up.conn, dir: 'c2s', hex: 'cafe' });
    expect(await c.next(2)).toEqual(['from wslab', 'bin:cafe']);
    const upSaw = rg.log.events.filter((e) => e.type === 'frame' && e.conn === up.conn && e.dir === 'c2s' && e.opcode === 2);
    expect(upSaw.length).toBe(1);
    const missing = await api(rg, 'POST', '/__wslab/intercept/inject', { conn: 'c999', dir: 's2c', text: 'x' });
    expect(missing.status).toBe(404);
  });

  it('shows both legs on the event stream, linked, with their own frames and handshakes', async () => {
    const rg = await rig();
    await api(rg, 'POST', '/__wslab/intercept', { dir: 's2c', match: 'x', action: 'drop' });
    const c = await client(rg, '/chat?room=7', ['chat.v1', 'chat.v2']);
    expect(c.ws.protocol).toBe('chat.v1');
    c.ws.send('hello');
    await c.next(1);
    c.ws.close(1000, 'bye');
    await closed(c.ws);
    const { client: cl, upstream: up } = await legs(rg);
    const target = `ws://127.0.0.1:${rg.up.port}/up/chat?room=7`;
    expect(cl.proxy).toEqual({ target, mode: 'intercept', leg: 'client', peer: up.conn });
    expect(up.proxy).toEqual({ target, mode: 'intercept', leg: 'upstream', peer: cl.conn });
    expect(cl.path).toBe('/chat?room=7');
    expect(up.path).toBe('/up/chat?room=7');
    expect(cl.subprotocol).toBe('chat.v1');
    expect(up.subprotocol).toBe('chat.v1');
    await rg.log.waitFor((e) => e.type === 'close' && e.conn === up.conn);
    await rg.log.waitFor((e) => e.type === 'close' && e.conn === cl.conn);
    const frames = (conn: string, dir: string) => rg.log.events.filter((e) => e.type === 'frame' && e.conn === conn && e.dir === dir).map((e) => { const f = e as Extract<WslabEvent, { type: 'frame' }>; return { opcode: f.opcode, masked: f.maskingKey !== null && f.maskingKey !== undefined }; });
    // each leg's client masks, each leg's server does not; both close with the client's 1000
    expect(frames(cl.conn, 'c2s')).toEqual([{ opcode: 1, masked: true }, { opcode: 8, masked: true }]);
    expect(frames(cl.conn, 's2c')).toEqual([{ opcode: 1, masked: false }, { opcode: 8, masked: false }]);
    expect(frames(up.conn, 'c2s')).toEqual([{ opcode: 1, masked: true }, { opcode: 8, masked: true }]);
    expect(frames(up.conn, 's2c')).toEqual([{ opcode: 1, masked: false }, { opcode: 8, masked: false }]);
    const hsUp = rg.log.events.find((e) => e.type === 'handshake' && e.conn === up.conn) as Extract<WslabEvent, { type: 'handshake' }>;
    expect(hsUp.request.target).toBe('/up/chat?room=7');
    expect(hsUp.response.status).toBe(101);
    expect(hsUp.acceptOk).toBe(true);
    // the upstream received what the upstream leg's tap shows: the request head byte for byte
    expect(hsUp.request.raw).toBe(splitHead(rg.up.conns[0]!.c2s).head);
    const closes = rg.log.events.filter((e) => e.type === 'close' && (e.conn === cl.conn || e.conn === up.conn)).map((e) => (e as Extract<WslabEvent, { type: 'close' }>).code);
    expect(closes).toEqual([1000, 1000]);
    expect(rg.log.invalid).toEqual([]);
  });

  it('refuses a pattern RE2 cannot run, a lookbehind, a backreference, an overlong pattern and a rule without its field, each with a sentence', async () => {
    const rg = await rig();
    const bad = await api(rg, 'POST', '/__wslab/intercept', { dir: 'c2s', match: '([a-z', action: 'drop' });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toBe('match is not a pattern RE2 accepts (rules use RE2 syntax, linear-time): missing closing ]: `[a-z`.');
    const behind = await api(rg, 'POST', '/__wslab/intercept', { dir: 'c2s', match: '(?<=user=)admin', action: 'drop' });
    expect(behind.status).toBe(400);
    expect(behind.json.error).toBe('match may not use a lookbehind (?<=…): rules run on RE2, which matches in linear time and has no lookaround or backreferences');
    const ahead = await api(rg, 'POST', '/__wslab/intercept', { dir: 'c2s', match: 'a(?!b)', action: 'drop' });
    expect(ahead.json.error).toMatch(/^match may not use a negative lookahead \(\?!…\)/);
    const backref = await api(rg, 'POST', '/__wslab/intercept', { dir: 'c2s', match: '(\\w)\\1', action: 'drop' });
    expect(backref.status).toBe(400);
    expect(backref.json.error).toMatch(/^match may not use a backreference \(\\1\)/);
    // inside a class, (?= is three literal characters
    expect((await api(rg, 'POST', '/__wslab/intercept', { dir: 'c2s', match: '[(?=]', action: 'drop' })).status).toBe(201);
    expect((await api(rg, 'DELETE', '/__wslab/intercept/r1')).status).toBe(200);
    const long = await api(rg, 'POST', '/__wslab/intercept', { dir: 'c2s', match: 'a'.repeat(257), action: 'drop' });
    expect(long.status).toBe(400);
    const noWith = await api(rg, 'POST', '/__wslab/intercept', { dir: 'c2s', match: 'a', action: 'replace' });
    expect(noWith.json.error).toMatch(/^with: a replace rule needs "with"/);
    const foreign = await fetch(`${rg.t.httpUrl}/__wslab/intercept`, { method: 'POST', headers: { origin: 'http://evil.example', 'content-type': 'application/json' }, body: JSON.stringify({ dir: 'c2s', match: 'a', action: 'drop' }) });
    expect(foreign.status).toBe(403);
    expect((await api(rg, 'GET', '/__wslab/intercept')).json.rules).toEqual([]);
    expect((await api(rg, 'DELETE', '/__wslab/intercept/r9')).status).toBe(404);
    for (let i = 0; i < 50; i++) expect((await api(rg, 'POST', '/__wslab/intercept', { dir: 'c2s', match: `n${i}`, action: 'drop' })).status).toBe(201);
    const full = await api(rg, 'POST', '/__wslab/intercept', { dir: 'c2s', match: 'z', action: 'drop' });
    expect(full.status).toBe(409);
    expect(full.json.error).toMatch(/already 50 intercept rules/);
  });

  it('runs a rule on the first MATCH_WINDOW_BYTES of a payload only', async () => {
    const rg = await rig();
    await api(rg, 'POST', '/__wslab/intercept', { dir: 'c2s', match: 'needle', action: 'drop' });
    const c = await client(rg);
    c.ws.send('x'.repeat(MATCH_WINDOW_BYTES) + 'needle');
    c.ws.send('needle');
    c.ws.send('end');
    const got = await c.next(2);
    expect(got.map((s) => s.length)).toEqual([MATCH_WINDOW_BYTES + 6, 3]);
  });

  it('runs a catastrophic pattern, (a+)+$, against a window of "a" ending in "!" and answers: matching is linear-time', async () => {
    const rg = await rig();
    expect((await api(rg, 'POST', '/__wslab/intercept', { dir: 'c2s', match: '(a+)+$', action: 'drop' })).status).toBe(201);
    const c = await client(rg);
    const evil = 'a'.repeat(MATCH_WINDOW_BYTES - 1) + '!'; // the whole window the pattern sees
    c.ws.send(evil); // no match ("!" ends it), so it passes
    c.ws.send('aaa'); // matches: dropped
    c.ws.send('done');
    // JavaScript's RegExp would take longer than the test's life on the first message
    expect(await c.next(2)).toEqual([evil, 'done']);
    expect((await api(rg, 'GET', '/__wslab/intercept')).json.rules[0].hits).toBe(1);
  });

  it('keeps the faithful byte relay for connections opened with no rule, and after the last rule is deleted', async () => {
    const rg = await rig();
    const add = await api(rg, 'POST', '/__wslab/intercept', { dir: 'c2s', match: 'x', action: 'drop' });
    expect((await api(rg, 'DELETE', `/__wslab/intercept/${add.json.id}`)).json).toEqual({ deleted: 'r1' });
    const c = await client(rg, '/plain');
    c.ws.send('x marks');
    expect(await c.next(1)).toEqual(['x marks']);
    const open = (await rg.log.waitFor((e) => e.type === 'conn.open' && e.path === '/plain')) as Open;
    expect(open.proxy).toEqual({ target: `ws://127.0.0.1:${rg.up.port}/up/plain`, mode: 'relay' });
    // one connection only: no second leg, and the upstream saw the client's own key
    expect(rg.log.events.filter((e) => e.type === 'conn.open').length).toBe(1);
    expect(rg.up.conns.length).toBe(1);
  });
});

async function until<T>(get: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`condition not met: ${JSON.stringify(v).slice(0, 300)}`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

describe('wslab proxy intercept bounds', () => {
  it('holds at most MAX_HELD messages; past that a matching message is forwarded unchanged (after the held ones) and an error event says so', async () => {
    const rg = await rig();
    await api(rg, 'POST', '/__wslab/intercept', { dir: 'c2s', match: '^h', action: 'hold' });
    const c = await client(rg);
    for (let i = 0; i < MAX_HELD + 1; i++) c.ws.send(`h${i}`);
    const full = (await rg.log.waitFor((e) => e.type === 'error' && /held queue is full/.test(e.message))) as Extract<WslabEvent, { type: 'error' }>;
    expect(full.message).toMatch(new RegExp(`^The held queue is full \\(${MAX_HELD} messages, ${Array.from({ length: MAX_HELD }, (_, i) => `h${i}`).join('').length} bytes; at most ${MAX_HELD} and ${MAX_HELD_BYTES} bytes\\): a c2s message on c\\d+ matching rule r1 was forwarded unchanged instead of held\\.$`));
    const held = (await api(rg, 'GET', '/__wslab/intercept/held')).json.held as { id: string }[];
    expect(held.length).toBe(MAX_HELD);
    expect(c.got).toEqual([]);
    for (const h of held) await api(rg, 'POST', `/__wslab/intercept/held/${h.id}`, { action: 'drop' });
    expect(await c.next(1)).toEqual([`h${MAX_HELD}`]);
  });

  it('answers 404 with a sentence on a server that proxies nothing', async () => {
    const t = await startTestServer({});
    try {
      const res = await fetch(`${t.httpUrl}/__wslab/intercept`);
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: 'Intercept works on `wslab proxy TARGET` connections; this server proxies nothing.' });
    } finally {
      await t.close();
    }
  });
});

describe('wslab proxy intercept mode with a failing upstream', () => {
  it('answers 502 with a sentence and an error event when nothing listens upstream', async () => {
    const rg = await rig();
    await api(rg, 'POST', '/__wslab/intercept', { dir: 'c2s', match: 'x', action: 'drop' });
    await rg.up.close();
    const ws = new WebSocket(rg.t.wsUrl('/gone'), { perMessageDeflate: false });
    ws.on('error', () => {});
    const status = await new Promise<{ code: number; body: string }>((resolve) => {
      ws.once('unexpected-response', (_q, res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
      });
    });
    expect(status.code).toBe(502);
    expect(status.body).toContain(`The upstream ws://127.0.0.1:${rg.up.port}/up refused the connection (nothing listens on 127.0.0.1:${rg.up.port}).`);
    const err = (await rg.log.waitFor((e) => e.type === 'error' && e.source === 'upstream')) as Extract<WslabEvent, { type: 'error' }>;
    expect(err.message).toContain(`→ ws://127.0.0.1:${rg.up.port}/up/gone`);
    expect(rg.t.server.registry.size).toBe(0);
  });
});

/** GET /__wslab/intercept/live, its events parsed as they arrive. */
async function liveStream(rig: Rig): Promise<{ status: number; next: () => Promise<InterceptListing>; close: () => void }> {
  const controller = new AbortController();
  const res = await fetch(`${rig.t.httpUrl}/__wslab/intercept/live`, { signal: controller.signal });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const next = async (): Promise<InterceptListing> => {
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        return JSON.parse(block.replace(/^data: /, '')) as InterceptListing;
      }
      const { value, done } = await reader.read();
      if (done) throw new Error('the live stream ended');
      buffer += decoder.decode(value, { stream: true });
    }
  };
  return { status: res.status, next, close: () => controller.abort() };
}

describe('GET /__wslab/intercept/live', () => {
  it('sends the state at once, then again when a rule is added, a message is held or forwarded, a rule hits, and a proxied connection opens or closes', async () => {
    const rg = await rig();
    const live = await liveStream(rg);
    expect(live.status).toBe(200);
    const first = await live.next();
    expect(first).toEqual({ rules: [], held: [], connections: [], proxied: [], limits: { rules: 50, matchWindowBytes: MATCH_WINDOW_BYTES, held: MAX_HELD, heldBytes: MAX_HELD_BYTES } });
    await api(rg, 'POST', '/__wslab/intercept', { dir: 'c2s', match: '^hold', action: 'hold' });
    expect((await live.next()).rules.map((r) => [r.id, r.hits])).toEqual([['r1', 0]]);
    const c = await client(rg, '/live');
    // the two legs open: one state or more, until both are listed
    let state = await live.next();
    while (state.proxied.length < 2) state = await live.next();
    const legsOf = [...state.proxied].sort((a, b) => (a.leg ?? '').localeCompare(b.leg ?? ''));
    expect(legsOf.map((p) => [p.path, p.proxyMode, p.leg])).toEqual([
      ['/live', 'intercept', 'client'],
      ['/up/live', 'intercept', 'upstream'],
    ]);
    expect(state.connections).toEqual([{ client: legsOf[0].conn, upstream: legsOf[1].conn }]);
    c.ws.send('hold me');
    while (state.held.length === 0) state = await live.next();
    expect(state.held.map((h) => [h.id, h.text])).toEqual([['h1', 'hold me']]);
    expect(state.rules[0].hits).toBe(1);
    await api(rg, 'POST', '/__wslab/intercept/held/h1', { action: 'forward' });
    while (state.held.length > 0) state = await live.next();
    expect(await c.next(1)).toEqual(['hold me']);
    await shut(c.ws);
    while (state.proxied.length > 0) state = await live.next();
    expect(state.connections).toEqual([]);
    live.close();
  });

  it('keeps at most MAX_LIVE_STREAMS open and refuses the next with 503 and a sentence; a closed one frees its place', async () => {
    const rg = await rig();
    const streams = [];
    for (let i = 0; i < MAX_LIVE_STREAMS; i++) {
      const s = await liveStream(rg);
      await s.next();
      streams.push(s);
    }
    const over = await fetch(`${rg.t.httpUrl}/__wslab/intercept/live`);
    expect(over.status).toBe(503);
    expect(await over.json()).toEqual({ error: `The server already has ${MAX_LIVE_STREAMS} intercept streams open (its cap); close an Intercept page or retry when one closes.` });
    streams.pop()!.close();
    // the server sees the close when the socket ends: asked again until it has
    let again = await liveStream(rg);
    for (let tries = 0; again.status === 503 && tries < 50; tries++) {
      await new Promise((r) => setTimeout(r, 100));
      again = await liveStream(rg);
    }
    expect(again.status).toBe(200);
    again.close();
    for (const s of streams) s.close();
  });
});
