// JsonBytes writes JSON straight into bytes; every value it writes must be byte-for-byte what
// JSON.stringify writes for it (observers and the web app parse it with JSON.parse, scripts may
// compare it as text).
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { JsonBytes, hexJsonBound, utf8JsonBound } from '../../server/core/events/json-bytes.ts';

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** Runs `write` on a fresh writer and returns what it wrote, as text. */
function written(write: (w: JsonBytes) => void, size = 1 << 16): string {
  const w = new JsonBytes(new Uint8Array(size));
  write(w);
  return decoder.decode(w.buf.subarray(0, w.pos));
}

/** Strings that are valid UTF-16 (no lone surrogates): what UTF-8 bytes can carry. */
const wellFormed = fc.string({ unit: 'grapheme', maxLength: 80 });
/** Anything, lone surrogates and control characters included. */
const anyString = fc.string({ unit: 'binary', maxLength: 80 });

describe('JsonBytes', () => {
  test('utf8(): the JSON string of any valid UTF-8 text, exactly as JSON.stringify writes it', () => {
    fc.assert(
      fc.property(wellFormed, (s) => {
        const bytes = encoder.encode(s);
        const out = written((w) => w.utf8(bytes));
        expect(out).toBe(JSON.stringify(s));
        expect(encoder.encode(out).length).toBeLessThanOrEqual(utf8JsonBound(bytes.length));
      }),
      { numRuns: 2000 },
    );
  });

  test('utf8() escapes every control character, quote and backslash the way JSON.stringify does', () => {
    const all = Array.from({ length: 0x80 }, (_, i) => String.fromCharCode(i)).join('') + '"\\\u2028\u2029\u00ff';
    expect(written((w) => w.utf8(encoder.encode(all)))).toBe(JSON.stringify(all));
    // a range inside a larger buffer
    const bytes = encoder.encode('xx"a\nb"yy');
    expect(written((w) => w.utf8(bytes, 2, 7))).toBe(JSON.stringify('"a\nb"'));
  });

  test('str() is JSON.stringify for any string, lone surrogates included', () => {
    fc.assert(
      fc.property(anyString, (s) => {
        expect(written((w) => w.str(s))).toBe(JSON.stringify(s));
      }),
      { numRuns: 2000 },
    );
  });

  test('uint() writes integers as JSON does, up to 2^53', () => {
    for (const n of [0, 7, 9, 10, 99, 100, 1024, 65_535, 2 ** 32, Number.MAX_SAFE_INTEGER]) {
      expect(written((w) => w.uint(n))).toBe(JSON.stringify(n));
    }
    fc.assert(
      fc.property(fc.nat({ max: Number.MAX_SAFE_INTEGER }), (n) => {
        expect(written((w) => w.uint(n))).toBe(String(n));
      }),
    );
  });

  test('micros() writes a time in whole µs as JS prints Math.round(ms * 1000) / 1000', () => {
    for (const us of [0, 1, 10, 100, 1000, 1001, 1010, 1100, 12_345, 12_050, 12_005, 12_500, 86_400_000_000]) {
      expect(written((w) => w.micros(us))).toBe(JSON.stringify(us / 1000));
    }
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e9, noNaN: true }), (ms) => {
        const us = Math.round(ms * 1000);
        expect(written((w) => w.micros(us))).toBe(JSON.stringify(Math.round(ms * 1000) / 1000));
      }),
      { numRuns: 5000 },
    );
  });

  test('hex() writes lower-case hex of a byte range in quotes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.nat(), fc.nat(), (bytes, a, b) => {
        const start = bytes.length ? a % (bytes.length + 1) : 0;
        const end = start + (bytes.length - start ? b % (bytes.length - start + 1) : 0);
        const out = written((w) => w.hex(bytes, start, end));
        expect(out).toBe(JSON.stringify(Buffer.from(bytes.subarray(start, end)).toString('hex')));
        expect(out.length).toBe(hexJsonBound(end - start));
      }),
    );
  });

  test('null(), bool(), uint(), raw and encoded text', () => {
    expect(written((w) => {
      w.byte(0x5b);
      w.null();
      w.raw(',');
      w.bool(true);
      w.raw(',');
      w.bool(false);
      w.raw(',');
      w.uint(42);
      w.raw(',');
      w.null();
      w.raw(',');
      w.encoded('"é"');
      w.byte(0x5d);
    })).toBe(JSON.stringify([null, true, false, 42, null, 'é']));
  });
});
