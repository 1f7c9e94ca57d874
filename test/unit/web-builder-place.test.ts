// The frame builder names the offending byte in the bytes the learner built, and the TCP stream's
// offset (the tap's, which counts the upgrade request) second.
import { describe, expect, it } from 'vitest';
import { buildFrame, defaultFrame, describePlace, violationPlace } from '../../web/src/builder/model.ts';

describe('violationPlace', () => {
  it('puts an unmasked 7-byte frame\'s offence at byte 1 of what was built, not byte 187 of the stream', () => {
    // the tap reports the MASK bit of the frame's second byte: stream offset 186 + 1
    const built = buildFrame({ ...defaultFrame(), mask: false });
    expect(built.ok && built.bytes.length).toBe(7);
    const p = violationPlace(187, 186, [7]);
    expect(p).toEqual({ built: 1, frame: 0, inFrame: 1, stream: 187, handshake: 186 });
    expect(describePlace(p, 1)).toBe('byte 1 of what you built; byte 187 of the TCP stream, after the 186-byte upgrade request');
  });

  it('finds the frame and the byte within it when several frames were built', () => {
    const p = violationPlace(186 + 6 + 11 + 3, 186, [11, 11]);
    expect(p).toEqual({ built: 20, frame: 1, inFrame: 9, stream: 206, handshake: 186 });
    expect(describePlace(p, 2)).toBe('byte 20 of what you built (frame 2, its byte 9); byte 206 of the TCP stream, after the 186-byte upgrade request');
  });
});
