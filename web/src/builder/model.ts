// The frame builder's model: one hand-set frame as the form holds it, and the pure steps from it
// to the bytes (encodeFrame, as the server will send them) and to the craft API's body.
import { encodeFrame, parseHex, toHex } from '../../../server/core/wire/index.ts';
import type { FrameSpec } from '../../../server/core/wire/types.ts';
import type { CraftFrame } from '../ws/api.ts';

export interface BuilderFrame {
  fin: boolean;
  rsv1: boolean;
  rsv2: boolean;
  rsv3: boolean;
  /** 0-15, reserved ones included */
  opcode: number;
  mask: boolean;
  /** 8 hex digits */
  maskingKey: string;
  payloadMode: 'text' | 'hex';
  payload: string;
  /** write this in the length field instead of the real length; null = the real one */
  lengthOverride: number | null;
  /** force the length encoding; null = the shortest */
  lengthBits: 7 | 16 | 64 | null;
}

export const RFC_KEY = '37fa213d';

export function defaultFrame(): BuilderFrame {
  return { fin: true, rsv1: false, rsv2: false, rsv3: false, opcode: 1, mask: true, maskingKey: RFC_KEY, payloadMode: 'text', payload: 'Hello', lengthOverride: null, lengthBits: null };
}

export type Built = { ok: true; spec: FrameSpec; bytes: Uint8Array; payload: Uint8Array } | { ok: false; error: string };

/** The payload bytes the form describes. */
export function payloadBytes(f: BuilderFrame): { ok: true; bytes: Uint8Array } | { ok: false; error: string } {
  if (f.payloadMode === 'text') return { ok: true, bytes: new TextEncoder().encode(f.payload) };
  if (f.payload.trim() === '') return { ok: true, bytes: new Uint8Array(0) };
  const parsed = parseHex(f.payload);
  if ('error' in parsed) return { ok: false, error: `payload: ${parsed.error}` };
  return { ok: true, bytes: parsed.bytes };
}

/** Builds the frame's exact bytes, or says why the header cannot hold what was asked. */
export function buildFrame(f: BuilderFrame): Built {
  if (!Number.isInteger(f.opcode) || f.opcode < 0 || f.opcode > 15) return { ok: false, error: 'the opcode is 4 bits: 0 to 15' };
  const payload = payloadBytes(f);
  if (!payload.ok) return payload;
  let maskingKey: Uint8Array | null = null;
  if (f.mask) {
    const parsed = parseHex(f.maskingKey);
    if ('error' in parsed || parsed.bytes.length !== 4) return { ok: false, error: 'the masking key is 4 bytes: 8 hex digits, e.g. 37fa213d' };
    maskingKey = parsed.bytes;
  }
  const spec: FrameSpec = { fin: f.fin, rsv1: f.rsv1, rsv2: f.rsv2, rsv3: f.rsv3, opcode: f.opcode, maskingKey, payload: payload.bytes };
  if (f.lengthOverride !== null) spec.lengthOverride = f.lengthOverride;
  if (f.lengthBits !== null) spec.lengthBits = f.lengthBits;
  try {
    return { ok: true, spec, bytes: encodeFrame(spec), payload: payload.bytes };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

/** The craft API's form of the frame (the payload always as hex, so the bytes are exact). */
export function toCraftFrame(f: BuilderFrame): CraftFrame | { error: string } {
  const built = buildFrame(f);
  if (!built.ok) return { error: built.error };
  const out: CraftFrame = { fin: f.fin, rsv1: f.rsv1, rsv2: f.rsv2, rsv3: f.rsv3, opcode: f.opcode, mask: f.mask, payloadHex: toHex(built.payload).replace(/\s+/g, '') };
  if (f.mask) out.maskingKey = f.maskingKey.replace(/\s+/g, '').toLowerCase();
  if (f.lengthOverride !== null) out.lengthOverride = f.lengthOverride;
  if (f.lengthBits !== null) out.lengthBits = f.lengthBits;
  return out;
}

/** Hex with a space between bytes. */
export function spacedHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

export interface ViolationPlace {
  /** the offending byte, counted from the first byte the learner built (0-based) */
  built: number;
  /** which built frame holds it (0-based), null when past them all */
  frame: number | null;
  /** the byte within that frame */
  inFrame: number | null;
  /** the same byte counted over the whole TCP stream, the upgrade request included (as the tap reports it) */
  stream: number;
  /** the length of the upgrade request before the built bytes */
  handshake: number;
}

/**
 * Where a violation the tap reported (an offset in the client's TCP stream) falls in the bytes the
 * learner built: the builder's bytes start right after the upgrade request.
 */
export function violationPlace(streamOffset: number, handshakeBytes: number, frameLengths: readonly number[]): ViolationPlace {
  const built = streamOffset - handshakeBytes;
  let start = 0;
  let frame: number | null = null;
  let inFrame: number | null = null;
  for (let i = 0; i < frameLengths.length; i++) {
    if (built >= start && built < start + frameLengths[i]) {
      frame = i;
      inFrame = built - start;
      break;
    }
    start += frameLengths[i];
  }
  return { built, frame, inFrame, stream: streamOffset, handshake: handshakeBytes };
}

/** The place in words: the learner's bytes first, the stream offset second. */
export function describePlace(p: ViolationPlace, frameCount: number): string {
  const where = p.frame === null ? `byte ${p.built} of what you built` : `byte ${p.built} of what you built${frameCount > 1 ? ` (frame ${p.frame + 1}, its byte ${p.inFrame})` : ''}`;
  return `${where}; byte ${p.stream} of the TCP stream, after the ${p.handshake}-byte upgrade request`;
}
