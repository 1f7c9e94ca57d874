// permessage-deflate (RFC 7692): the negotiated parameters and the pure helpers around
// inflating one message. The inflating itself is platform code behind `Inflater` (the tap
// uses node:zlib, the browser DecompressionStream); wire/ stays pure.

import { parseExtensions, type ExtensionOffer } from './handshake.ts';

export const PERMESSAGE_DEFLATE = 'permessage-deflate';

/** RFC 7692 §7.1: the four extension parameters, after negotiation. */
export interface PerMessageDeflateParams {
  /** §7.1.1.1: the server resets its compression context after every message */
  serverNoContextTakeover: boolean;
  /** §7.1.1.2: the client resets its compression context after every message */
  clientNoContextTakeover: boolean;
  /** §7.1.2.1: LZ77 window the server uses, 8-15, null when not given (15) */
  serverMaxWindowBits: number | null;
  /** §7.1.2.2: LZ77 window the client uses, 8-15; `true` when offered without a value; null when not given */
  clientMaxWindowBits: number | true | null;
}

/**
 * Inflates one whole compressed message (all its frames' payloads, concatenated). Append
 * DEFLATE_TAIL first; the data then ends with an empty stored block, not a final block, so
 * a raw inflater must flush with Z_SYNC_FLUSH (node:zlib `finishFlush`) rather than expect
 * the end of a stream. Without no_context_takeover, messages share one LZ77 window.
 */
export interface Inflater {
  inflate(compressedMessage: Uint8Array): Uint8Array;
}

/** RFC 7692 §7.2.2: the sender removed the trailing 00 00 ff ff of an empty stored block; the receiver appends it before inflating. */
export const DEFLATE_TAIL: Uint8Array = Uint8Array.of(0x00, 0x00, 0xff, 0xff);

/** The compressed message with 00 00 ff ff appended (RFC 7692 §7.2.2), ready for a raw inflater. */
export function withDeflateTail(compressed: Uint8Array): Uint8Array {
  const out = new Uint8Array(compressed.length + 4);
  out.set(compressed);
  out.set(DEFLATE_TAIL, compressed.length);
  return out;
}

function windowBits(v: string | true | undefined, name: string, allowBare: boolean): { ok: number | true | null } | { error: string } {
  if (v === undefined) return { ok: null };
  if (v === true) return allowBare ? { ok: true } : { error: `${name} needs a value from 8 to 15` };
  if (!/^[0-9]+$/.test(v)) return { error: `${name}=${v} is not a number` };
  const n = Number(v);
  if (n < 8 || n > 15) return { error: `${name}=${v} is outside 8-15` };
  return { ok: n };
}

/** Validate the parameters of one permessage-deflate offer or answer (RFC 7692 §7.1). */
export function parsePerMessageDeflateParams(params: Record<string, string | true>): { params: PerMessageDeflateParams } | { error: string } {
  const known = ['server_no_context_takeover', 'client_no_context_takeover', 'server_max_window_bits', 'client_max_window_bits'];
  for (const k of Object.keys(params)) {
    if (!known.includes(k)) return { error: `unknown permessage-deflate parameter ${k}` };
  }
  for (const k of known.slice(0, 2)) {
    if (params[k] !== undefined && params[k] !== true) return { error: `${k} takes no value` };
  }
  const s = windowBits(params.server_max_window_bits, 'server_max_window_bits', false);
  if ('error' in s) return s;
  const c = windowBits(params.client_max_window_bits, 'client_max_window_bits', true);
  if ('error' in c) return c;
  return {
    params: {
      serverNoContextTakeover: params.server_no_context_takeover === true,
      clientNoContextTakeover: params.client_no_context_takeover === true,
      serverMaxWindowBits: s.ok === true ? null : s.ok,
      clientMaxWindowBits: c.ok,
    },
  };
}

/**
 * The permessage-deflate parameters a server's Sec-WebSocket-Extensions answer agreed on,
 * or null when it did not accept permessage-deflate (or the header is malformed).
 */
export function negotiatedPerMessageDeflate(responseHeader: string | undefined): PerMessageDeflateParams | null {
  if (!responseHeader) return null;
  const offer: ExtensionOffer | undefined = parseExtensions(responseHeader).find((e) => e.name.toLowerCase() === PERMESSAGE_DEFLATE);
  if (!offer) return null;
  const r = parsePerMessageDeflateParams(offer.params);
  return 'error' in r ? null : r.params;
}
