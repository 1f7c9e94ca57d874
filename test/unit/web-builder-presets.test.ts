import { describe, expect, it } from 'vitest';
import { createReader } from '../../server/core/wire/index.ts';
import { PRESETS } from '../../web/src/builder/presets.ts';
import { buildFrame, defaultFrame, spacedHex, toCraftFrame, type BuilderFrame } from '../../web/src/builder/model.ts';

function bytesOf(f: BuilderFrame): Uint8Array {
  const built = buildFrame(f);
  if (!built.ok) throw new Error(built.error);
  return built.bytes;
}

/** The first `n` bytes of each frame of a preset, as spaced hex. */
function heads(id: string, n: number): string[] {
  const preset = PRESETS.find((p) => p.id === id)!;
  return preset.frames.map((f) => spacedHex(bytesOf(f).subarray(0, n)));
}

describe('frame builder presets', () => {
  it('encode to the header bytes each one promises', () => {
    expect(heads('hello', 11)).toEqual(['81 85 37 fa 21 3d 7f 9f 4d 51 58']);
    // TEXT, FIN=0, masked, 4 bytes | CONT, FIN=1, masked, 1 byte
    expect(heads('bad-utf8-fragments', 6)).toEqual(['01 84 37 fa 21 3d', '80 81 37 fa 21 3d']);
    expect(heads('fragmented-ping', 2)).toEqual(['09 82']);
    // 126 needs the 16-bit length: 7-bit field 126, then 00 7e
    expect(heads('long-ping', 4)).toEqual(['89 fe 00 7e']);
    expect(heads('reserved-opcode', 2)).toEqual(['83 81']);
    expect(heads('rsv1-no-deflate', 2)).toEqual(['c1 85']);
    // close with 1005 = 0x03ed, masked with 37 fa: 03^37=34, ed^fa=17
    expect(heads('close-1005', 8)).toEqual(['88 82 37 fa 21 3d 34 17']);
    expect(heads('unmasked', 7)).toEqual(['81 05 48 65 6c 6c 6f']);
  });

  it('break exactly the rule they name: a client-side reader reports the promised close code', () => {
    for (const preset of PRESETS) {
      const reader = createReader({ direction: 'client' });
      const events = preset.frames.flatMap((f) => reader.push(bytesOf(f)));
      const violation = events.find((e) => e.type === 'violation');
      const code = violation && violation.type === 'violation' ? violation.violation.closeCode : null;
      // the reader checks the close code only when told the frame is a close; 1005 is invalid on the wire
      expect({ id: preset.id, code }).toEqual({ id: preset.id, code: preset.expectClose });
    }
  });

  it('have unique ids and an explanation each', () => {
    expect(new Set(PRESETS.map((p) => p.id)).size).toBe(PRESETS.length);
    for (const p of PRESETS) expect(p.about.length).toBeGreaterThan(20);
  });
});

describe('frame builder model', () => {
  it('lies about the length on request and forces a longer encoding', () => {
    expect(spacedHex(bytesOf({ ...defaultFrame(), mask: false, lengthOverride: 100 }))).toBe('81 64 48 65 6c 6c 6f');
    expect(spacedHex(bytesOf({ ...defaultFrame(), mask: false, lengthBits: 16 }))).toBe('81 7e 00 05 48 65 6c 6c 6f');
    expect(spacedHex(bytesOf({ ...defaultFrame(), mask: false, lengthBits: 64 })).slice(0, 29)).toBe('81 7f 00 00 00 00 00 00 00 05');
  });

  it('explains what a header cannot hold instead of throwing', () => {
    expect(buildFrame({ ...defaultFrame(), maskingKey: '1234' })).toEqual({ ok: false, error: expect.stringContaining('4 bytes') });
    expect(buildFrame({ ...defaultFrame(), lengthBits: 7, lengthOverride: 300 })).toEqual({ ok: false, error: expect.stringContaining('at most 127') });
    expect(buildFrame({ ...defaultFrame(), payloadMode: 'hex', payload: 'zz' })).toMatchObject({ ok: false });
  });

  it('sends the craft API the payload as hex and the key as typed', () => {
    expect(toCraftFrame({ ...defaultFrame(), maskingKey: '37 FA 21 3D', lengthBits: 16 })).toEqual({
      fin: true, rsv1: false, rsv2: false, rsv3: false, opcode: 1, mask: true, maskingKey: '37fa213d', payloadHex: '48656c6c6f', lengthBits: 16,
    });
    expect(toCraftFrame({ ...defaultFrame(), mask: false })).not.toHaveProperty('maskingKey');
  });
});
