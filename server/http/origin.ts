// Which pages may open a WebSocket to wslab or call its API from a browser.
import type { IncomingMessage } from 'node:http';

/**
 * Cross-site WebSocket hijacking defence: a browser always sends Origin, so a page's own origin
 * must match the Host it connected to (or the allowlist). Clients that are not browsers send no
 * Origin and are let through: Origin protects users' browsers, not the server.
 */
export function originAllowed(req: IncomingMessage, allow: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (allow.includes(origin)) return true;
  const host = req.headers.host;
  if (!host) return false;
  return origin === `http://${host}` || origin === `https://${host}`;
}
