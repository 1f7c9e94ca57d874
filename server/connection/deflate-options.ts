// permessage-deflate as the labs offer it. By default a connection that negotiates it costs the
// server a few KiB: server_no_context_takeover and client_no_context_takeover (no window kept
// between messages), a 1 KiB server window (server_max_window_bits=10) and zlib memLevel 4, and the
// client's window limited to 1 KiB too when its offer allows it (client_max_window_bits). A lab
// that shows context takeover on purpose (`/lab/echo?deflate=takeover`, the data-types lab) asks
// for ws's full defaults: 32 KiB windows kept for the connection's life, about 300 KiB a connection.
import type { PerMessageDeflateOptions } from 'ws';

/** 'small': both windows 1 KiB; 'small-open': the client's offer did not allow limiting its window, so the server's inflater keeps 32 KiB */
export type DeflateMode = 'off' | 'small' | 'small-open' | 'takeover';

export const SMALL_WINDOW_BITS = 10;
/** What a deflate context is charged to the memory budget, bytes (zlib's own formulas, rounded up). */
export const DEFLATE_BUDGET = { small: 24 * 1024, 'small-open': 64 * 1024, takeover: 320 * 1024 } as const;

export function deflateMode(asked: boolean | 'takeover', offer: string | undefined): DeflateMode {
  if (!asked) return 'off';
  if (asked === 'takeover') return 'takeover';
  if (!offer || !/permessage-deflate/i.test(offer)) return 'off';
  return /client_max_window_bits/i.test(offer) ? 'small' : 'small-open';
}

export function deflateOptions(mode: DeflateMode): boolean | PerMessageDeflateOptions {
  if (mode === 'off') return false;
  if (mode === 'takeover') return true;
  return {
    serverNoContextTakeover: true,
    clientNoContextTakeover: true,
    serverMaxWindowBits: SMALL_WINDOW_BITS,
    ...(mode === 'small' ? { clientMaxWindowBits: SMALL_WINDOW_BITS } : {}),
    zlibDeflateOptions: { memLevel: 4 },
  };
}

export function deflateBudgetBytes(mode: DeflateMode): number {
  return mode === 'off' ? 0 : DEFLATE_BUDGET[mode];
}

/**
 * Why the lab went on without permessage-deflate (RFC 7692 §5), from ws's reason for not
 * accepting any offer: the handshake event carries it.
 */
export function declinedSentence(mode: DeflateMode, wsReason: string): string {
  const settings = mode === 'takeover'
    ? "ws's defaults"
    : `server_max_window_bits=${SMALL_WINDOW_BITS}${mode === 'small' ? ` and client_max_window_bits=${SMALL_WINDOW_BITS}` : ''}, no context takeover`;
  const why = /none of the extension offers/i.test(wsReason)
    ? `none of the client's offers fits the lab's settings (${settings}; an offer's server_max_window_bits below the lab's window, for one, cannot be granted)`
    : `the offer is invalid (${wsReason.replace(/\.$/, '')})`;
  return `The server declined permessage-deflate and opened the connection without it (RFC 7692 §5): ${why}.`;
}
