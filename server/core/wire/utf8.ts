// A streaming UTF-8 validator (RFC 3629 §4, as required by RFC 6455 §5.6 and §8.1).
//
// RFC 6455 §8.1: "When an endpoint is to interpret a byte stream as UTF-8 but finds that
// the byte stream is not, in fact, a valid UTF-8 stream, that endpoint MUST _Fail the
// WebSocket Connection_." A text message may be split into fragments anywhere, even in
// the middle of a character, so the state survives between push() calls.
//
// The validator rejects at the first byte that makes the sequence impossible (the
// "maximal subpart" rule of Unicode §3.9): E0 80 fails at 80, not at E0. That is the
// byte where invalidity becomes certain, and it is what push() reports.

export class Utf8Validator {
  /** continuation bytes still expected by the character in progress */
  private remaining = 0;
  /** allowed range of the next continuation byte (narrower right after E0, ED, F0, F4) */
  private lo = 0x80;
  private hi = 0xbf;
  /** bytes of the character in progress seen so far (0 between characters) */
  private seen = 0;

  /**
   * Validate bytes[start, end). Returns -1 when every byte was acceptable so far, else the
   * index (into `bytes`) of the first byte that proves the text invalid. After a failure the
   * validator stays where it was; call reset() before reusing it.
   */
  push(bytes: Uint8Array, start = 0, end = bytes.length): number {
    let i = start;
    let remaining = this.remaining;
    let lo = this.lo;
    let hi = this.hi;
    let seen = this.seen;
    while (i < end) {
      if (remaining === 0) {
        // Fast path: skip ASCII four bytes at a time.
        while (i + 4 <= end && ((bytes[i] | bytes[i + 1] | bytes[i + 2] | bytes[i + 3]) & 0x80) === 0) i += 4;
        if (i >= end) break;
        const b = bytes[i];
        if (b < 0x80) {
          i++;
          continue;
        }
        if (b < 0xc2) {
          // 80-BF: a continuation byte with no lead; C0, C1: always overlong.
          this.save(0, 0x80, 0xbf, 0);
          return i;
        }
        if (b < 0xe0) {
          remaining = 1;
          lo = 0x80;
          hi = 0xbf;
        } else if (b < 0xf0) {
          remaining = 2;
          lo = b === 0xe0 ? 0xa0 : 0x80; // E0 80..9F would be overlong
          hi = b === 0xed ? 0x9f : 0xbf; // ED A0..BF would be a UTF-16 surrogate
        } else if (b < 0xf5) {
          remaining = 3;
          lo = b === 0xf0 ? 0x90 : 0x80; // F0 80..8F would be overlong
          hi = b === 0xf4 ? 0x8f : 0xbf; // F4 90.. would be above U+10FFFF
        } else {
          this.save(0, 0x80, 0xbf, 0);
          return i;
        }
        seen = 1;
        i++;
      } else {
        const b = bytes[i];
        if (b < lo || b > hi) {
          this.save(remaining, lo, hi, seen);
          return i;
        }
        lo = 0x80;
        hi = 0xbf;
        remaining--;
        seen = remaining === 0 ? 0 : seen + 1;
        i++;
      }
    }
    this.save(remaining, lo, hi, seen);
    return -1;
  }

  /** True when the bytes so far end on a character boundary (a message may end here). */
  get complete(): boolean {
    return this.remaining === 0;
  }

  /** Bytes of the unfinished character at the end of the input so far (0 when complete). */
  get pending(): number {
    return this.seen;
  }

  reset(): void {
    this.save(0, 0x80, 0xbf, 0);
  }

  private save(remaining: number, lo: number, hi: number, seen: number): void {
    this.remaining = remaining;
    this.lo = lo;
    this.hi = hi;
    this.seen = seen;
  }
}

/** Index of the first invalid byte of a complete UTF-8 text, the length when it is cut short, or -1 when valid. */
export function firstInvalidUtf8(bytes: Uint8Array, start = 0, end = bytes.length): number {
  const v = new Utf8Validator();
  const bad = v.push(bytes, start, end);
  if (bad >= 0) return bad;
  return v.complete ? -1 : end - v.pending;
}

let lossy: TextDecoder | null = null;

/** Decode UTF-8, replacing invalid sequences with U+FFFD (for display only). */
export function decodeUtf8Lossy(bytes: Uint8Array): string {
  lossy ??= new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
  return lossy.decode(bytes);
}
