// Which subprotocol an upgrade is answered with. A bearer token may ride in Sec-WebSocket-Protocol
// (browsers cannot set Authorization on a WebSocket); it is never echoed back.

/** Offered subprotocols that start with this carry a token, not a protocol name. */
export const BEARER_PREFIX = 'bearer.';

/**
 * Chooses the subprotocol to answer: the first offered one that is not a bearer token, so a token
 * sent in Sec-WebSocket-Protocol is never echoed back in the response (or logged by proxies that
 * log responses). False when only tokens were offered: the client should offer `wslab.chat` too.
 */
export function selectSubprotocol(offered: Iterable<string>): string | false {
  for (const p of offered) if (!p.startsWith(BEARER_PREFIX)) return p;
  return false;
}
