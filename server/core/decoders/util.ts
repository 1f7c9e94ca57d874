// Small helpers the decoders share: bounded text of untrusted bytes, short JSON renderings.
import { decodeUtf8Lossy, firstInvalidUtf8 } from '../wire/utf8.ts';
import type { DecoderMessage } from './types.ts';

/** Bytes a decoder reads of one message at most; the rest counts as not captured. */
export const DECODE_MAX_BYTES = 64 * 1024;
/** Characters of one field's value at most. */
export const FIELD_MAX_CHARS = 200;

/** The bytes to read, bounded, and whether the message's end is missing. */
export function known(m: DecoderMessage): { bytes: Uint8Array; cut: boolean } {
  const bytes = m.bytes.length > DECODE_MAX_BYTES ? m.bytes.subarray(0, DECODE_MAX_BYTES) : m.bytes;
  return { bytes, cut: m.length > bytes.length };
}

/** UTF-8 text of bytes, or null when invalid; a cut tail (an incomplete last character) is dropped when `cut`. */
export function utf8(bytes: Uint8Array, cut: boolean): string | null {
  const bad = firstInvalidUtf8(bytes);
  if (bad === -1) return decodeUtf8Lossy(bytes);
  if (cut && bad >= bytes.length - 3) {
    // firstInvalidUtf8 gives the start of an incomplete final sequence as `length - pending`
    const head = bytes.subarray(0, bad);
    if (firstInvalidUtf8(head) === -1) return decodeUtf8Lossy(head);
  }
  return null;
}

/** A value for a field: bounded, with an ellipsis when shortened. */
export function clip(s: string, max = FIELD_MAX_CHARS): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

/** JSON text of a decoded value, bounded. */
export function jsonText(v: unknown): string {
  if (typeof v === 'string') return clip(v);
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return clip(s);
}

/** Hex of bytes, bounded. */
export function hexText(bytes: Uint8Array, max = 64): string {
  let s = '';
  const n = Math.min(bytes.length, max);
  for (let i = 0; i < n; i++) s += (i ? ' ' : '') + bytes[i].toString(16).padStart(2, '0');
  return n < bytes.length ? `${s} …` : s;
}

/** A payload as a field value: its text when it is UTF-8, else hex. */
export function payloadText(bytes: Uint8Array, cut: boolean): string {
  const t = utf8(bytes, cut);
  return t !== null ? clip(t) : hexText(bytes);
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
