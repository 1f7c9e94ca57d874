// Chapters 9, 10, 12 and 13 of `wslab conform` against real servers over real sockets: the ws
// library's echo server passes 9 and 10, gets UNIMPLEMENTED for every compression case without
// permessage-deflate and OK for all of them with it (ws's published Autobahn results), and
// permessage-deflate servers broken on purpose fail exactly the cases that catch their flaw.
import { afterAll, describe, expect, test } from 'vitest';
import { buildCases, selectCases } from '../../server/core/conform/cases.ts';
import { caseFailed } from '../../server/core/conform/verdict.ts';
import type { CaseResult } from '../../server/core/conform/types.ts';
import { startDeflateServer, type DeflateFlaw } from '../helpers/deflate-server.ts';
import { failedIds, ids, runCases, runWslab, startWsEcho } from '../helpers/conform.ts';

const SLOW = 300_000;
/** Small enough for a loaded 2-core machine: 9.1.6 is 64 KiB, 12.x and 13.x send 4 messages each. */
const SCALE = 1 / 256;
const ALL = buildCases(SCALE);
const byVerdict = (rs: readonly CaseResult[]) => {
  const out: Record<string, string[]> = {};
  for (const r of rs) (out[`${r.behavior}/${r.behaviorClose}`] ??= []).push(r.id);
  return out;
};

const servers: { close(): Promise<void> }[] = [];
afterAll(async () => {
  for (const s of servers) await s.close();
});

const run = (url: string, patterns: string[]): Promise<CaseResult[]> => runCases(url, selectCases(patterns, ALL), { timeScale: 4 });

describe("the ws library's echo server", () => {
  test('without permessage-deflate: chapters 9 and 10 all OK, every case of 12 and 13 UNIMPLEMENTED with a clean close', async () => {
    const s = await startWsEcho(false);
    servers.push(s);
    const results = await run(s.url, ['9.*', '10.*', '12.*', '13.*']);
    const v = byVerdict(results);
    expect(Object.keys(v).sort()).toEqual(['OK/OK', 'UNIMPLEMENTED/OK']);
    expect(v['OK/OK']).toEqual(ids(selectCases(['9.*', '10.*'], ALL)));
    expect(v['UNIMPLEMENTED/OK']).toEqual(ids(selectCases(['12.*', '13.*'], ALL)));
    expect(v['UNIMPLEMENTED/OK'].length).toBe(90 + 126);
    expect(failedIds(results)).toEqual([]);
    const r = results.find((x) => x.id === '9.1.6')!;
    expect(r.observed).toMatch(/^1 of 1 text message of 65536 bytes echoed as sent in \d+ ms/);
    expect(results.find((x) => x.id === '13.3.1')!.why).toContain('The server did not accept permessage-deflate, so the case does not apply (Autobahn: UNIMPLEMENTED).');
  }, SLOW);

  test('with permessage-deflate: every case of 12 and 13 OK, the answer to each offer accepted', async () => {
    const s = await startWsEcho(true);
    servers.push(s);
    const results = await run(s.url, ['12.*', '13.*']);
    expect(byVerdict(results)).toEqual({ 'OK/OK': ids(selectCases(['12.*', '13.*'], ALL)) });
    expect(results.find((x) => x.id === '13.5.18')!.observed).toMatch(/^4 of 4 text messages of 131072 bytes echoed as sent in \d+ ms, [\d.]+ ms per round trip; the server accepted "permessage-deflate; client_no_context_takeover; server_no_context_takeover; server_max_window_bits=9"/);
  }, SLOW);

  test('with permessage-deflate and context takeover on both sides and a small window: every case of 12.1 and 13.1 OK', async () => {
    const s = await startWsEcho({ threshold: 0, serverMaxWindowBits: 10 });
    servers.push(s);
    const results = await run(s.url, ['12.1.*', '13.1.*']);
    expect(results.filter((r) => r.behavior !== 'OK' || r.behaviorClose !== 'OK').map((r) => [r.id, r.why])).toEqual([]);
  }, SLOW);
});

describe('permessage-deflate servers broken on purpose', () => {
  async function flawed(flaw: DeflateFlaw | null, patterns: string[]): Promise<CaseResult[]> {
    const s = await startDeflateServer(flaw);
    servers.push(s);
    return run(s.url, patterns);
  }

  test('the same server without its flaw passes every case of 10, 12 and 13', async () => {
    const results = await flawed(null, ['10.*', '12.*', '13.*']);
    expect(results.filter(caseFailed).map((r) => [r.id, r.why])).toEqual([]);
  }, SLOW);

  test('one that sets RSV1 on an uncompressed echo fails every case of 12 and 13 (the client fails the connection with 1007), and none of 9 or 10', async () => {
    const results = await flawed('rsv1-on-plain', ['9.1.*', '10.*', '12.*', '13.*']);
    expect(failedIds(results)).toEqual(ids(selectCases(['12.*', '13.*'], ALL)));
    const r = results.find((x) => x.id === '12.1.1')!;
    expect([r.behavior, r.close.localCloseCode]).toEqual(['FAILED', 1007]);
    // 16 bytes of JSON read as a deflate block happen to inflate, to bytes that are not UTF-8.
    expect(r.close.serverViolation).toBe('a compressed text message inflates to invalid UTF-8 (RFC 6455 §8.1)');
  }, SLOW);

  test('one that echoes compressed bytes without RSV1 fails every case of 12 and 13', async () => {
    const results = await flawed('compressed-without-rsv1', ['12.*', '13.*']);
    expect(failedIds(results)).toEqual(ids(results));
    expect(results.find((x) => x.id === '12.2.1')!.why).toContain('Message 1 came back with other bytes than were sent.');
  }, SLOW);

  test('one that answers a larger server_max_window_bits than asked fails exactly 13.3 and 13.5 (13.7 is a valid answer to its second offer)', async () => {
    const results = await flawed('window-too-large', ['12.1.*', '13.*']);
    expect(failedIds(results)).toEqual(ids(selectCases(['13.3.*', '13.5.*'], ALL)));
    const r = results.find((x) => x.id === '13.3.1')!;
    expect(r.close.opened).toBe(false);
    expect(r.why).toContain('server_max_window_bits=15 is larger than the 9 the client asked for');
  }, SLOW);
});

describe('wslab conform --scale', () => {
  test('sizes chapter 9 and the compression cases by F (a fraction or a decimal); anything outside 1/4096-1 is a usage error', async () => {
    const s = await startWsEcho(true);
    servers.push(s);
    const r = await runWslab(['conform', s.url, '--scale', '1/4096', '--cases', '9.1.6,9.7.1,12.1.1']);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines.find((l) => l.startsWith('9.1.6 '))).toMatch(/^9\.1\.6 +OK +OK .* Send a text message with a payload of 4 KiB \(Autobahn: 16 MiB\) in one frame\.$/);
    expect(lines.find((l) => l.startsWith('9.7.1 '))).toContain('Send 1 text message of 0 bytes one after another (Autobahn: 1000)');
    expect(lines.find((l) => l.startsWith('12.1.1 '))).toMatch(/^12\.1\.1 +OK +OK .* Send 1 compressed text message \(Autobahn: 1000\) of 16 bytes/);
    for (const bad of ['2', '0', '1/8192', 'half']) {
      const u = await runWslab(['conform', s.url, '--scale', bad]);
      expect([u.code, u.stderr]).toEqual([2, "wslab conform: --scale must be a number from 1/4096 to 1, as 0.25 or 1/64 (1 = Autobahn's sizes in chapters 9, 12 and 13)\n"]);
    }
  }, SLOW);
});
