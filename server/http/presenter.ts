// The presenter key: a random secret made when `wslab start --workshop` starts, printed once inside
// the presenter URL, and required (Authorization: Bearer KEY) by the presenter's actions. Nothing
// else knows it: it is never in an event, a page or a cookie.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** 144 random bits, URL-safe (24 characters). */
export function newPresenterKey(): string {
  return randomBytes(18).toString('base64url');
}

export type PresenterCheck = { ok: true } | { ok: false; status: 401 | 403; error: string };

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * Checks an Authorization header against the key. Both sides are hashed first, so the comparison
 * is constant-time whatever the length of what was sent (timingSafeEqual needs equal lengths, and
 * comparing lengths first would tell an attacker the key's length).
 */
export function checkPresenter(authorization: string | undefined, key: string): PresenterCheck {
  const m = authorization === undefined ? null : /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
  if (!m) {
    return {
      ok: false,
      status: 401,
      error: 'presenter actions need the presenter key: send Authorization: Bearer KEY (KEY is the key= of the presenter URL wslab printed at start)',
    };
  }
  if (!timingSafeEqual(digest(m[1]), digest(key))) return { ok: false, status: 403, error: 'the presenter key is wrong' };
  return { ok: true };
}
