// The decode page's model: pasted text + direction → frames, violation, incomplete; the URL.
import { describe, expect, it } from 'vitest';
import { byteRoles, decodeInput, decodeSearch, dumpRows, readDecodeParams } from '../../web/src/decode/model.ts';
import { EXAMPLES } from '../../web/src/decode/examples.ts';

describe('decodeInput', () => {
  it('decodes the RFC 6455 §5.7 masked Hello from a client', () => {
    const r = decodeInput('81 85 37 fa 21 3d 7f 9f 4d 51 58', 'client');
    expect(r.kind).toBe('decoded');
    if (r.kind !== 'decoded') return;
    expect(r.violation).toBeNull();
    expect(r.incomplete).toBeNull();
    expect(r.frames).toHaveLength(1);
    const f = r.frames[0].frame;
    expect(f.opcode).toBe(1);
    expect(f.masked).toBe(true);
    expect(new TextDecoder().decode(f.payload)).toBe('Hello');
  });

  it('assembles a fragmented message and marks the continuation as part of a text message', () => {
    const r = decodeInput('01 03 48 65 6c 80 02 6c 6f', 'server');
    if (r.kind !== 'decoded') throw new Error(r.kind);
    expect(r.frames.map((d) => d.messageOpcode)).toEqual([1, 1]);
    expect(r.frames[0].assembled).toBeNull();
    expect(r.frames[1].assembled?.frames).toBe(2);
    expect(new TextDecoder().decode(r.frames[1].assembled!.payload)).toBe('Hello');
  });

  it('reports an unmasked client frame as 1002 at byte 1', () => {
    const r = decodeInput('81 05 48 65 6c 6c 6f', 'client');
    if (r.kind !== 'decoded') throw new Error(r.kind);
    expect(r.violation).toMatchObject({ closeCode: 1002, offset: 1 });
    expect(r.incomplete).toBeNull();
  });

  it('accepts the same bytes when the direction is unknown', () => {
    const r = decodeInput('81 05 48 65 6c 6c 6f', 'any');
    if (r.kind !== 'decoded') throw new Error(r.kind);
    expect(r.violation).toBeNull();
    expect(r.frames).toHaveLength(1);
  });

  it('reports bytes that end inside a frame', () => {
    const r = decodeInput('81 05 48 65', 'server');
    if (r.kind !== 'decoded') throw new Error(r.kind);
    expect(r.incomplete).toEqual({ offset: 0, needed: 3 });
  });

  it('passes parse errors through and treats blank input as empty', () => {
    expect(decodeInput('zz', 'any').kind).toBe('error');
    expect(decodeInput('  \n', 'any').kind).toBe('empty');
  });

  it('gives every example the outcome its label promises', () => {
    for (const ex of EXAMPLES) {
      const r = decodeInput(ex.hex, ex.dir);
      expect(r.kind, ex.label).toBe('decoded');
      if (r.kind !== 'decoded') continue;
      expect(r.incomplete, ex.label).toBeNull();
      if (ex.label.startsWith('bad')) expect(r.violation, ex.label).not.toBeNull();
      else expect(r.violation, ex.label).toBeNull();
    }
  });
});

describe('byteRoles', () => {
  it('splits a masked frame into header, key and payload', () => {
    const r = decodeInput('81 85 37 fa 21 3d 7f 9f 4d 51 58', 'client');
    if (r.kind !== 'decoded') throw new Error(r.kind);
    expect(byteRoles(r).map((b) => b.role)).toEqual(['header', 'header', 'key', 'key', 'key', 'key', 'payload', 'payload', 'payload', 'payload', 'payload']);
  });
  it('marks the extended length, and the bytes of an incomplete frame', () => {
    const payload = Array.from({ length: 126 }, () => '00').join(' ');
    const r = decodeInput(`82 7e 00 7e ${payload} 82 05 01`, 'server');
    if (r.kind !== 'decoded') throw new Error(r.kind);
    expect(r.incomplete).toEqual({ offset: 130, needed: 4 });
    const roles = byteRoles(r);
    expect(roles.slice(0, 5).map((b) => b.role)).toEqual(['header', 'header', 'length', 'length', 'payload']);
    expect(roles[129]).toEqual({ role: 'payload', frame: 0 });
    expect(roles.slice(130).map((b) => b.role)).toEqual(['incomplete', 'incomplete', 'incomplete']);
  });
  it('leaves the bytes after a violation undecoded', () => {
    const r = decodeInput('81 05 48 65 6c 6c 6f', 'client');
    if (r.kind !== 'decoded') throw new Error(r.kind);
    expect(byteRoles(r).every((b) => b.role === 'undecoded')).toBe(true);
  });
});

describe('dumpRows', () => {
  it('draws every row of a short input', () => {
    expect(dumpRows(40, null)).toEqual([0, 16, 32]);
  });
  it('limits long inputs and keeps the rows around the focus byte', () => {
    const rows = dumpRows(16 * 200, 16 * 150 + 3, 4);
    expect(rows).toEqual([0, 16, 32, 48, null, 16 * 148, 16 * 149, 16 * 150, 16 * 151, 16 * 152, null]);
  });
});

describe('the URL', () => {
  it('round-trips hex and direction', () => {
    const search = decodeSearch({ hex: '81 05 48', dir: 'client' });
    expect(search).toBe('?hex=81+05+48&dir=client');
    expect(readDecodeParams(new URLSearchParams(search))).toEqual({ hex: '81 05 48', dir: 'client' });
  });
  it('keeps very long inputs out of the link', () => {
    expect(decodeSearch({ hex: '00 '.repeat(5000), dir: 'server' })).toBe('?dir=server');
  });
  it('falls back to "any" for a missing or unknown direction', () => {
    expect(readDecodeParams(new URLSearchParams('hex=81&dir=sideways')).dir).toBe('any');
    expect(decodeSearch({ hex: '', dir: 'any' })).toBe('');
  });
});
