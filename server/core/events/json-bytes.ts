// Writes JSON straight into a byte array, without making JavaScript strings on the way.
//
// The tap describes every frame that crosses a lab socket, so the frame and message events are
// the server's hottest output. Building them as objects, then strings (hex, text previews), then
// JSON, then UTF-8 bytes for the history ring cost more than the echo itself. This writer puts
// the bytes of the JSON text where they will live: hex is written from the payload bytes, text
// previews are copied from the (already validated) UTF-8 bytes with JSON's escapes applied.
//
// The output is byte-for-byte what JSON.stringify gives for the same values (the same escapes,
// the same number formatting), which test/unit/events-json-bytes.test.ts checks with fast-check.
// Pure: no node:* imports, so the web app and tests can use it.

const HEX = '0123456789abcdef';
/** byte → its two hex digits as one little 16-bit code (written as two bytes) */
const HEX_HI = new Uint8Array(256);
const HEX_LO = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  HEX_HI[i] = HEX.charCodeAt(i >> 4);
  HEX_LO[i] = HEX.charCodeAt(i & 15);
}

/**
 * What JSON.stringify writes for each byte below 0x80 inside a string: 0 = the byte itself,
 * 1 = a two-character escape (\" \\ \b \f \n \r \t), 2 = \u00XX.
 */
const ESCAPE = new Uint8Array(128);
/** the letter after the backslash of each two-character escape */
const SHORT = new Uint8Array(128);
for (let i = 0; i < 0x20; i++) ESCAPE[i] = 2;
for (const [byte, letter] of [[0x22, '"'], [0x5c, '\\'], [0x08, 'b'], [0x0c, 'f'], [0x0a, 'n'], [0x0d, 'r'], [0x09, 't']] as const) {
  ESCAPE[byte] = 1;
  SHORT[byte] = letter.charCodeAt(0);
}

/** 1 for the bytes JSON must escape inside a string, over all 256 values (one lookup, no branch on 0x80) */
const NEEDS_ESCAPE = new Uint8Array(256);
for (let i = 0; i < 128; i++) NEEDS_ESCAPE[i] = ESCAPE[i] === 0 ? 0 : 1;

const encoder = new TextEncoder();

/** Pre-encodes an ASCII literal (field names, punctuation) for JsonBytes.lit. */
export function ascii(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** Below this many bytes a loop copies faster than TypedArray.set. */
const SET_MIN = 24;
const NULL = ascii('null');
const TRUE = ascii('true');
const FALSE = ascii('false');

export class JsonBytes {
  /** where the next byte goes */
  pos = 0;

  constructor(public buf: Uint8Array) {}

  /** Raw ASCII, no escaping: field names, punctuation, literals the caller knows are plain. */
  raw(s: string): void {
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < s.length; i++) buf[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  /** Pre-encoded bytes (see ascii()). */
  lit(bytes: Uint8Array): void {
    const n = bytes.length;
    if (n >= SET_MIN) {
      this.buf.set(bytes, this.pos);
      this.pos += n;
      return;
    }
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) buf[p++] = bytes[i];
    this.pos = p;
  }

  null(): void {
    this.lit(NULL);
  }

  byte(b: number): void {
    this.buf[this.pos++] = b;
  }

  bool(b: boolean): void {
    this.lit(b ? TRUE : FALSE);
  }

  /** A non-negative integer below 2^53 (lengths, offsets, seq). */
  uint(n: number): void {
    const buf = this.buf;
    if (n < 10) {
      buf[this.pos++] = 48 + n;
      return;
    }
    if (n > 0x7fffffff) {
      this.raw(String(n));
      return;
    }
    // Small integers (the common case) in int32 arithmetic: count the digits, then fill backwards.
    let digits = 2;
    for (let x = (n / 100) | 0; x > 0; x = (x / 10) | 0) digits++;
    const end = this.pos + digits;
    let p = end;
    let x = n;
    do {
      const q = (x / 10) | 0;
      buf[--p] = 48 + x - q * 10;
      x = q;
    } while (x > 0);
    this.pos = end;
  }

  /**
   * A time in ms given as whole microseconds (`t` in every event): the shortest decimal with at
   * most three fraction digits, which is exactly how JS prints Math.round(ms * 1000) / 1000.
   */
  micros(us: number): void {
    const whole = Math.floor(us / 1000);
    const frac = us - whole * 1000;
    this.uint(whole);
    if (frac === 0) return;
    const buf = this.buf;
    buf[this.pos++] = 0x2e; // .
    const d1 = Math.floor(frac / 100);
    const d2 = Math.floor(frac / 10) % 10;
    const d3 = frac % 10;
    buf[this.pos++] = 48 + d1;
    if (d2 !== 0 || d3 !== 0) buf[this.pos++] = 48 + d2;
    if (d3 !== 0) buf[this.pos++] = 48 + d3;
  }

  /** `"…"` holding bytes[start, end) as lower-case hex. */
  hex(bytes: Uint8Array, start = 0, end = bytes.length): void {
    const buf = this.buf;
    let p = this.pos;
    buf[p++] = 0x22;
    for (let i = start; i < end; i++) {
      const b = bytes[i];
      buf[p++] = HEX_HI[b];
      buf[p++] = HEX_LO[b];
    }
    buf[p++] = 0x22;
    this.pos = p;
  }

  /**
   * `"…"` holding the text that bytes[start, end) encode. The bytes must be valid UTF-8 (the
   * caller checked): they are copied as they are, except what JSON must escape.
   */
  utf8(bytes: Uint8Array, start = 0, end = bytes.length): void {
    const buf = this.buf;
    let p = this.pos;
    buf[p++] = 0x22;
    // Most text needs no escape at all: find the first byte that does (four at a time), copy up
    // to it in one go.
    let i = start;
    while (i + 4 <= end && (NEEDS_ESCAPE[bytes[i]] | NEEDS_ESCAPE[bytes[i + 1]] | NEEDS_ESCAPE[bytes[i + 2]] | NEEDS_ESCAPE[bytes[i + 3]]) === 0) i += 4;
    while (i < end && NEEDS_ESCAPE[bytes[i]] === 0) i++;
    if (i - start >= SET_MIN) buf.set(bytes.subarray(start, i), p);
    else for (let k = start; k < i; k++) buf[p + k - start] = bytes[k];
    p += i - start;
    for (; i < end; i++) {
      const b = bytes[i];
      if (b >= 0x80 || ESCAPE[b] === 0) {
        buf[p++] = b;
      } else if (ESCAPE[b] === 1) {
        buf[p++] = 0x5c;
        buf[p++] = SHORT[b];
      } else {
        buf[p++] = 0x5c;
        buf[p++] = 0x75; // u
        buf[p++] = 0x30;
        buf[p++] = 0x30;
        buf[p++] = HEX_HI[b];
        buf[p++] = HEX_LO[b];
      }
    }
    buf[p++] = 0x22;
    this.pos = p;
  }

  /** A JS string as a JSON string (plain ASCII fast; anything else through JSON.stringify). */
  str(s: string): void {
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x20 || c >= 0x7f || c === 0x22 || c === 0x5c) {
        this.encoded(JSON.stringify(s));
        return;
      }
    }
    this.buf[this.pos++] = 0x22;
    this.raw(s);
    this.buf[this.pos++] = 0x22;
  }

  /** Any text, UTF-8 encoded as it is (already JSON). */
  encoded(text: string): void {
    this.pos += encoder.encodeInto(text, this.buf.subarray(this.pos)).written;
  }
}

/** Bytes `JsonBytes.utf8` may write for `n` input bytes at most (\u00XX is 6 bytes for 1). */
export function utf8JsonBound(n: number): number {
  return n * 6 + 2;
}

/** Bytes `JsonBytes.hex` writes for `n` input bytes. */
export function hexJsonBound(n: number): number {
  return n * 2 + 2;
}
