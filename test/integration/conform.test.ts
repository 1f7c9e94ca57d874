// `wslab conform` against real servers over real sockets: the ws library's echo server and
// wslab's own /lab/echo pass every case (with the NON-STRICT and INFORMATIONAL verdicts each
// documents), and servers broken on purpose fail exactly the cases that test their flaw.
import { createServer, type Socket } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { selectCases } from '../../server/core/conform/cases.ts';
import { caseFailed } from '../../server/core/conform/verdict.ts';
import { caseReportFilename } from '../../server/conform/report.ts';
import { computeAccept } from '../../server/core/wire/index.ts';
import { startFlawedServer, type Flaw } from '../helpers/flawed-server.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { ECHO_NOT_PLAIN_OK, failedIds, ids, notPlainOk, runCases, runWslab, startWsEcho, type EchoTarget } from '../helpers/conform.ts';

/** Chapters 1-7 and w.1 (9-13 are proven in conform-deflate.test.ts). */
const CASES = selectCases(['1.*', '2.*', '3.*', '4.*', '5.*', '6.*', '7.*', 'w.*']);

// Autobahn's timers (0.5-10 s) only fire when a server misbehaves; scaled up, a correct server on a
// loaded machine is never cut short, and a broken one is still caught.
const CORRECT = { timeScale: 4 };
const SLOW = 240_000;

describe('the ws library\'s echo server', () => {
  let echo: EchoTarget;
  beforeAll(async () => {
    echo = await startWsEcho();
  });
  afterAll(() => echo.close());

  test('passes every case of chapters 1-7 and w.1: 6.4.x NON-STRICT (UTF-8 checked when the message is complete), 7.1.6 and 7.13.x INFORMATIONAL, the rest OK', async () => {
    const results = await runCases(echo.url, CASES, CORRECT);
    expect(notPlainOk(results)).toEqual(ECHO_NOT_PLAIN_OK);
    expect(failedIds(results)).toEqual([]);
    const r = results.find((x) => x.id === 'w.1.1')!;
    expect(r.close.remoteCloseCode).toBe(1002);
    expect(r.close.closedByMe).toBe(false);
    expect(r.rfc).toBe('5.1');
    expect(r.why).toBe('Every frame a client sends must be masked; a server must fail the connection (1002) on an unmasked one. The server did exactly that.');
  }, SLOW);
});

test("ws with permessage-deflate enabled gets the same verdicts (the suite's client offers no extension until chapters 12-13)", async () => {
  const echo = await startWsEcho(true);
  try {
    const results = await runCases(echo.url, selectCases(['1.*', '3.*', '5.*', '7.*']), CORRECT);
    expect(notPlainOk(results)).toEqual({ '7.1.6': ECHO_NOT_PLAIN_OK['7.1.6'], '7.13.1': ECHO_NOT_PLAIN_OK['7.13.1'], '7.13.2': ECHO_NOT_PLAIN_OK['7.13.2'] });
  } finally {
    await echo.close();
  }
}, SLOW);

describe('servers broken on purpose', () => {
  const servers: { close(): Promise<void> }[] = [];
  afterAll(async () => {
    for (const s of servers) await s.close();
  });
  async function run(flaw: Flaw | null, patterns: string[], options = {}) {
    const s = await startFlawedServer(flaw);
    servers.push(s);
    return runCases(s.url, selectCases(patterns), { timeScale: 2, ...options });
  }

  test('the same server without its flaw passes every case (chapters 12-13 UNIMPLEMENTED: it offers no permessage-deflate)', async () => {
    const results = await run(null, ['*'], CORRECT);
    const unimplemented = Object.fromEntries(ids(selectCases(['12.*', '13.*'])).map((id) => [id, ['UNIMPLEMENTED', 'OK']]));
    expect(notPlainOk(results)).toEqual({ ...ECHO_NOT_PLAIN_OK, ...unimplemented });
  }, SLOW);

  test('one that echoes invalid UTF-8 fails exactly the cases sending invalid UTF-8 text (6.3, 6.4 and the invalid 6.5-6.21 sequences)', async () => {
    const results = await run('echoes-invalid-utf8', ['6.*']);
    const invalid = selectCases(['6.*']).filter((c) => c.expectedClose.closeCode.includes(1007));
    expect(invalid.length).toBe(75);
    expect(failedIds(results)).toEqual(ids(invalid));
    const r = results.find((x) => x.id === '6.3.1')!;
    expect([r.behavior, r.behaviorClose]).toEqual(['FAILED', 'FAILED']);
    expect(r.close.serverViolation).toMatch(/UTF-8/);
    expect(r.why).toContain('The client had to close the connection where the server should have failed it');
  }, SLOW);

  test('one that accepts reserved opcodes fails all of chapter 4 and nothing else of chapters 3-5', async () => {
    const results = await run('accepts-reserved-opcodes', ['3.*', '4.*', '5.*']);
    expect(failedIds(results)).toEqual(ids(selectCases(['4.*'])));
    const r = results.find((x) => x.id === '4.1.3')!;
    expect(r.behavior).toBe('FAILED');
    expect(r.why).toContain('Expected a text message of 13 bytes, but the server sent a text message of 13 bytes, then a Pong of 0 bytes.');
  }, SLOW);

  test('one that ignores Pings fails exactly the cases that expect a Pong', async () => {
    const results = await run('ignores-pings', ['2.*', '5.*']);
    const wantPong = selectCases(['2.*', '5.*']).filter((c) => (c.expected.OK ?? []).some((e) => e.type === 'pong'));
    expect(ids(wantPong)).toEqual(['2.1', '2.2', '2.3', '2.4', '2.6', '2.9', '2.10', '2.11', '5.6', '5.7', '5.8', '5.19', '5.20']);
    expect(failedIds(results)).toEqual(ids(wantPong));
    expect(results.find((x) => x.id === '2.1')!.why).toBe('A Ping must be answered by a Pong with the same payload. Expected a Pong of 0 bytes, but the server sent nothing.');
  }, SLOW);

  test('one that never answers a Close fails every case where the client closes: UNCLEAN where a clean close is required, FAILED BY CLIENT elsewhere', async () => {
    const results = await run('never-answers-close', ['1.*', '2.*', '7.*'], { closeTimeoutMs: 300 });
    // 7.3.6's Close declares 126 bytes: the server refuses its header (1002) before reading it as a Close.
    const clientCloses = selectCases(['1.*', '2.*', '7.*']).filter((c) => c.expectedClose.closedByMe && c.post !== 'informational' && c.id !== '7.3.6');
    expect(failedIds(results)).toEqual(ids(clientCloses));
    const closes = Object.fromEntries(results.filter(caseFailed).map((r) => [r.id, r.behaviorClose]));
    for (const c of clientCloses) expect(closes[c.id]).toBe(c.expectedClose.requireClean ? 'UNCLEAN' : 'FAILED BY CLIENT');
    expect(results.find((x) => x.id === '1.1.1')!.why).toContain("the server did not answer the client's Close within 300 ms");
    expect(results.find((x) => x.id === '7.3.6')!.close.remoteCloseCode).toBe(1002);
  }, SLOW);
});

describe('wslab conform, the command', () => {
  let lab: TestServer;
  let out: string;
  beforeAll(async () => {
    lab = await startTestServer();
    out = mkdtempSync(join(tmpdir(), 'wslab-conform-'));
  });
  afterAll(async () => {
    await lab.close();
    rmSync(out, { recursive: true, force: true });
  });

  test("passes every case against wslab's own /lab/echo; --json prints one object per case and the summary; --out writes Autobahn's index.json and case files", async () => {
    const r = await runWslab(['conform', lab.wsUrl('/lab/echo'), '--cases', '1.*,2.*,3.*,4.*,5.*,6.*,7.*,w.*', '--json', '--out', out, '--agent', 'wslab echo', '--time-scale', '4'], { timeoutMs: SLOW });
    expect(r.stderr).toContain('Autobahn-format reports in');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.length).toBe(CASES.length + 1);
    expect(lines.slice(0, -1).map((l) => l.id)).toEqual(ids(CASES));
    expect(Object.keys(lines[0]).sort()).toEqual(['behavior', 'behaviorClose', 'durationMs', 'expected', 'id', 'observed', 'remoteCloseCode', 'rfc', 'why']);
    // The lab's default --max-payload (64 KiB) refuses 7.1.6's 256 KiB message with 1009: informational.
    const informational = lines.filter((l) => l.behavior === 'INFORMATIONAL').map((l) => l.id);
    expect(informational).toEqual(['7.1.6', '7.13.1', '7.13.2']);
    expect(lines.find((l) => l.id === '7.1.6').remoteCloseCode).toBe(1009);
    expect(lines.at(-1)).toEqual({
      summary: { OK: CASES.length - 7, 'NON-STRICT': 4, INFORMATIONAL: 3, UNIMPLEMENTED: 0, FAILED: 0 },
      autobahn: { OK: CASES.length - 7 - 7, 'NON-STRICT': 4, INFORMATIONAL: 3, UNIMPLEMENTED: 0, FAILED: 0 },
      wslab: { OK: 7, 'NON-STRICT': 0, INFORMATIONAL: 0, UNIMPLEMENTED: 0, FAILED: 0 },
    });
    const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8'));
    expect(Object.keys(index)).toEqual(['wslab echo']);
    expect(Object.keys(index['wslab echo'])).toEqual(ids(CASES));
    expect(index['wslab echo']['6.4.1']).toMatchObject({ behavior: 'NON-STRICT', behaviorClose: 'OK', remoteCloseCode: 1007, reportfile: 'wslab_echo_case_6_4_1.json' });
    expect(caseReportFilename('wslab echo', '6.4.1')).toBe('wslab_echo_case_6_4_1.json');
    const one = JSON.parse(readFileSync(join(out, 'wslab_echo_case_2_2.json'), 'utf8'));
    expect(one).toMatchObject({ agent: 'wslab echo', id: '2.2', behavior: 'OK', behaviorClose: 'OK', received: [['pong', 'Hello, world!']], expected: { OK: [['pong', 'Hello, world!']] }, remoteCloseCode: 1000, wasClean: true });
    for (const c of CASES) expect(existsSync(join(out, caseReportFilename('wslab echo', c.id)))).toBe(true);
  }, SLOW);

  test('prints a table by default and exits 1 when a case fails', async () => {
    const s = await startFlawedServer('ignores-pings');
    try {
      const r = await runWslab(['conform', s.url, '--cases', '2.1,2.5']);
      expect(r.code).toBe(1);
      const lines = r.stdout.split('\n');
      expect(lines[0]).toBe(`Testing ${s.url} (agent "127.0.0.1:${s.port}"): 2 cases`);
      expect(lines.find((l) => l.startsWith('2.1 '))).toMatch(/^2\.1\s+FAILED\s+OK\s+\d+ ms\s+§5\.5\.2\s+Send a Ping with no payload\.$/);
      expect(lines).toContain('          A Ping must be answered by a Pong with the same payload. Expected a Pong of 0 bytes, but the server sent nothing.');
      expect(lines.find((l) => l.startsWith('2.5 '))).toMatch(/^2\.5\s+OK\s+OK\s/);
      expect(lines).toContain('1 case failed: 2.1');
    } finally {
      await s.close();
    }
  });

  test('usage errors exit 2 with a sentence; an unreachable server exits 1', async () => {
    const none = await runWslab(['conform']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('give exactly one URL');
    const http = await runWslab(['conform', 'http://127.0.0.1:1/']);
    expect(http.code).toBe(2);
    expect(http.stderr).toContain('the URL must start with ws:// or wss://, got http://');
    const pattern = await runWslab(['conform', 'ws://127.0.0.1:1/', '--cases', '99.*']);
    expect(pattern.code).toBe(2);
    expect(pattern.stderr).toContain('no case matches --cases 99.*');
    const flag = await runWslab(['conform', 'ws://127.0.0.1:1/', '--bogus']);
    expect(flag.code).toBe(2);
    const s = await startFlawedServer(null);
    const port = s.port;
    await s.close();
    const gone = await runWslab(['conform', `ws://127.0.0.1:${port}/`]);
    expect(gone.code).toBe(1);
    const scale = await runWslab(['conform', 'ws://127.0.0.1:1/', '--time-scale', 'fast']);
    expect(scale.code).toBe(2);
    expect(scale.stderr).toContain('--time-scale must be a number from 0.1 to 20');
    expect(gone.stderr).toMatch(new RegExp(`^wslab conform: cannot open a WebSocket to ws://127\\.0\\.0\\.1:${port}/: cannot connect: .*ECONNREFUSED`));
  });
});

describe('reading the server, however its bytes are split', () => {
  test('gives the same verdicts when the server writes its handshake answer and frames in pieces of any size', async () => {
    const picked = ['1.1.3', '1.2.6', '2.2', '5.6', '6.2.3', '7.3.4', '3.2'];
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 300 }), fc.constantFrom(...picked), async (chunk, id) => {
        const s = await startFlawedServer(null, { chunk });
        try {
          const results = await runCases(s.url, selectCases([id]), { timeScale: 4 });
          expect([results[0].behavior, results[0].behaviorClose]).toEqual(['OK', 'OK']);
          expect(results[0].close.opened).toBe(true);
        } finally {
          await s.close();
        }
      }),
      { numRuns: 12 },
    );
  }, SLOW);
});

test('a server that floods the client is cut off after 1000 events, and the case fails', async () => {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('data', (req) => {
      const key = /sec-websocket-key:\s*(\S+)/i.exec(req.toString('latin1'))![1];
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${computeAccept(key)}\r\n\r\n`);
      socket.write(Buffer.concat(Array.from({ length: 5000 }, () => Buffer.from([0x8a, 0x00]))));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const url = `ws://127.0.0.1:${(server.address() as { port: number }).port}/`;
    const results = await runCases(url, selectCases(['3.1']), { closeTimeoutMs: 500 });
    expect(results[0].received.length).toBe(1000);
    expect(results[0].behavior).toBe('FAILED');
    expect(results[0].close.failedByMe).toBe(true);
    expect(results[0].close.localCloseCode).toBe(1008);
    expect(results[0].wire.length).toBeLessThanOrEqual(2001);
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
