// A bug inside the codec must not be swallowed: the reader stops and says what was thrown, the
// tap turns it into an `error` event with source "decoder", and `wslab decode` exits 3 with a
// sentence. The failure is injected through the reader's own isUtf8 option (called on every
// complete single-frame text message, after the frame itself was decoded), so no module is mocked.
import { PassThrough } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { runDecode } from '../../server/cli/decode.ts';
import { EventBus } from '../../server/stream/bus.ts';
import { parseEvent, type WslabEvent } from '../../server/core/events/schema.ts';
import { DirectionTap } from '../../server/connection/tap/direction.ts';
import { createReader } from '../../server/core/wire/index.ts';
import type { ReaderOptions } from '../../server/core/wire/types.ts';

const broken = (opts: ReaderOptions) =>
  createReader({
    ...opts,
    isUtf8: () => {
      throw new Error('isUtf8 exploded');
    },
  });

// "Hello" as a text frame, then a binary frame: the second is never reached.
const HELLO = [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f];
const BIN = [0x82, 0x01, 0x00];

describe('reader internal error', () => {
  test('the reader records what was thrown, yields nothing from then on, and finish() returns null', () => {
    const reader = broken({ direction: 'server' });
    expect(reader.internalError).toBeNull();
    // the frame was complete before its message check threw
    expect(reader.push(new Uint8Array(HELLO)).map((e) => e.type)).toEqual(['frame']);
    expect(reader.internalError).toBe('isUtf8 exploded');
    expect(reader.push(new Uint8Array(BIN))).toEqual([]);
    expect(reader.finish()).toBeNull();
  });

  test('the tap emits one error event with source "decoder", then stays quiet for that direction', () => {
    const bus = new EventBus({ historySize: 100, allocate: (n) => Buffer.allocUnsafe(n) });
    const events: WslabEvent[] = [];
    bus.subscribe((_e, entry) => events.push(JSON.parse(entry.json) as WslabEvent));
    const sink = { emit: (b: Parameters<EventBus['publish']>[0]) => bus.publish(b), onFrame() {}, onViolation() {} };
    const reader = broken({ direction: 'server' });
    const tap = new DirectionTap('s2c', 'c7', sink, bus, 64 * 1024, 129, null, reader);
    tap.push(Buffer.from(HELLO));
    tap.push(Buffer.from(BIN));
    tap.push(Buffer.from(HELLO));
    expect(events.map((e) => e.type)).toEqual(['frame', 'error']);
    const e = events[1];
    expect(parseEvent(e).ok).toBe(true);
    expect(e).toMatchObject({ type: 'error', conn: 'c7', dir: 's2c', source: 'decoder' });
    expect((e as Extract<WslabEvent, { type: 'error' }>).message).toBe(
      "The decoder failed on the server's bytes and stops decoding this direction; the connection itself carries on. This is a bug in wslab: isUtf8 exploded",
    );
  });

  test('wslab decode prints nothing it did not decode, explains on stderr and exits 3', async () => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stdout.on('data', (d) => (out += d));
    stderr.on('data', (d) => (err += d));
    const hex = [...BIN, ...HELLO].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    const code = await runDecode(['--hex', hex], new PassThrough(), stdout, stderr, broken);
    expect(code).toBe(3);
    // the frames decoded before the failure are printed, and no "incomplete" or violation after them
    expect(out.trim().split('\n').map((l) => JSON.parse(l).opcodeName)).toEqual(['BINARY', 'TEXT']);
    expect(err).toBe('wslab decode: the decoder failed after byte 10 and stopped; this is a bug in wslab, not in the bytes: isUtf8 exploded\n');
  });
});
