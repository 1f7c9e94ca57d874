// The /conform page's API over real sockets: a run against this server's own /lab/echo streams
// each case (verdicts, rule, words, and its frames as schema-valid event records) as it is judged;
// the URL is untrusted input (ws:/wss: only, no credentials), one run per session, MAX_RUNS at
// once, cancel by its owner only, a cross-site POST refused, and in a workshop another server than
// this one needs the presenter key.
import { createServer, type Server, type Socket } from 'node:net';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mustParse, startTestServer, type TestServer } from '../helpers/server.ts';
import { MAX_RUNS } from '../../server/conform/api.ts';
import type { ConformStreamLine } from '../../server/core/api/conform.ts';

let lab: TestServer;
/** accepts TCP and never answers: a case against it lasts the runner's 5 s opening timeout */
let silent: Server;
let silentUrl: string;
const held: Socket[] = [];

beforeAll(async () => {
  lab = await startTestServer();
  silent = createServer((s) => held.push(s));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
  silentUrl = `ws://127.0.0.1:${(silent.address() as { port: number }).port}/`;
});
afterAll(async () => {
  for (const s of held) s.destroy();
  await new Promise<void>((r) => silent.close(() => r()));
  await lab.close();
});

function post(body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${lab.httpUrl}/__wslab/conform`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

async function readStream(id: string, cookie: string): Promise<ConformStreamLine[]> {
  const res = await fetch(`${lab.httpUrl}/__wslab/conform/${id}/stream`, { headers: { cookie } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
  const text = await res.text();
  return text.trim().split('\n').map((l) => JSON.parse(l) as ConformStreamLine);
}

async function waitEnded(id: string, cookie: string): Promise<{ status: string; stopped: string | null; done: number }> {
  const lines = await readStream(id, cookie);
  const end = lines.at(-1)!;
  expect(end.type).toBe('end');
  return (end as Extract<ConformStreamLine, { type: 'end' }>).run;
}

describe('conform API', () => {
  test('a run against /lab/echo streams every chosen case in order with verdicts, words and its frames as event records', { timeout: 60_000 }, async () => {
    const cookie = 'wslab_session=run-echo';
    const res = await post({ url: lab.wsUrl('/lab/echo'), cases: ['1.1.1', '2.2', '5.1'], timeScale: 4 }, { cookie });
    expect(res.status).toBe(202);
    const run = (await res.json()) as { id: string; status: string; cases: { id: string }[] };
    expect(run.status).toBe('running');
    expect(run.cases.map((c) => c.id)).toEqual(['1.1.1', '2.2', '5.1']);

    const lines = await readStream(run.id, cookie);
    expect(lines.map((l) => l.type)).toEqual(['run', 'case', 'case', 'case', 'end']);
    const cases = lines.filter((l): l is Extract<ConformStreamLine, { type: 'case' }> => l.type === 'case').map((l) => l.case);
    expect(cases.map((c) => [c.id, c.behavior, c.behaviorClose, c.failed])).toEqual([
      ['1.1.1', 'OK', 'OK', false],
      ['2.2', 'OK', 'OK', false],
      ['5.1', 'OK', 'OK', false],
    ]);
    const first = cases[0];
    expect(first.rfc).toBe('5.2');
    expect(first.rule).toBe('A payload of 0-125 bytes fits the 7-bit length field.');
    expect(first.expected).toBe('a text message of 0 bytes (OK); the client closes with code 1000 (or none), cleanly');
    expect(first.observed).toMatch(/^a text message of 0 bytes; the client started the closing handshake; the server's Close carried code 1000; the connection ended cleanly$/);
    // its frames: the masked empty text frame out, the echo back, then the closing handshake
    for (const f of first.frames) mustParse(f);
    expect(first.frames.map((f) => [f.dir, f.opcodeName, f.masked, f.payloadLength])).toEqual([
      ['c2s', 'TEXT', true, 0],
      ['s2c', 'TEXT', false, 0],
      ['c2s', 'CLOSE', true, 2],
      ['s2c', 'CLOSE', false, 2],
    ]);
    expect(first.frames.map((f) => f.conn)).toEqual(Array(4).fill('conform-1.1.1'));
    expect(first.frames[2].closeCode).toBe(1000);
    // 2.2: a Ping with a payload is answered by a Pong with the same payload
    const ping = cases[1].frames.find((f) => f.dir === 'c2s' && f.opcodeName === 'PING')!;
    const pong = cases[1].frames.find((f) => f.dir === 's2c' && f.opcodeName === 'PONG')!;
    expect(pong.payloadHex).toBe(ping.payloadHex);
    expect(pong.text).toBe('Hello, world!');

    const end = lines.at(-1) as Extract<ConformStreamLine, { type: 'end' }>;
    expect(end.run.status).toBe('done');
    expect(end.run.summary).toEqual({ OK: 3, 'NON-STRICT': 0, INFORMATIONAL: 0, UNIMPLEMENTED: 0, FAILED: 0 });

    // the whole run again by GET, and in its owner's list
    const whole = (await (await fetch(`${lab.httpUrl}/__wslab/conform/${run.id}`)).json()) as { results: { id: string }[]; done: number };
    expect(whole.done).toBe(3);
    expect(whole.results.map((r) => r.id)).toEqual(['1.1.1', '2.2', '5.1']);
    const list = (await (await fetch(`${lab.httpUrl}/__wslab/conform`, { headers: { cookie } })).json()) as { runs: { id: string }[] };
    expect(list.runs.map((r) => r.id)).toContain(run.id);
    const other = (await (await fetch(`${lab.httpUrl}/__wslab/conform`, { headers: { cookie: 'wslab_session=someone-else' } })).json()) as { runs: { id: string }[] };
    expect(other.runs.map((r) => r.id)).not.toContain(run.id);
  });

  test('the URL is refused with a sentence unless it is ws: or wss: without credentials, and unknown cases are named', async () => {
    const cases: [unknown, number, string][] = [
      [{ url: 'http://127.0.0.1/' }, 400, 'The URL must start with ws:// or wss://, got http://.'],
      [{ url: 'file:///etc/passwd' }, 400, 'The URL must start with ws:// or wss://, got file://.'],
      [{ url: 'not a url' }, 400, '"not a url" is not a URL; give one like ws://127.0.0.1:9001/.'],
      [{ url: 'ws://user:pw@127.0.0.1:1/' }, 400, 'The URL may not carry a user name or password.'],
      [{ url: lab.wsUrl('/lab/echo'), cases: ['99.*'] }, 400, 'No case matches 99.*; case ids look like 1.1.1, 6.4.*, 7.*, w.1.1'],
    ];
    for (const [body, status, sentence] of cases) {
      const res = await post(body);
      expect(res.status).toBe(status);
      expect(((await res.json()) as { error: string }).error).toContain(sentence);
    }
    const big = await post({ url: `ws://127.0.0.1/${'a'.repeat(3000)}` });
    expect(big.status).toBe(400);
    const extra = await post({ url: lab.wsUrl('/lab/echo'), shell: 'rm -rf /' });
    expect(extra.status).toBe(400);
  });

  test('a page on another site cannot start a run (403 with the sentence)', async () => {
    const res = await post({ url: lab.wsUrl('/lab/echo') }, { Origin: 'https://evil.example' });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: string }).error).toBe('Origin https://evil.example may not change this server (cross-site requests are refused).');
  });

  test('an unreachable URL ends the run with one sentence, not a table of failures', { timeout: 30_000 }, async () => {
    const res = await post({ url: 'ws://127.0.0.1:1/' }, { cookie: 'wslab_session=unreachable' });
    const run = (await res.json()) as { id: string };
    const end = await waitEnded(run.id, 'wslab_session=unreachable');
    expect(end.status).toBe('done');
    expect(end.done).toBe(0);
    expect(end.stopped).toMatch(/^Cannot open a WebSocket to ws:\/\/127\.0\.0\.1:1\/: cannot connect: connect ECONNREFUSED 127\.0\.0\.1:1\. The server connects from itself/);
  });

  test('one run per session, MAX_RUNS at once, and only the owner may cancel', { timeout: 60_000 }, async () => {
    expect(MAX_RUNS).toBe(2);
    const a = 'wslab_session=owner-a';
    const b = 'wslab_session=owner-b';
    const ra = await post({ url: silentUrl, cases: ['1.1.*'] }, { cookie: a });
    expect(ra.status).toBe(202);
    const runA = (await ra.json()) as { id: string };
    const again = await post({ url: silentUrl }, { cookie: a });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: string }).error).toBe(`Your run ${runA.id} against ${silentUrl} is still under way; cancel it (DELETE /__wslab/conform/${runA.id}) or wait for it to end.`);
    const rb = await post({ url: lab.wsUrl('/lab/echo'), cases: ['6.4.*'] }, { cookie: b });
    expect(rb.status).toBe(202);
    const runB = (await rb.json()) as { id: string };
    const third = await post({ url: lab.wsUrl('/lab/echo') }, { cookie: 'wslab_session=owner-c' });
    expect(third.status).toBe(503);
    expect(((await third.json()) as { error: string }).error).toBe('2 conformance runs are already under way on this server; try again when one has finished.');

    const foreign = await fetch(`${lab.httpUrl}/__wslab/conform/${runB.id}`, { method: 'DELETE', headers: { cookie: a } });
    expect(foreign.status).toBe(403);
    expect(((await foreign.json()) as { error: string }).error).toBe(`Run ${runB.id} was started by another session; only that session may cancel it.`);
    const cancel = await fetch(`${lab.httpUrl}/__wslab/conform/${runB.id}`, { method: 'DELETE', headers: { cookie: b } });
    expect(cancel.status).toBe(202);
    const endB = await waitEnded(runB.id, b);
    expect(endB.status).toBe('cancelled');
    expect(endB.done).toBeLessThan(4);
    expect(endB.stopped).toBe(`Cancelled after ${endB.done} of 4 cases.`);
    // the silent server never completes a handshake: the run stops with a sentence after its first case
    const endA = await waitEnded(runA.id, a);
    expect(endA.stopped).toBe(`Cannot open a WebSocket to ${silentUrl}: the opening handshake did not complete within 5000 ms. The server connects from itself, so the URL must be reachable from the machine wslab runs on.`);
    const missing = await fetch(`${lab.httpUrl}/__wslab/conform/nope`);
    expect(missing.status).toBe(404);
  });
});

describe('conform API in a workshop', () => {
  let room: TestServer;
  beforeAll(async () => {
    room = await startTestServer({ workshop: { presenterKey: 'k3y-for-tests' }, allowHosts: ['wslab.test'] });
  });
  afterAll(() => room.close());

  test("another server than this one needs the presenter key; this server's own /lab/echo does not", { timeout: 30_000 }, async () => {
    const other = await fetch(`${room.httpUrl}/__wslab/conform`, { method: 'POST', headers: { 'Content-Type': 'application/json', cookie: 'wslab_session=p1' }, body: JSON.stringify({ url: 'ws://10.0.0.1:22/' }) });
    expect(other.status).toBe(401);
    expect(((await other.json()) as { error: string }).error).toContain('In workshop mode only the presenter may run the conformance cases against another server than this one');
    const own = await fetch(`${room.httpUrl}/__wslab/conform`, { method: 'POST', headers: { 'Content-Type': 'application/json', cookie: 'wslab_session=p1' }, body: JSON.stringify({ url: room.wsUrl('/lab/echo'), cases: ['1.1.1'] }) });
    expect(own.status).toBe(202);
    const run = (await own.json()) as { id: string };
    const lines = await (await fetch(`${room.httpUrl}/__wslab/conform/${run.id}/stream`)).text();
    expect(lines).toContain('"behavior":"OK"');
  });

  test('the URL naming the Host the page came to (a room address) counts as this server; another port on it does not', { timeout: 30_000 }, async () => {
    const host = `wslab.test:${room.port}`;
    const postAs = (url: string, cookie: string) =>
      new Promise<number>((resolve, reject) => {
        const body = JSON.stringify({ url, cases: ['1.1.1'] });
        const req = request({ host: '127.0.0.1', port: room.port, path: '/__wslab/conform', method: 'POST', headers: { Host: host, 'Content-Type': 'application/json', cookie } }, (res) => {
          res.resume();
          resolve(res.statusCode!);
        });
        req.on('error', reject);
        req.end(body);
      });
    expect(await postAs(`ws://${host}/lab/echo`, 'wslab_session=p2')).toBe(202);
    expect(await postAs(`ws://wslab.test:${room.port + 1}/lab/echo`, 'wslab_session=p3')).toBe(401);
  });
});
