// The lessons' computable facts held to the codec and to a live server: every "predict, then
// check" quiz is played against this server's craft API and must measure what its right choice
// says; the figures the corrected lessons quote (header sizes, the heartbeat's cost with TCP/IP
// overhead, 1.26 MB/s, 500,500 frames, 28,232 ports, ws's 100 MiB maxPayload) are recomputed.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { WebSocketServer } from 'ws';
import { computeAccept, encodeFrame } from '../../server/core/wire/index.ts';
import type { CraftResult } from '../../server/core/api/playground.ts';
import { findLesson, parseLessons, quizzesOf } from '../../web/src/lessons/model.ts';
import { craftBody, measure } from '../../web/src/lessons/quiz.ts';
import { useLabServer, type TestServer } from '../helpers/server.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = join(ROOT, 'lessons');
const raw = Object.fromEntries(readdirSync(dir).filter((f) => f.endsWith('.md')).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
const lessons = parseLessons(raw);
const text = (id: string) => raw[Object.keys(raw).find((f) => f.endsWith(`-${id}.md`))!];

let t: TestServer;
useLabServer((server) => (t = server));

test('every "predict, then check" quiz measures, on the live server, the value its right choice names', async () => {
  const checked: string[] = [];
  for (const l of lessons) {
    for (const q of quizzesOf(l)) {
      if (!q.check) continue;
      const res = await fetch(`${t.httpUrl}/__wslab/craft`, { method: 'POST', body: JSON.stringify(craftBody(q.check)) });
      expect(res.status, `${l.id}#${q.index}`).toBe(200);
      const m = measure(q.check, (await res.json()) as CraftResult);
      expect(m, `${l.id}#${q.index}`).toMatchObject({ value: q.check.expect });
      expect(q.choices[q.answer]).toContain(String(q.check.expect));
      checked.push(`${l.id}#${q.index}=${'value' in m ? m.value : m.error}`);
    }
  }
  expect(checked).toEqual(['frames-and-opcodes#1=8', 'frames-and-opcodes#2=1002', 'data-types#2=1007', 'ghosts-and-heartbeats#2=7']);
});

test('header sizes: 2/4/10 for a server, 6/8/14 for a client, as the frames lesson and its key numbers say', () => {
  const size = (n: number, masked: boolean) => encodeFrame({ opcode: 2, payload: new Uint8Array(n), maskingKey: masked ? new Uint8Array(4) : null }).length - n;
  expect([size(125, false), size(126, false), size(65_536, false)]).toEqual([2, 4, 10]);
  expect([size(125, true), size(300, true), size(65_536, true)]).toEqual([6, 8, 14]);
  expect(findLesson(lessons, 'frames-and-opcodes')!.numbers.slice(0, 2)).toEqual([
    '2 / 4 / 10 B: server header for 0-125 / ≤ 65,535 / larger payloads',
    '6 / 8 / 14 B: the same for a client (plus the 4-byte mask)',
  ]);
  expect(computeAccept('dGhlIHNhbXBsZSBub25jZQ==')).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
});

test("the heartbeat's cost: 8 WebSocket bytes, about 216 on the wire with TCP/IP headers and ACKs; the poll 942 and about 1,150", () => {
  const ping = encodeFrame({ opcode: 9 }).length;
  const pong = encodeFrame({ opcode: 10, maskingKey: new Uint8Array([0x37, 0xfa, 0x21, 0x3d]) }).length;
  expect([ping, pong]).toEqual([2, 6]);
  const TCPIP = 20 + 20 + 12; // IPv4 + TCP + the timestamps option Linux sends by default
  const ACKS = 2 * TCPIP;
  const poll = 545 + 397;
  const beat = ping + pong;
  const rows = [
    [poll, beat],
    [poll + 2 * TCPIP, beat + 2 * TCPIP],
    [poll + 2 * TCPIP + ACKS, beat + 2 * TCPIP + ACKS],
  ];
  expect(rows).toEqual([
    [942, 8],
    [1046, 112],
    [1150, 216],
  ]);
  const lesson = text('ghosts-and-heartbeats');
  expect(lesson).toContain('| WebSocket or HTTP bytes | 942 | 8 |');
  expect(lesson).toContain('| + TCP/IP headers (one segment each way) | 1,046 | 112 |');
  expect(lesson).toContain('| + two ACKs | 1,150 | 216 |');
  // "5 to 10 times", not a hundred
  expect(Math.floor(rows[2][0] / rows[2][1])).toBe(5);
  expect(Math.floor(rows[1][0] / rows[1][1])).toBe(9);
  expect(lesson).toContain('**5 to 10 times**');
});

test('the other corrected figures: 1.26 MB/s, 500,500 frames, 28,232 ports, 100 MiB', () => {
  const json = new TextEncoder().encode('{"x":312.5,"y":-87.25,"hp":97}').length;
  const bin = new DataView(new ArrayBuffer(9));
  bin.setFloat32(0, 312.5, true);
  bin.setFloat32(4, -87.25, true);
  bin.setUint8(8, 97);
  expect([json, bin.byteLength]).toEqual([30, 9]);
  expect((json - bin.byteLength) * 60 * 1000).toBe(1_260_000);
  expect(text('data-types')).toContain('about 1.26 MB/s of payload saved (21 × 60 × 1,000)');
  let frames = 0;
  for (let k = 1; k <= 1000; k++) frames += k;
  expect(frames).toBe(500_500);
  expect(text('delivery-patterns')).toContain('**500,500** frames');
  expect(60999 - 32768 + 1).toBe(28_232);
  expect(text('stateful-connections')).toContain('**28,232 ports**');
  const wss = new WebSocketServer({ noServer: true });
  expect(wss.options.maxPayload).toBe(100 * 1024 * 1024);
  wss.close();
  expect(text('message-design')).toContain('default `maxPayload` of 100 MiB');
});
