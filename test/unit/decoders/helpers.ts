// Shared by the decoder tests: messages from text or bytes, and a fields-as-object view.
import type { Decoded, DecoderMessage } from '../../../server/core/decoders/index.ts';

const enc = new TextEncoder();

export function text(s: string, dir: 'c2s' | 's2c' = 'c2s', keep?: number): DecoderMessage {
  const b = enc.encode(s);
  return { dir, binary: false, bytes: keep === undefined ? b : b.subarray(0, keep), length: b.length };
}

export function bin(b: Uint8Array | number[], dir: 'c2s' | 's2c' = 'c2s', keep?: number): DecoderMessage {
  const bytes = b instanceof Uint8Array ? b : Uint8Array.from(b);
  return { dir, binary: true, bytes: keep === undefined ? bytes : bytes.subarray(0, keep), length: bytes.length };
}

/** The first item's fields as an object (a repeated name keeps its values in an array). */
export function fields(d: Decoded, item = 0): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of d.items[item].fields) {
    const had = out[k];
    out[k] = had === undefined ? v : Array.isArray(had) ? [...had, v] : [had, v];
  }
  return out;
}
