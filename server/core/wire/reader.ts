// createReader: the frame decoder (decoder.ts) driven by the message rules (validator.ts)
// for one direction of one connection. Bytes in, frames and at most one violation out
// (the sans-I/O shape of python-websockets). It never throws: after a violation, or an
// internal error (a bug, reported through `internalError` for the caller to surface), it
// yields nothing more for that stream.

import { FrameDecoder } from './decoder.ts';
import type { Incomplete, ReaderOptions, Violation, WireEvent, WireReader } from './types.ts';
import { DEFAULT_MAX_PAYLOAD, MessageValidator } from './validator.ts';

function describe(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text === '' ? 'an error without a message' : text;
}

class Reader implements WireReader {
  private readonly decoder: FrameDecoder;
  /** set when something inside the reader threw (a bug): what was thrown, as a sentence; the reader stops */
  internalError: string | null = null;

  constructor(opts: ReaderOptions) {
    const max = opts.maxPayload;
    const maxPayload = typeof max === 'number' && max >= 0 && Number.isFinite(max) ? Math.floor(max) : DEFAULT_MAX_PAYLOAD;
    const direction = opts.direction === 'client' || opts.direction === 'server' ? opts.direction : 'any';
    const rules = new MessageValidator({ direction, maxPayload, perMessageDeflate: opts.perMessageDeflate === true, isUtf8: opts.isUtf8 });
    const keep = opts.keepBinary;
    this.decoder = new FrameDecoder(rules, maxPayload, typeof keep === 'number' && keep >= 0 ? Math.floor(keep) : Infinity);
  }

  /**
   * Feed the next bytes. Unmasked payloads that lie inside one chunk are returned as views
   * of that chunk (no copy), so do not modify a chunk after pushing it.
   */
  push(chunk: Uint8Array): WireEvent[] {
    const out: WireEvent[] = [];
    if (this.internalError !== null || this.decoder.stopped) return out;
    try {
      if (chunk instanceof Uint8Array) this.decoder.push(chunk, out);
      else if ((chunk as unknown) instanceof ArrayBuffer) this.decoder.push(new Uint8Array(chunk as unknown as ArrayBuffer), out);
    } catch (err) {
      this.internalError = describe(err);
    }
    return out;
  }

  finish(): Incomplete | null {
    if (this.internalError !== null) return null;
    try {
      return this.decoder.incomplete();
    } catch (err) {
      this.internalError = describe(err);
      return null;
    }
  }

  get offset(): number {
    return this.decoder.consumed;
  }

  get violation(): Violation | null {
    return this.decoder.violation;
  }
}

/** A reader for one direction of one connection (see WireReader in types.ts). */
export function createReader(opts: ReaderOptions): WireReader {
  return new Reader(opts ?? { direction: 'any' });
}
