// Whose request is this: the wslab_session cookie, and the public id derived from it.
//
// The cookie is what authorises (joining the workshop, changing one's own connections). Events,
// /__wslab/connections and the room show only the public id: an HMAC of the cookie under a secret
// made at process start, so reading an event stream tells nobody a value they could send back as
// a cookie to act as someone else.
import type { IncomingMessage } from 'node:http';
import { createHmac, randomBytes } from 'node:crypto';

export const SESSION_COOKIE = 'wslab_session';
/** What a session id may be (?session= or the wslab_session cookie). */
export const SESSION_RE = /^[A-Za-z0-9_-]{1,64}$/;

const SECRET = randomBytes(32);

/** One cookie of a request, or null. */
export function cookieOf(req: IncomingMessage, name: string): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

/** The request's wslab_session cookie when it is well formed, else null. */
export function sessionCookie(req: IncomingMessage): string | null {
  const raw = cookieOf(req, SESSION_COOKIE);
  return raw && SESSION_RE.test(raw) ? raw : null;
}

/** The public id of a session cookie: 22 URL-safe characters that cannot be turned back into it. */
export function publicSessionId(cookie: string): string {
  return createHmac('sha256', SECRET).update(cookie, 'utf8').digest('base64url').slice(0, 22);
}

/** The public id of the session making a request (from its cookie), or null without one. */
export function requestOwner(req: IncomingMessage): string | null {
  const c = sessionCookie(req);
  return c === null ? null : publicSessionId(c);
}

/** Who opens a WebSocket, as its connection's events will say. */
export interface UpgradeIdentity {
  /** the well-formed wslab_session cookie, or null: never put in an event */
  cookieSession: string | null;
  /** the cookie's public id: whose connection this is */
  owner: string | null;
  /** `?session=` when well formed, else the owner */
  sessionId: string | null;
  /** what the client says it is (x-wslab-client: puppet, sim, builder), else browser (with an Origin) or external */
  client: string;
}

export function upgradeIdentity(req: IncomingMessage, url: URL): UpgradeIdentity {
  const cookieSession = sessionCookie(req);
  const owner = cookieSession === null ? null : publicSessionId(cookieSession);
  const sessionRaw = url.searchParams.get('session') ?? owner;
  const header = req.headers['x-wslab-client'];
  return {
    cookieSession,
    owner,
    sessionId: sessionRaw && SESSION_RE.test(sessionRaw) ? sessionRaw : null,
    client: typeof header === 'string' && /^(puppet|sim|builder)$/.test(header) ? header : req.headers.origin ? 'browser' : 'external',
  };
}
