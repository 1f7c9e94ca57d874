// `wslab conform --serve` against real clients over real sockets: the ws library's client, driven
// the way Autobahn's fuzzingserver expects (ws's own test/autobahn.js: /getCaseCount, then each
// /runCase echoing every message, then /updateReports), passes chapters 1-7, 9 and 10; clients broken on
// purpose fail exactly the cases that test their flaw.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { buildCases, CASES, selectCases } from '../../server/core/conform/cases.ts';
import { servedCases, swapRoles } from '../../server/core/conform/serve.ts';
import type { CaseResult } from '../../server/core/conform/types.ts';
import { startConformServer, type ConformServer } from '../../server/conform/serve-server.ts';
import { caseReportFilename } from '../../server/conform/report.ts';
import { askServe, ECHO_NOT_PLAIN_OK, failedIds, ids, notPlainOk, runServeClient } from '../helpers/conform.ts';

const SLOW = 300_000;
/** Chapters 1-7, 9 and 10; the compression chapters (12, 13) have tests of their own below, at a smaller scale. */
const SERVED = servedCases(CASES).filter((c) => !/^1[23]\./.test(c.id));
/** 12 and 13 at --scale 1/256: each case sends 4 messages. */
const COMPRESSION = servedCases(buildCases(1 / 256)).filter((c) => /^1[23]\./.test(c.id));

describe('the fuzzing server', () => {
  let server: ConformServer;
  let out: string;
  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'conform-serve-'));
    // timers ×4: a correct client on a loaded machine is never cut short; a broken one is still caught
    server = await startConformServer({ cases: SERVED, port: 0, timeScale: 4, outDir: out });
  });
  afterAll(async () => {
    await server.close();
    rmSync(out, { recursive: true, force: true });
  });

  test('answers /getCaseCount with the number of cases and /getCaseInfo with a case\'s id and words for the server side', async () => {
    expect(await askServe(`${server.url}/getCaseCount`)).toEqual({ messages: [String(SERVED.length)], code: 1000 });
    const i = SERVED.findIndex((c) => c.id === '3.1') + 1;
    expect(await askServe(`${server.url}/getCaseInfo?case=${i}`)).toEqual({
      messages: [JSON.stringify({ id: '3.1', description: 'Send a small text message with RSV = 1.' })],
      code: 1000,
    });
    expect(ids(SERVED).some((id) => id.startsWith('w.'))).toBe(false);
  });

  test('refuses a /runCase without an agent, a case out of range and an unknown path with 400/404 and a sentence', async () => {
    const status = (path: string) =>
      new Promise<{ status: number; body: string }>((resolve) => {
        const ws = new WebSocket(`${server.url}${path}`);
        ws.on('unexpected-response', (_req, res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        ws.on('error', () => {});
      });
    expect(await status('/runCase?case=1')).toEqual({ status: 400, body: '/runCase needs ?agent=NAME: the name your client\'s results are reported under.\n' });
    expect(await status(`/runCase?case=${SERVED.length + 1}&agent=x`)).toEqual({ status: 400, body: `case must be a number from 1 to ${SERVED.length}, got "${SERVED.length + 1}".\n` });
    expect((await status('/nope')).status).toBe(404);
  });

  test('the ws client passes chapters 1-7, 9 and 10: 6.4.x NON-STRICT, 7.1.6 and 7.13.x INFORMATIONAL, the rest OK; reports written as Autobahn writes them', async () => {
    await runServeClient(server.url, 'ws client');
    const results = server.serve.results('ws client');
    expect(ids(results)).toEqual(ids(SERVED));
    expect(notPlainOk(results)).toEqual(ECHO_NOT_PLAIN_OK);
    expect(failedIds(results)).toEqual([]);
    const r = results.find((x) => x.id === '3.1')!;
    expect(r.close.remoteCloseCode).toBe(1002);
    expect(r.why).toBe('RSV1-3 must be 0 unless an extension gave them a meaning; none was negotiated, so the client must fail the connection (1002). The client did exactly that.');
    expect(SERVED.filter((c) => /^(9|10)\./.test(c.id)).length).toBe(55);
    const echo = results.find((x) => x.id === '9.2.6')!;
    expect(echo.observed).toMatch(/^1 of 1 binary message of 262144 bytes echoed as sent in \d+ ms, [\d.]+ ms per round trip; the server started the closing handshake/);
    expect(echo.why).toBe('A client must take a message as large as this whole (RFC 6455 puts no limit on it; a client that sets one closes with 1009), and echo it within the time. The client did exactly that.');
    const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8'));
    expect(Object.keys(index['ws client'])).toEqual(ids(SERVED));
    expect(index['ws client']['6.4.1']).toMatchObject({ behavior: 'NON-STRICT', behaviorClose: 'OK', reportfile: caseReportFilename('ws client', '6.4.1') });
    const one = JSON.parse(readFileSync(join(out, caseReportFilename('ws client', '2.2')), 'utf8'));
    expect(one).toMatchObject({ agent: 'ws client', id: '2.2', behavior: 'OK', behaviorClose: 'OK', isServer: true, received: [['pong', 'Hello, world!']] });
    expect(await askServe(`${server.url}/getCaseStatus?case=1&agent=${encodeURIComponent('ws client')}`)).toEqual({ messages: ['{"behavior":"OK"}'], code: 1000 });
  }, SLOW);

  test('clients broken on purpose fail exactly the cases that test their flaw: one answers no Pings, one accepts invalid UTF-8', async () => {
    // both at once, on a server of their own with shorter timers: each waits out the timers its flaw runs into
    const broken = await startConformServer({ cases: SERVED, port: 0, timeScale: 1.5 });
    try {
      await Promise.all([runServeClient(broken.url, 'no pongs', { autoPong: false }), runServeClient(broken.url, 'no utf8 check', { skipUTF8Validation: true })]);
    } finally {
      await broken.close();
    }
    const noPongs = broken.serve.results('no pongs');
    expect(failedIds(noPongs)).toEqual(['2.1', '2.2', '2.3', '2.4', '2.6', '2.9', '2.10', '2.11', '5.6', '5.7', '5.8', '5.19', '5.20']);
    const r = noPongs.find((x) => x.id === '2.2')!;
    expect([r.behavior, r.rfc]).toEqual(['FAILED', '5.5.2']);
    expect(r.why).toBe('A Ping must be answered by a Pong with the same payload. Expected a Pong of 13 bytes, but the client sent nothing.');

    const noUtf8 = broken.serve.results('no utf8 check');
    // the cases where the client must fail the connection with 1007 (7.7.5 is a valid Close carrying code 1007)
    const invalid = SERVED.filter((c) => c.expectedClose.closeCode.includes(1007) && !c.expectedClose.requireClean).map((c) => c.id);
    expect(invalid.length).toBe(76);
    expect(failedIds(noUtf8)).toEqual(invalid);
    const u = noUtf8.find((x) => x.id === '6.3.1')!;
    expect([u.behavior, u.behaviorClose, u.rfc]).toEqual(['FAILED', 'FAILED', '8.1']);
  }, SLOW);
});

test('a client that takes messages of at most 64 KiB fails exactly the echo cases of chapter 9 whose messages are larger (128 and 256 KiB at --scale 1/64)', async () => {
  const small = await startConformServer({ cases: selectCases(['9.*', '10.*'], SERVED), port: 0, timeScale: 2 });
  try {
    await runServeClient(small.url, 'small', { maxPayload: 64 * 1024 });
  } finally {
    await small.close();
  }
  const results = small.serve.results('small');
  expect(failedIds(results)).toEqual(['9.1.5', '9.1.6', '9.2.5', '9.2.6']);
  const r = results.find((x) => x.id === '9.1.5')!;
  expect([r.behavior, r.close.remoteCloseCode]).toEqual(['FAILED', 1009]);
  expect(r.why).toContain('Only 0 of 1 messages came back before the client closed the connection with 1009.');
}, SLOW);

describe('chapters 12 and 13 (permessage-deflate)', () => {
  async function serveCompression(agent: string, options: WebSocket.ClientOptions): Promise<CaseResult[]> {
    const s = await startConformServer({ cases: COMPRESSION, port: 0, timeScale: 4 });
    try {
      await runServeClient(s.url, agent, options);
    } finally {
      await s.close();
    }
    const results = s.serve.results(agent);
    expect(ids(results)).toEqual(ids(COMPRESSION));
    return results;
  }

  test('the ws client with permessage-deflate passes every case: the server accepts its offer as each case asks, compresses what it sends and inflates the echoes', async () => {
    const results = await serveCompression('ws deflate', { perMessageDeflate: { threshold: 0 } });
    expect(notPlainOk(results)).toEqual({});
    expect(results.length).toBe(216);
    // 13.3 asks the client for a 512-byte window: ws offers client_max_window_bits bare, so it gets 9
    expect(results.find((r) => r.id === '13.3.1')!.observed).toMatch(/^4 of 4 text messages of 16 bytes echoed as sent in \d+ ms, [\d.]+ ms per round trip; the server answered "permessage-deflate; client_max_window_bits=9"; /);
    expect(results.find((r) => r.id === '13.2.1')!.observed).toContain('the server answered "permessage-deflate; client_no_context_takeover"');
    const r = results.find((x) => x.id === '12.1.1')!;
    expect(r.description).toBe("Send 4 compressed text messages (Autobahn: 1000) of 16 bytes of large JSON data file (generated stand-in), each in one frame. Accept the client's permessage-deflate offer.");
    expect(results.find((x) => x.id === '13.5.1')!.description).toMatch(/\. Accept the client's permessage-deflate offer, asking for client_no_context_takeover and client_max_window_bits=9 \(if offered\)\.$/);
    expect(r.wire.some((w) => w.dir === 'tx' && w.text.startsWith('TEXT rsv=4 '))).toBe(true);
  }, SLOW);

  test('the ws client without permessage-deflate gets UNIMPLEMENTED in every case, with a clean close', async () => {
    const results = await serveCompression('ws plain', { perMessageDeflate: false });
    expect(new Set(Object.values(notPlainOk(results)).map((v) => v.join('/')))).toEqual(new Set(['UNIMPLEMENTED/OK']));
    expect(Object.keys(notPlainOk(results)).length).toBe(216);
    expect(results.find((r) => r.id === '12.1.1')!.why).toBe(
      'With permessage-deflate (RFC 7692) a client inflates each message it receives (RSV1 set on its first frame), and whatever it sends back, compressed or not, must come out as the message sent. The client did not offer permessage-deflate, so the case does not apply (Autobahn: UNIMPLEMENTED).',
    );
  }, SLOW);
});

test('swapRoles turns the suite-as-client sentences into suite-as-server ones and back', () => {
  const s = "The server closed the connection where the client was to close it; the Server's code, clients.";
  expect(swapRoles(s)).toBe("The client closed the connection where the server was to close it; the Client's code, servers.");
  expect(swapRoles(swapRoles(s))).toBe(s);
});

describe('wslab conform --serve', () => {
  test('prints its URL, serves the endpoints on 127.0.0.1, prints each verdict, writes reports on /updateReports and stops cleanly', async () => {
    const { runServe } = await import('../../server/cli/conform.ts');
    let out = '';
    let err = '';
    const io = { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) } };
    const dir = mkdtempSync(join(tmpdir(), 'conform-serve-cli-'));
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const code = runServe({ port: '0', cases: '1.1.1,2.2,9.1.6', scale: '1/4096', out: dir }, [], io, stopped);
    await expect.poll(() => /at (ws:\/\/127\.0\.0\.1:\d+)\//.exec(out)?.[1]).toBeTruthy();
    const base = /at (ws:\/\/127\.0\.0\.1:\d+)\//.exec(out)![1];
    expect(out).toContain('(3 cases)');
    await runServeClient(base, 'cli');
    await expect.poll(() => err).toContain(`reports for "cli" in ${join(dir, 'index.json')}`);
    expect(out).toMatch(/cli: 1\.1\.1 +OK +OK /);
    expect(out).toMatch(/cli: 2\.2 +OK +OK /);
    // --scale 1/4096: 9.1.6 sends 4 KiB (Autobahn: 16 MiB)
    expect(out).toMatch(/cli: 9\.1\.6 +OK +OK .* Send a text message with a payload of 4 KiB \(Autobahn: 16 MiB\) in one frame\./);
    expect(Object.keys(JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')).cli)).toEqual(['1.1.1', '2.2', '9.1.6']);
    stop();
    expect(await code).toBe(0);
    rmSync(dir, { recursive: true, force: true });
  });

  test('usage errors exit 2 with a sentence: a URL with --serve, --port without --serve, a bad port', async () => {
    const { runConform } = await import('../../server/cli/conform.ts');
    const run = async (args: string[]) => {
      let err = '';
      const code = await runConform(args, { stdout: { write: () => true }, stderr: { write: (s: string) => (err += s) } });
      return { code, first: err.split('\n')[0] };
    };
    expect(await run(['--serve', 'ws://x/'])).toEqual({ code: 2, first: 'wslab conform: --serve takes no URL: clients connect to it' });
    expect(await run(['ws://x/', '--port', '9001'])).toEqual({ code: 2, first: 'wslab conform: --port goes with --serve (the fuzzing server that tests clients)' });
    expect(await run(['--serve', '--port', '70000'])).toEqual({ code: 2, first: 'wslab conform: --port must be a port number from 0 to 65535 (0 picks a free one)' });
    expect(await run(['--serve', '--scale', 'half'])).toEqual({ code: 2, first: "wslab conform: --scale must be a number from 1/4096 to 1, as 0.25 or 1/64 (1 = Autobahn's sizes in chapters 9, 12 and 13)" });
    expect(await run(['--serve', '--cases', 'w.*'])).toEqual({ code: 2, first: 'wslab conform: no case matches --cases w.*; case ids look like 1.1.1, 6.4.*, 9.* (--serve runs chapters 1-7, 9, 10, 12 and 13)' });
  });
});
