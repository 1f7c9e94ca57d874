// RFC 6455 §8.1 / RFC 3629: the streaming UTF-8 validator.
import { describe, expect, it } from 'vitest';
import { firstInvalidUtf8, Utf8Validator } from '../../../server/core/wire/index.ts';

const b = (...xs: number[]) => Uint8Array.from(xs);

describe('RFC 3629 UTF-8 validation (RFC 6455 §8.1)', () => {
  it('accepts ASCII, 2-, 3- and 4-byte characters and the boundaries U+0080, U+07FF, U+FFFF, U+10FFFF', () => {
    for (const s of ['', 'hello', 'é', '€', '😀', '\u0080', '\u07ff', '\uffff', '\u{10ffff}', 'aé€😀'.repeat(50)]) {
      expect(firstInvalidUtf8(new TextEncoder().encode(s))).toBe(-1);
    }
  });

  it.each([
    ['a lone continuation byte', b(0x61, 0x80), 1],
    ['overlong C0 AF', b(0xc0, 0xaf), 0],
    ['overlong E0 80 AF fails at 80', b(0xe0, 0x80, 0xaf), 1],
    ['the surrogate ED A0 80 fails at A0', b(0xed, 0xa0, 0x80), 1],
    ['overlong F0 80 80 80 fails at the second byte', b(0xf0, 0x80, 0x80, 0x80), 1],
    ['above U+10FFFF: F4 90 80 80 fails at 90', b(0xf4, 0x90, 0x80, 0x80), 1],
    ['F5 is never valid', b(0x61, 0x62, 0xf5), 2],
    ['FF is never valid', b(0xff), 0],
    ['a lead byte followed by ASCII fails at the ASCII byte', b(0xe2, 0x82, 0x41), 2],
  ])('%s', (_name, bytes, at) => {
    expect(firstInvalidUtf8(bytes)).toBe(at);
  });

  it('a text cut inside a character reports the character start', () => {
    expect(firstInvalidUtf8(b(0x61, 0x62, 0xf0, 0x9f, 0x98))).toBe(2);
  });

  it('keeps state across pushes, so a character may be split anywhere', () => {
    const euro = b(0xe2, 0x82, 0xac);
    for (let cut = 0; cut <= 3; cut++) {
      const v = new Utf8Validator();
      expect(v.push(euro.subarray(0, cut))).toBe(-1);
      expect(v.complete).toBe(cut === 0 || cut === 3);
      expect(v.pending).toBe(cut === 3 ? 0 : cut);
      expect(v.push(euro.subarray(cut))).toBe(-1);
      expect(v.complete).toBe(true);
    }
  });

  it('reports the index inside the current push when the invalid byte comes later', () => {
    const v = new Utf8Validator();
    expect(v.push(b(0x61, 0xe2))).toBe(-1);
    expect(v.push(b(0x82, 0x28))).toBe(1);
  });

  it('checks only bytes[start, end)', () => {
    const v = new Utf8Validator();
    expect(v.push(b(0xff, 0x61, 0x62, 0xff), 1, 3)).toBe(-1);
    v.reset();
    expect(v.push(b(0x61, 0x61, 0x61, 0x61, 0x61, 0xff), 0)).toBe(5);
  });
});
