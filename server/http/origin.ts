// Which pages may open a WebSocket to wslab or call its API from a browser.
import type { IncomingMessage } from 'node:http';

/**
 * Cross-site WebSocket hijacking defence: a browser always sends Origin, and it must be one of the
 * origins this server's own pages have (the allowlist: its served hosts, plus --allow-origin).
 * An Origin that merely matches the Host header proves nothing: a DNS-rebound page on
 * evil.example sends Origin and Host both as evil.example (the Host rule refuses those first).
 * Clients that are not browsers send no Origin and are let through: Origin protects users'
 * browsers, not the server.
 */
export function originAllowed(req: IncomingMessage, allow: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  return allow.includes(origin);
}
