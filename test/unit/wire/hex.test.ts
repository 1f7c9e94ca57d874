// Pasted hex in, hex out (the /decode page and `wslab decode --hex`).
import { describe, expect, it } from 'vitest';
import { parseHex, toHex } from '../../../server/core/wire/index.ts';

const bytesOf = (text: string) => {
  const r = parseHex(text);
  if ('error' in r) throw new Error(r.error);
  return [...r.bytes];
};

describe('parseHex', () => {
  it.each([
    ['81 05 48 65', [0x81, 0x05, 0x48, 0x65]],
    ['0x81,0x05', [0x81, 0x05]],
    ['0x81, 0x5, 0X48', [0x81, 0x05, 0x48]],
    ['8105 4865', [0x81, 0x05, 0x48, 0x65]],
    ['810548656C6C6F', [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]],
    ['\\x81\\x05', [0x81, 0x05]],
    ['[0x81, 0x05]', [0x81, 0x05]],
    ['81:05:48', [0x81, 0x05, 0x48]],
    ['81\n05\r\n48\t65', [0x81, 0x05, 0x48, 0x65]],
    ['', []],
  ])('reads %j', (text, expected) => {
    expect(bytesOf(text)).toEqual(expected);
  });

  it('reads a Wireshark dump with offsets and an ASCII column that looks like hex', () => {
    const dump = [
      '0000  81 05 48 65 6c 6c 6f 82 03 61 62 63 89 00 8a 00   ..Hello..abc....',
      '0010  ab cd                                             ab',
    ].join('\n');
    expect(bytesOf(dump)).toEqual([0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x82, 0x03, 0x61, 0x62, 0x63, 0x89, 0x00, 0x8a, 0x00, 0xab, 0xcd]);
  });

  it('reads hexdump -C output (two spaces in the middle, |ASCII|)', () => {
    const dump = '00000000  81 05 48 65 6c 6c 6f 0a  62 63 64 65 66 00 01 02  |..Hello.bcdef...|\n00000010  ff                                                |.|';
    expect(bytesOf(dump)).toEqual([0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x0a, 0x62, 0x63, 0x64, 0x65, 0x66, 0x00, 0x01, 0x02, 0xff]);
  });

  it('reads xxd output (4-digit groups)', () => {
    expect(bytesOf('00000000: 8105 4865 6c6c 6f                        ..Hello')).toEqual([0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]);
  });

  it('names every part it could not read, with line and column', () => {
    expect(parseHex('81 zz 05\n0x8g')).toEqual({ error: "could not parse: 'zz' (line 1, column 4) is not hex; '8g' (line 2, column 1) is not hex" });
  });

  it('rejects an odd number of digits instead of guessing', () => {
    expect(parseHex('810')).toEqual({ error: "could not parse: '810' (line 1, column 1) has an odd number of hex digits" });
  });
});

describe('toHex', () => {
  it('joins lowercase pairs with a separator', () => {
    expect(toHex(Uint8Array.of(0x81, 0x05, 0xff))).toBe('81 05 ff');
    expect(toHex(Uint8Array.of(0x81, 0x05), '')).toBe('8105');
    expect(toHex(new Uint8Array(0))).toBe('');
  });

  it('round-trips through parseHex', () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(parseHex(toHex(bytes))).toEqual({ bytes });
  });
});
