import { describe, expect, it } from 'vitest';
import { serializeEvent } from '../../server/events/serialize.ts';
import type { WslabEvent } from '../../server/events/schema.ts';

const frame: WslabEvent = {
  v: 1, seq: 7, t: 12.345, type: 'frame', conn: 'c1', dir: 'c2s', offset: 187, fin: true, rsv1: false, rsv2: false, rsv3: false,
  opcode: 1, opcodeName: 'TEXT', masked: true, maskingKey: '37fa213d', payloadLength: 5, headerLength: 6, headerHex: '818537fa213d',
  fields: { fin: [0, 0, 1], opcode: [0, 4, 4] }, payloadHex: '48656c6c6f', truncated: false,
  text: 'He said "hi"\n\u2028</script>\u0000', closeCode: null, closeReason: null, inflated: null,
};

describe('serializeEvent', () => {
  it('writes frame events that parse to exactly what JSON.stringify gives, hostile text included', () => {
    const fast = serializeEvent(frame);
    expect(JSON.parse(fast)).toEqual(JSON.parse(JSON.stringify(frame)));
    expect(fast.startsWith('{"v":1,"seq":7,"t":12.345,"type":"frame"')).toBe(true);
  });

  it('writes close frames and message events the same way', () => {
    const close: WslabEvent = { ...(frame as Extract<WslabEvent, { type: 'frame' }>), opcode: 8, opcodeName: 'CLOSE', text: null, closeCode: 1000, closeReason: 'bye', inflated: 'x' };
    expect(JSON.parse(serializeEvent(close))).toEqual(close);
    const message: WslabEvent = { v: 1, seq: 8, t: 1, type: 'message', conn: 'c1', dir: 's2c', opcode: 2, opcodeName: 'BINARY', length: 3, wireLength: 5, frames: 1, compressed: true, text: null, previewHex: '010203', truncated: false };
    expect(JSON.parse(serializeEvent(message))).toEqual(message);
  });

  it('uses JSON.stringify for every other type', () => {
    const state: WslabEvent = { v: 1, seq: 2, t: 0.5, type: 'state', conn: 'c1', side: 'server', from: 0, to: 1, cause: '101 sent' };
    expect(serializeEvent(state)).toBe(JSON.stringify(state));
  });
});
