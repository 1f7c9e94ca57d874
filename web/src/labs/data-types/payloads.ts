// The data-types lab's payloads: one value per shape, made from a fixed seed so every run (and the
// lesson's numbers) see the same bytes, then written two ways: JSON text and the binary layout.
// Pure: no DOM, no node:*.
import {
  blobLayout,
  decodeTicks,
  decodeTyping,
  decodeUuid,
  encodeTicks,
  encodeTyping,
  encodeUuid,
  TICK_BYTES,
  TICK_LAYOUT,
  typingLayout,
  type LayoutField,
  type Tick,
  type Typing,
} from './layout.ts';

export type ShapeId = 'ticks' | 'typing' | 'uuid' | 'blob';
export const SHAPES: readonly ShapeId[] = ['ticks', 'typing', 'uuid', 'blob'];
export const TICK_COUNTS = [1, 10, 50, 500] as const;
export const BLOB_BYTES = 1024;
/** 2024-06-10 09:30:00 UTC: the first tick's time */
export const FIRST_TICK_T = 1718011800000;

export interface Payload {
  shape: ShapeId;
  /** ticks in the message (1 for the other shapes) */
  count: number;
  label: string;
  value: unknown;
  json: string;
  /** UTF-8 bytes of the JSON text: what the application hands to send() */
  jsonBytes: number;
  binary: Uint8Array;
  layout: LayoutField[];
  /** bytes per record when the binary message is records back to back (ticks), else null */
  recordBytes: number | null;
}

/** mulberry32: a tiny seeded generator, so a payload is the same on every run. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SYMBOLS = ['ACME', 'GLBX', 'INIT', 'UMBR', 'WAYN'];

/** `count` ticks: five symbols taking turns, each price a random walk in cents, times a few ms apart. */
export function makeTicks(count: number, seed = 1): Tick[] {
  const rnd = seeded(seed);
  const cents = SYMBOLS.map(() => 5000 + Math.floor(rnd() * 20000));
  let t = FIRST_TICK_T;
  const ticks: Tick[] = [];
  for (let i = 0; i < count; i++) {
    const s = i % SYMBOLS.length;
    cents[s] = Math.max(1, cents[s] + Math.floor(rnd() * 41) - 20);
    t += 1 + Math.floor(rnd() * 40);
    ticks.push({ symbol: SYMBOLS[s], price: cents[s] / 100, volume: (1 + Math.floor(rnd() * 50)) * 100, t });
  }
  return ticks;
}

export function makeUuid(seed = 1): string {
  const rnd = seeded(seed);
  const b = Array.from({ length: 16 }, () => Math.floor(rnd() * 256));
  b[6] = (b[6] & 0x0f) | 0x40; // version 4
  b[8] = (b[8] & 0x3f) | 0x80; // RFC 4122 variant
  return decodeUuid(Uint8Array.from(b));
}

export function makeBlob(length: number, seed = 1): Uint8Array {
  const rnd = seeded(seed);
  return Uint8Array.from({ length }, () => Math.floor(rnd() * 256));
}

/** Base64 without btoa's detour through latin1 strings. */
export function base64(bytes: Uint8Array): string {
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  let s = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    s += abc[(n >> 18) & 63] + abc[(n >> 12) & 63] + (i + 1 < bytes.length ? abc[(n >> 6) & 63] : '=') + (i + 2 < bytes.length ? abc[n & 63] : '=');
  }
  return s;
}

const utf8Length = (s: string) => new TextEncoder().encode(s).length;

export function makePayload(shape: ShapeId, count = 1, seed = 1): Payload {
  if (shape === 'ticks') {
    const ticks = makeTicks(count, seed);
    const json = JSON.stringify(ticks);
    return { shape, count, label: `${count} price tick${count === 1 ? '' : 's'}`, value: ticks, json, jsonBytes: utf8Length(json), binary: encodeTicks(ticks), layout: [...TICK_LAYOUT], recordBytes: TICK_BYTES };
  }
  if (shape === 'typing') {
    const m: Typing = { type: 'typing', user: 'ada', room: 'lobby' };
    const json = JSON.stringify(m);
    return { shape, count: 1, label: 'a "typing" message', value: m, json, jsonBytes: utf8Length(json), binary: encodeTyping(m), layout: typingLayout(m), recordBytes: null };
  }
  if (shape === 'uuid') {
    const id = makeUuid(seed);
    const json = JSON.stringify({ id });
    return { shape, count: 1, label: 'a UUID', value: id, json, jsonBytes: utf8Length(json), binary: encodeUuid(id), layout: [{ name: 'id', offset: 0, bytes: 16, type: 'bytes × 16', note: 'the 32 hex digits as bytes, dashes dropped' }], recordBytes: null };
  }
  const blob = makeBlob(BLOB_BYTES, seed);
  const json = JSON.stringify({ blob: base64(blob) });
  return { shape, count: 1, label: `${BLOB_BYTES} random bytes`, value: blob, json, jsonBytes: utf8Length(json), binary: blob, layout: blobLayout(BLOB_BYTES), recordBytes: null };
}

/** Decodes a binary message with the payload's layout: the values, or why they could not be read. */
export function decodeBinary(p: Payload, bytes: Uint8Array): { value: unknown } | { error: string } {
  try {
    if (p.shape === 'ticks') return { value: decodeTicks(bytes) };
    if (p.shape === 'typing') return { value: decodeTyping(bytes) };
    if (p.shape === 'uuid') return { value: decodeUuid(bytes) };
    return { value: bytes };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** Deep equality for what the payloads hold: plain objects, arrays, byte arrays, primitives. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (a instanceof Uint8Array && b instanceof Uint8Array) return a.length === b.length && a.every((x, i) => x === b[i]);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return false;
}
