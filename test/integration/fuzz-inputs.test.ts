// Fuzzing every input the server parses besides the codec (which has its own fuzz run): JSON
// bodies of the HTTP API, chat envelopes over a real socket, pasted hex, observer queries. Whatever
// arrives, the server answers with a clear 4xx/error (never a 5xx, never a crash) and keeps serving.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import WebSocket from 'ws';
import { startWslab, type WslabServer } from '../../server/app.ts';
import { parseClientMessage } from '../../server/fanout/envelope.ts';
import { parseHex } from '../../server/core/wire/index.ts';

let server: WslabServer;
const unhandled: unknown[] = [];
const onUnhandled = (err: unknown) => unhandled.push(err);

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  server = await startWslab({ port: 0, host: '127.0.0.1', heartbeat: { intervalMs: 0 }, upgradeRate: { perSecond: 10_000, burst: 10_000 } });
});
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await server.close();
});

/** Bodies: random JSON values, JSON objects shaped like the real ones, and bytes that are not JSON. */
const body = fc.oneof(
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc
    .record(
      {
        path: fc.oneof(fc.constantFrom('/lab/echo', '/lab/raw', '/lab/x', '/../etc', ''), fc.string()),
        frames: fc.array(
          fc.record({ opcode: fc.oneof(fc.integer({ min: -2, max: 20 }), fc.string()), payloadHex: fc.string(), fin: fc.anything(), lengthOverride: fc.oneof(fc.integer(), fc.double()) }, { requiredKeys: [] }),
          { maxLength: 20 },
        ),
        intervalMs: fc.oneof(fc.integer(), fc.double(), fc.string()),
        maxMisses: fc.oneof(fc.integer(), fc.string()),
        conn: fc.oneof(fc.constant('c1'), fc.string()),
        headers: fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer())),
        count: fc.oneof(fc.integer({ min: -5, max: 10 }), fc.string()),
        user: fc.string(),
        mode: fc.string(),
        strategy: fc.string(),
        latencyMs: fc.oneof(fc.integer({ min: -100, max: 100 }), fc.string()),
        action: fc.constantFrom('blackhole', 'latency', 'reset', 'restore', 'heartbeat', 'dance'),
        seconds: fc.oneof(fc.integer({ min: -5, max: 5 }), fc.string()),
        participant: fc.string(),
      },
      { requiredKeys: [] },
    )
    .map((v) => JSON.stringify(v)),
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('latin1')),
);

const ENDPOINTS = [
  '/__wslab/heartbeat',
  '/__wslab/puppets',
  '/__wslab/puppets/p999/send',
  '/__wslab/craft',
  '/__wslab/link',
  '/__wslab/link/reset',
  '/__wslab/sim/blackhole',
  '/__wslab/sim/heartbeat',
  '/__wslab/flow/c999',
  '/__wslab/fanout/mode',
  '/__wslab/fanout/nodes/zz/pause',
  '/lab/login',
];

describe('HTTP API bodies', () => {
  test('300 random bodies across every POST endpoint: always an answer below 500, and the server stays up', async () => {
    const statuses = new Set<number>();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ENDPOINTS), body, async (path, text) => {
        const res = await fetch(`${server.url}${path}`, { method: 'POST', body: text, headers: { 'content-type': 'application/json' } });
        await res.arrayBuffer();
        statuses.add(res.status);
        expect(res.status).toBeLessThan(500);
      }),
      { numRuns: 300, seed: 6455 },
    );
    // the bodies reached real validation (not only JSON errors), and the server still answers
    expect(statuses.has(400)).toBe(true);
    const health = await fetch(`${server.url}/__wslab/health`);
    expect(health.status).toBe(200);
    expect(unhandled).toEqual([]);
  });

  test('observer and history queries with random values are answered, never crash', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string(), fc.string(), fc.string(), async (since, conn, types) => {
        const q = new URLSearchParams({ since, conn, types });
        const res = await fetch(`${server.url}/__wslab/events?${q}`);
        await res.arrayBuffer();
        expect([200, 400]).toContain(res.status);
      }),
      { numRuns: 100, seed: 7 },
    );
  });
});

describe('inputs added with the labs and workshop mode', () => {
  test('workshop endpoints: random bodies with and without the key, random cookies: always an answer below 500', async () => {
    const KEY = 'fuzz-presenter-key';
    const room = await startWslab({ port: 0, host: '127.0.0.1', heartbeat: { intervalMs: 0 }, workshop: { presenterKey: KEY } });
    try {
      const statuses = new Set<number>();
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('/__wslab/workshop/join', '/__wslab/workshop/leave', '/__wslab/workshop/action', '/__wslab/link', '/__wslab/heartbeat', '/__wslab/sim/spawn'),
          body,
          fc.constantFrom(undefined, `Bearer ${KEY}`, 'Bearer wrong', 'Basic x', ''),
          fc.oneof(fc.constant(undefined), fc.string({ maxLength: 40 }).map((v) => `wslab_session=${encodeURIComponent(v)}`)),
          async (path, text, authorization, cookie) => {
            const headers: Record<string, string> = { 'content-type': 'application/json' };
            if (authorization !== undefined) headers.authorization = authorization;
            if (cookie !== undefined) headers.cookie = cookie;
            const res = await fetch(`${room.url}${path}`, { method: 'POST', body: text, headers });
            await res.arrayBuffer();
            statuses.add(res.status);
            expect(res.status).toBeLessThan(500);
          },
        ),
        { numRuns: 200, seed: 1455 },
      );
      expect(statuses.has(400)).toBe(true);
      expect(statuses.has(401)).toBe(true);
      expect((await fetch(`${room.url}/__wslab/workshop`)).status).toBe(200);
      expect(unhandled).toEqual([]);
    } finally {
      await room.close();
    }
  });

  test('transports lab queries and observer formats with random values are answered below 500', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/lab/transports/poll', '/lab/transports/stats'), fc.string(), fc.string(), async (path, after, client) => {
        const res = await fetch(`${server.url}${path}?${new URLSearchParams({ after, client })}`);
        await res.arrayBuffer();
        expect(res.status).toBeLessThan(500);
      }),
      { numRuns: 100, seed: 15 },
    );
    await fc.assert(
      fc.asyncProperty(fc.string(), async (format) => {
        const ws = new WebSocket(`${server.url.replace('http', 'ws')}/__wslab/events?${new URLSearchParams({ format })}`);
        const status = await new Promise<number>((resolve) => {
          ws.once('open', () => resolve(101));
          ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
          ws.once('error', () => resolve(-1));
        });
        ws.terminate();
        expect(status).toBe(format === 'json' || format === 'bin' ? 101 : 400);
      }),
      { numRuns: 50, seed: 16 },
    );
    expect((await fetch(`${server.url}/__wslab/health`)).status).toBe(200);
  });
});

describe('chat envelopes', () => {
  test('the envelope parser answers any text with a message or an error code, never throws', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.jsonValue().map((v) => JSON.stringify(v))), (text) => {
        const result = parseClientMessage(text, Buffer.byteLength(text));
        expect(typeof result).toBe('object');
        expect(result).not.toBeNull();
      }),
      { numRuns: 5000, seed: 42 },
    );
  });

  test('200 random messages on a signed-in /lab/chat socket get replies and the connection stays open', async () => {
    // its own server: the random bodies above may have changed the shared one's heartbeat (a ping
    // every 50 ms, one miss allowed) or its fan-out mode, which a loaded machine then trips over
    const chat = await startWslab({ port: 0, host: '127.0.0.1', heartbeat: { intervalMs: 0 } });
    try {
      const login = await fetch(`${chat.url}/lab/login`, { method: 'POST', body: JSON.stringify({ user: 'fuzzer' }) });
      expect(login.status).toBe(200);
      const { token } = (await login.json()) as { token: string };
      const ws = new WebSocket(`${chat.url.replace('http', 'ws')}/lab/chat?token=${token}`);
      const replies: string[] = [];
      const answers = { count: 0, wanted: Infinity, done: () => {} };
      ws.on('message', (d) => {
        const text = d.toString();
        replies.push(text);
        if (/"type":"(ack|error)"/.test(text) && ++answers.count >= answers.wanted) answers.done();
      });
      await new Promise((r) => ws.once('open', r));
      const inputs = fc.sample(
        fc.oneof(
          fc.string(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
          fc.record({ type: fc.constantFrom('join', 'leave', 'chat', 'dm', 'broadcast', 'auth', 'ack', 'nope'), id: fc.oneof(fc.string(), fc.integer()), payload: fc.jsonValue() }).map((v) => JSON.stringify(v)),
        ),
        { numRuns: 200, seed: 99 },
      );
      // every message is answered (ack, error, or rate_limited)
      const answered = new Promise<void>((resolve) => {
        answers.wanted = inputs.length + 1;
        answers.done = resolve;
        if (answers.count >= answers.wanted) resolve();
      });
      for (const text of inputs) ws.send(text);
      ws.send(Buffer.from([0xff, 0x00, 0x13]), { binary: true });
      const closed = new Promise<string>((resolve) => ws.once('close', (code, reason) => resolve(`closed ${code} ${reason.toString()}`)));
      const outcome = await Promise.race([answered.then(() => 'answered'), closed, new Promise<string>((r) => setTimeout(() => r(`${answers.count} of ${answers.wanted} answered within 30 s`), 30_000))]);
      expect(outcome).toBe('answered');
      // the socket is still open
      expect(ws.readyState).toBe(WebSocket.OPEN);
      expect(replies.some((r) => r.includes('"code":"bad_json"'))).toBe(true);
      ws.close(1000);
      expect(unhandled).toEqual([]);
    } finally {
      await chat.close();
    }
  });
});

test('parseHex takes any text and answers bytes or a sentence, never throws', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 400 }), (text) => {
      const r = parseHex(text);
      if ('error' in r) expect(r.error.length).toBeGreaterThan(0);
      else expect(r.bytes).toBeInstanceOf(Uint8Array);
    }),
    { numRuns: 5000, seed: 1 },
  );
});
