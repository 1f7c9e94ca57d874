// The frame builder's answer places a broken rule in the bytes the learner built: the craft API
// says where those bytes start in the TCP stream, and the tap's offset minus that is the byte.
import { expect, test } from 'vitest';
import { useLabServer, type Collector, type TestServer } from '../helpers/server.ts';
import { violationPlace } from '../../web/src/builder/model.ts';

let t: TestServer;
let log: Collector;
useLabServer((server, events) => {
  t = server;
  log = events;
});

const craft = async (frames: unknown[]) => {
  const res = await fetch(`${t.httpUrl}/__wslab/craft`, { method: 'POST', body: JSON.stringify({ frames }) });
  expect(res.status).toBe(200);
  return (await res.json()) as { conn: string; streamOffset: number; sentHex: string };
};

test('an unmasked 7-byte frame is refused at byte 1 of what was built (its MASK bit), the stream offset after the upgrade request', async () => {
  const r = await craft([{ opcode: 1, mask: false, payloadText: 'Hello' }]);
  expect(r.sentHex).toBe('810548656c6c6f');
  const err = await log.waitForType('error', (e) => e.conn === r.conn && e.violation !== undefined);
  expect(err.violation).toMatchObject({ closeCode: 1002, rfc: '5.1' });
  expect(err.violation!.offset).toBe(r.streamOffset + 1);
  expect(violationPlace(err.violation!.offset, r.streamOffset, [7])).toMatchObject({ built: 1, frame: 0, inFrame: 1 });
});

test('bad UTF-8 is named once: the reason\'s byte and the built offset agree', async () => {
  // "Hello" then 0xff in a masked text frame: 6 header bytes, the bad byte is payload byte 5
  const r = await craft([{ opcode: 1, mask: true, maskingKey: '37fa213d', payloadHex: '48656c6c6fff' }]);
  const err = await log.waitForType('error', (e) => e.conn === r.conn && e.violation !== undefined);
  expect(err.violation).toMatchObject({ closeCode: 1007 });
  const place = violationPlace(err.violation!.offset, r.streamOffset, [12]);
  expect(place).toMatchObject({ built: 11, frame: 0, inFrame: 11 });
  expect(err.violation!.reason).toBe('Byte 11 (0xff) cannot appear here in UTF-8, and text messages must be valid UTF-8.');
});
