// Export: live connections through wslab's echo lab, exported from the history as pcapng
// (synthesised TCP) and as a HAR. tshark's WebSocket dissector reads the pcapng's frames exactly as
// the tap recorded them; wslab's own import reads both files back to the same frames and messages.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openClient, startTestServer, shut, until, type TestServer } from '../helpers/server.ts';
import { tsharkAvailable, tsharkJson } from '../helpers/capture.ts';
import { exportHar, exportPcapng } from '../../server/core/export/index.ts';
import { importFile, type TimedBody } from '../../server/core/import/index.ts';
import type { EventOf, WslabEvent } from '../../server/core/events/schema.ts';

const dir = mkdtempSync(join(tmpdir(), 'wslab-export-'));
let t: TestServer;
let events: WslabEvent[] = [];
let conn = '';

beforeAll(async () => {
  t = await startTestServer({ heartbeat: { intervalMs: 0 } });
  const ws = await openClient(t.wsUrl("/lab/echo"));
  let got = 0;
  const echoed = new Promise<void>((r) => ws.on('message', () => ++got === 3 && r()));
  ws.send('hello');
  ws.send(Buffer.from([0, 1, 2, 3, 254, 255]), { binary: true });
  ws.send('frag', { fin: false });
  ws.send('ment', { fin: true });
  ws.ping('pp');
  await echoed;
  ws.close(1000, 'done');
  await shut(ws);
  // a second connection with a message longer than the 64 bytes a frame event keeps
  const long = await openClient(t.wsUrl('/lab/echo'));
  const back = new Promise((r) => long.once('message', r));
  long.send('z'.repeat(300));
  await back;
  long.close(1000, 'long');
  await shut(long);
  events = (await until(async () => {
    const text = await (await fetch(`${t.httpUrl}/__wslab/events`)).text();
    const list = text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as WslabEvent);
    return list.filter((e) => e.type === 'close').length === 2 ? list : null;
  }, 10_000, 'the close event'))!;
  conn = events.find((e) => e.type === 'conn.open')!.conn as string;
});
afterAll(async () => {
  await t?.close();
  rmSync(dir, { recursive: true, force: true });
});

type Frame = EventOf<'frame'>;
const liveFrames = () => events.filter((e): e is Frame => e.type === 'frame' && e.conn === conn);
const fieldsOf = (f: Frame | Extract<TimedBody, { type: 'frame' }>) => [f.dir, f.offset, f.fin, f.rsv1, f.opcode, f.masked, f.maskingKey, f.payloadLength, f.headerLength, f.headerHex, f.payloadHex, f.closeCode];

describe('pcapng export', () => {
  it('tshark reads every frame as the tap recorded it', () => {
    const { bytes, connections, cutFrames } = exportPcapng(events, { wallClockAtZero: Date.parse('2026-01-01T00:00:00Z'), conn });
    expect([connections, cutFrames]).toEqual([1, 0]);
    const file = join(dir, 'echo.pcapng');
    writeFileSync(file, bytes);
    const live = liveFrames();
    // our own reader first: the same frames, field for field
    const back = importFile(bytes, 'echo.pcapng');
    if (!back.ok) throw new Error(back.error);
    const whole = live;
    const read = back.events.filter((e): e is Extract<TimedBody, { type: 'frame' }> => e.type === 'frame');
    expect(read.map(fieldsOf)).toEqual(whole.map(fieldsOf));
    expect(back.problems).toEqual([]);
    if (!tsharkAvailable) return;
    const dissected = (tsharkJson(file) as { _source: { layers: Record<string, unknown> } }[]).flatMap((pkt) => {
      const l = pkt._source.layers.websocket;
      return (Array.isArray(l) ? l : [l]) as Record<string, unknown>[];
    });
    const theirs = dissected.map((w) => {
      const len7 = Number(w['websocket.payload_length']);
      return [w['websocket.fin'] === '1', Number(w['websocket.opcode']), w['websocket.mask'] === '1', typeof w['websocket.masking_key'] === 'string' ? (w['websocket.masking_key'] as string).replace(/:/g, '') : null, len7 === 126 ? Number(w['websocket.payload_length_ext_16']) : len7];
    });
    expect(theirs).toEqual(whole.map((f) => [f.fin, f.opcode, f.masked, f.maskingKey, f.payloadLength]));
    const text = spawnSync('tshark', ['-r', file, '-Y', 'websocket', '-T', 'fields', '-e', 'websocket.payload.text', '-e', 'websocket.payload.close.status_code'], { encoding: 'utf8' }).stdout.trim().split('\n');
    // tshark shows a text message's text on the frame that ends it (a fragmented one reassembled), a close's code
    const parts: Record<string, string> = {};
    const expected = whole.map((f) => {
      if (f.closeCode !== null) return String(f.closeCode);
      if (f.opcode === 1) parts[f.dir] = '';
      if (f.opcode > 1 || (f.opcode === 0 && parts[f.dir] === undefined)) return '';
      parts[f.dir] += f.text ?? '';
      return f.fin ? parts[f.dir] : '';
    });
    expect(text.map((l) => l.trim())).toEqual(expected);
  });

  it('a frame the history kept only the start of is written cut (captured length below its length), and a reader says so', () => {
    const other = events.filter((e) => e.type === 'conn.open' && e.conn !== conn).map((e) => (e as EventOf<'conn.open'>).conn)[0];
    const { bytes, cutFrames } = exportPcapng(events, { wallClockAtZero: 0, conn: other });
    expect(cutFrames).toBe(2); // the 300-byte text and its echo
    const back = importFile(bytes, 'long.pcapng');
    if (!back.ok) throw new Error(back.error);
    expect(back.problems.length).toBeGreaterThan(0);
    expect(back.problems.join(' ')).toMatch(/snapshot|cut|missing|hole|captured/i);
  });
});

describe('HAR export', () => {
  it("Chrome's shape: one websocket entry, each data message in _webSocketMessages, control frames and frame bits under _ keys; wslab's import reads the messages back", () => {
    const { json, connections } = exportHar(events, { wallClockAtZero: Date.parse('2026-01-01T00:00:00Z') });
    expect(connections).toBe(2);
    const har = JSON.parse(json);
    const [entry] = har.log.entries;
    expect(entry._resourceType).toBe('websocket');
    expect(entry.response.status).toBe(101);
    expect(entry.request.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/lab\/echo$/);
    type M = { type: string; opcode: number; data: string; _frames: { fin: boolean; opcode: number; maskingKey: string | null }[] };
    const msgs = (type: string) => (entry._webSocketMessages as M[]).filter((m) => m.type === type);
    const bin = Buffer.from([0, 1, 2, 3, 254, 255]).toString('base64');
    const sent = [[1, 'hello'], [2, bin], [1, 'fragment']];
    expect(msgs('send').map((m) => [m.opcode, m.data])).toEqual(sent);
    expect(msgs('receive').map((m) => [m.opcode, m.data])).toEqual(sent);
    expect(msgs('send')[2]._frames.map((f) => [f.fin, f.opcode])).toEqual([[false, 1], [true, 0]]);
    expect(har.log.entries[1]._webSocketMessages[0]).toMatchObject({ type: 'send', data: 'z'.repeat(64), _truncated: true, _length: 300 });
    expect(entry._controlFrames.map((c: { type: string; opcode: number }) => [c.type, c.opcode])).toEqual([['send', 9], ['receive', 10], ['send', 8], ['receive', 8]]);
    expect(entry._controlFrames[2]).toMatchObject({ closeCode: 1000, closeReason: 'done' });
    expect(msgs('send')[0]._frames[0].maskingKey).toMatch(/^[0-9a-f]{8}$/);
    const back = importFile(new TextEncoder().encode(json), 'echo.har');
    if (!back.ok) throw new Error(back.error);
    expect([back.connections, back.frames]).toEqual([2, 8]);
    const readBack = (d: string) => back.events.filter((e): e is Extract<TimedBody, { type: 'frame' }> => e.type === 'frame' && e.conn === 'i1' && e.dir === d).map((f) => [f.opcode, f.opcode === 2 ? Buffer.from(f.payloadHex, 'hex').toString('base64') : f.text]);
    expect(readBack('c2s')).toEqual(sent);
    expect(readBack('s2c')).toEqual(sent);
  });
});

describe('wslab export', () => {
  it('from a running server and from a saved session: the same connections, written where asked', async () => {
    const { runExport } = await import('../../server/cli/export.ts');
    const har = join(dir, 'cli.har');
    const pcapng = join(dir, 'cli.pcapng');
    expect(await runExport(['--har', har, String(t.port)], '')).toBe(0);
    expect(await runExport(['--pcapng', pcapng, '--conn', conn, `127.0.0.1:${t.port}`], '')).toBe(0);
    const h = importFile(readFileSync(har), 'cli.har');
    const p = importFile(readFileSync(pcapng), 'cli.pcapng');
    if (!h.ok || !p.ok) throw new Error('export unreadable');
    expect([h.connections, h.frames, p.connections, p.frames]).toEqual([2, 8, 1, liveFrames().length]);
    const session = join(dir, 'session.ndjson');
    writeFileSync(session, events.map((e) => JSON.stringify(e)).join('\n'));
    const fromFile = join(dir, 'from-session.har');
    expect(await runExport(['--har', fromFile, session], '')).toBe(0);
    const f = importFile(readFileSync(fromFile), 'from-session.har');
    expect(f.ok && [f.connections, f.frames]).toEqual([2, 8]);
    expect(await runExport(['--har', har, '--pcapng', pcapng], '')).toBe(2);
    expect(await runExport(['--har', har, '--conn', 'nope', String(t.port)], '')).toBe(1);
  });
});
