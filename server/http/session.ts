// A browser's session: the id a page names in ?session= or the wslab_session cookie.
import type { IncomingMessage } from 'node:http';

/** What a session id may be (?session= or the wslab_session cookie). */
export const SESSION_RE = /^[A-Za-z0-9_-]{1,64}$/;

/** One cookie of a request, or null. */
export function cookie(req: IncomingMessage, name: string): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}
