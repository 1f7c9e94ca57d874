// The decode view's model: pure functions from (pasted text, direction) to what the page
// draws. No React and no DOM here, so test/unit/web-decode-model.test.ts runs it headless.
import { createReader, parseHex } from '../../../server/core/wire/index.ts';
import type { Direction, Frame, Incomplete, Violation } from '../../../server/core/wire/types.ts';

export type DecodeDirection = Direction | 'any';
export const DIRECTIONS: readonly DecodeDirection[] = ['client', 'server', 'any'];

/** One decoded frame plus what it means in its message (fragments know their message's type). */
export interface DecodedFrame {
  frame: Frame;
  /** 0-based index in the stream */
  index: number;
  /** the data opcode of the message this frame belongs to (1 text, 2 binary), or the frame's own opcode for control frames */
  messageOpcode: number;
  /** set on the final frame of a fragmented data message: how many frames it took and the assembled payload */
  assembled: { frames: number; payload: Uint8Array } | null;
}

export type DecodeResult =
  | { kind: 'empty' }
  | { kind: 'error'; error: string }
  | {
      kind: 'decoded';
      bytes: Uint8Array;
      frames: DecodedFrame[];
      violation: Violation | null;
      incomplete: Incomplete | null;
    };

/** Parse the pasted text and run the RFC 6455 reader over all of it, as one stream from one sender. */
export function decodeInput(text: string, direction: DecodeDirection): DecodeResult {
  if (text.trim() === '') return { kind: 'empty' };
  const parsed = parseHex(text);
  if ('error' in parsed) return { kind: 'error', error: parsed.error };
  const bytes = parsed.bytes;
  if (bytes.length === 0) return { kind: 'empty' };

  const reader = createReader({ direction });
  const events = reader.push(bytes);
  const frames: DecodedFrame[] = [];
  let violation: Violation | null = null;
  // the fragmented data message in progress, if any
  let open: { opcode: number; parts: Uint8Array[] } | null = null;

  for (const ev of events) {
    if (ev.type === 'violation') {
      violation = ev.violation;
      continue;
    }
    const frame = ev.frame;
    let messageOpcode = frame.opcode;
    let assembled: DecodedFrame['assembled'] = null;
    if (frame.opcode === 0x0 && open) {
      messageOpcode = open.opcode;
      open.parts.push(frame.payload);
      if (frame.fin) {
        assembled = { frames: open.parts.length, payload: concat(open.parts) };
        open = null;
      }
    } else if ((frame.opcode === 0x1 || frame.opcode === 0x2) && !frame.fin) {
      open = { opcode: frame.opcode, parts: [frame.payload] };
    }
    frames.push({ frame, index: frames.length, messageOpcode, assembled });
  }
  const incomplete = violation ? null : reader.finish();
  return { kind: 'decoded', bytes, frames, violation, incomplete };
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// The URL: /decode?hex=...&dir=client reproduces the view.

export interface DecodeParams {
  hex: string;
  dir: DecodeDirection;
}

export const DEFAULT_DIRECTION: DecodeDirection = 'any';

export function readDecodeParams(search: URLSearchParams): DecodeParams {
  const dir = search.get('dir');
  return {
    hex: search.get('hex') ?? '',
    dir: DIRECTIONS.includes(dir as DecodeDirection) ? (dir as DecodeDirection) : DEFAULT_DIRECTION,
  };
}

/** Inputs longer than this (in characters) are not copied into the URL: links stay shareable. */
export const MAX_URL_HEX = 8000;

/** True when `hex` is short enough to live in the link. */
export function fitsInUrl(hex: string): boolean {
  return hex.length <= MAX_URL_HEX;
}

/**
 * The query string for a view: empty input gives an empty query; the direction is kept
 * whenever there is input. Input longer than MAX_URL_HEX is left out of the link.
 */
export function decodeSearch({ hex, dir }: DecodeParams): string {
  const params = new URLSearchParams();
  if (hex !== '' && fitsInUrl(hex)) params.set('hex', hex);
  if (hex !== '' || dir !== DEFAULT_DIRECTION) params.set('dir', dir);
  const s = params.toString();
  return s === '' ? '' : `?${s}`;
}

// ---------------------------------------------------------------------------------------
// The stream hex dump: which part of which frame each byte is.

export type ByteRole = 'header' | 'length' | 'key' | 'payload' | 'incomplete' | 'undecoded';

export interface ByteInfo {
  role: ByteRole;
  /** index of the frame the byte belongs to, or -1 */
  frame: number;
}

/** Classify every input byte for colouring the dump. Bytes after a violation are 'undecoded'. */
export function byteRoles(result: Extract<DecodeResult, { kind: 'decoded' }>): ByteInfo[] {
  const roles: ByteInfo[] = Array.from({ length: result.bytes.length }, () => ({ role: 'undecoded' as ByteRole, frame: -1 }));
  for (const { frame, index } of result.frames) {
    const keyStart = frame.offset + frame.headerLength - (frame.masked ? 4 : 0);
    const end = frame.offset + frame.headerLength + frame.payloadLength;
    for (let i = frame.offset; i < end && i < roles.length; i++) {
      const rel = i - frame.offset;
      const role: ByteRole =
        i >= frame.offset + frame.headerLength ? 'payload' : i >= keyStart ? 'key' : rel < 2 ? 'header' : 'length';
      roles[i] = { role, frame: index };
    }
  }
  if (result.incomplete) {
    for (let i = result.incomplete.offset; i < roles.length; i++) roles[i] = { role: 'incomplete', frame: -1 };
  }
  return roles;
}

/**
 * Which 16-byte rows of the dump to draw: the first `maxRows`, plus a few rows around `focus`
 * (a violation's byte) when it lies beyond them. `null` marks a gap ("…").
 */
export function dumpRows(total: number, focus: number | null, maxRows = 64, perRow = 16): (number | null)[] {
  const rowCount = Math.ceil(total / perRow);
  const rows = new Set<number>();
  for (let r = 0; r < Math.min(rowCount, maxRows); r++) rows.add(r);
  if (focus !== null && focus >= 0 && focus < total) {
    const fr = Math.floor(focus / perRow);
    for (let r = fr - 2; r <= fr + 2; r++) if (r >= 0 && r < rowCount) rows.add(r);
  }
  const sorted = [...rows].sort((a, b) => a - b);
  const out: (number | null)[] = [];
  sorted.forEach((r, i) => {
    if (i > 0 && r !== sorted[i - 1] + 1) out.push(null);
    out.push(r * perRow);
  });
  if (sorted.length > 0 && sorted[sorted.length - 1] < rowCount - 1) out.push(null);
  return out;
}
