// Authentication for the chat lab: short-lived JWTs (HS256, jose) issued by POST /lab/login, and
// the three places a WebSocket client can present one at the handshake — `?token=`, the
// `wslab_token` cookie, or a `bearer.<token>` entry in Sec-WebSocket-Protocol — or later in an
// `auth` message. There are no passwords: it is a lab, the point is where the token travels.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { SignJWT, jwtVerify, errors } from 'jose';
import { NAME_RE } from '../../fanout/envelope.ts';
import { BEARER_PREFIX } from '../../connection/subprotocol.ts';

export const TOKEN_COOKIE = 'wslab_token';
/** The subprotocol a chat client offers next to its bearer entry; the server selects it. */
export const CHAT_SUBPROTOCOL = 'wslab.chat';
export const DEFAULT_TOKEN_TTL_S = 15 * 60;
const ISSUER = 'wslab';
const AUDIENCE = 'wslab.chat';

/** RFC 6455 close codes the chat lab uses when authentication fails. */
export const CLOSE_POLICY = 1008; // no token at all, or not the first message: policy violation
export const CLOSE_UNAUTHORIZED = 4001; // a token was presented and it is bad or expired

export type VerifyResult = { ok: true; user: string; exp: number } | { ok: false; reason: 'expired' | 'invalid'; detail: string };

export class Auth {
  private readonly key: Uint8Array;

  /** `secret`: a configured secret (a fleet of nodes must share one); default random per start. */
  constructor(secret?: string | null) {
    this.key = secret ? new TextEncoder().encode(secret) : randomBytes(32);
  }

  /** A token for `user`, valid `ttlSeconds` (negative makes an already expired one, for labs and tests). */
  async issue(user: string, ttlSeconds = DEFAULT_TOKEN_TTL_S): Promise<{ token: string; exp: number }> {
    const now = Math.floor(Date.now() / 1000);
    const exp = now + ttlSeconds;
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(user)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(Math.min(now, exp))
      .setExpirationTime(exp)
      .sign(this.key);
    return { token, exp };
  }

  async verify(token: string): Promise<VerifyResult> {
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE });
      if (typeof payload.sub !== 'string' || !NAME_RE.test(payload.sub) || typeof payload.exp !== 'number') {
        return { ok: false, reason: 'invalid', detail: 'the token names no valid user' };
      }
      return { ok: true, user: payload.sub, exp: payload.exp };
    } catch (err) {
      if (err instanceof errors.JWTExpired) return { ok: false, reason: 'expired', detail: 'the token has expired' };
      if (err instanceof errors.JWSSignatureVerificationFailed) return { ok: false, reason: 'invalid', detail: 'the token signature does not verify' };
      if (err instanceof errors.JWTClaimValidationFailed) return { ok: false, reason: 'invalid', detail: `the token claim ${err.claim} is not valid` };
      if (err instanceof errors.JOSEAlgNotAllowed) return { ok: false, reason: 'invalid', detail: 'the token is not signed with HS256' };
      return { ok: false, reason: 'invalid', detail: 'the token is malformed (not a signed JWT)' };
    }
  }

  /** POST /lab/login {"user": NAME} → {token, user, exp, expiresIn}; also sets the wslab_token cookie. */
  async login(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
    const user = (body as { user?: unknown } | null)?.user;
    if (typeof user !== 'string' || !NAME_RE.test(user)) {
      return json(res, 400, { error: 'send {"user": NAME} with NAME 1-32 characters of A-Z a-z 0-9 _ -' });
    }
    const { token, exp } = await this.issue(user);
    // HttpOnly: page scripts cannot read it; SameSite=Lax: not sent on cross-site subrequests. The
    // Origin check at the upgrade is still what stops cross-site WebSocket hijacking (same-site
    // pages on other ports do send it).
    res.setHeader('Set-Cookie', `${TOKEN_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${DEFAULT_TOKEN_TTL_S}`);
    json(res, 200, { user, token, exp, expiresIn: DEFAULT_TOKEN_TTL_S });
    void req;
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(body) + '\n');
}

export interface HandshakeToken {
  token: string;
  /** where the client put it */
  via: 'query' | 'cookie' | 'subprotocol';
}

/** The token a client presented in its upgrade request, if any (query, then subprotocol, then cookie). */
export function tokenFromHandshake(url: URL, headers: IncomingMessage['headers']): HandshakeToken | null {
  const q = url.searchParams.get('token');
  if (q) return { token: q, via: 'query' };
  const protocols = headers['sec-websocket-protocol'];
  if (typeof protocols === 'string') {
    for (const p of protocols.split(',')) {
      const entry = p.trim();
      if (entry.startsWith(BEARER_PREFIX) && entry.length > BEARER_PREFIX.length) return { token: entry.slice(BEARER_PREFIX.length), via: 'subprotocol' };
    }
  }
  const cookie = headers.cookie;
  if (cookie) {
    for (const part of cookie.split(';')) {
      const eq = part.indexOf('=');
      if (eq > 0 && part.slice(0, eq).trim() === TOKEN_COOKIE) {
        const value = part.slice(eq + 1).trim();
        if (value) return { token: value, via: 'cookie' };
      }
    }
  }
  return null;
}
