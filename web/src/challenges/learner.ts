// Who the learner is, to the server: the wslab_session cookie every page load carries. Browser
// WebSockets send it by themselves; connections the server opens for the page (puppets, crafted
// frames) name it in ?session= so challenges count them as the learner's own.
import { SESSION_RE } from './model.ts';

/** The learner's session id (the wslab_session cookie), or null before the server set one. */
export function learnerId(): string | null {
  if (typeof document === 'undefined') return null;
  for (const part of document.cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === 'wslab_session') {
      const value = part.slice(eq + 1).trim();
      return SESSION_RE.test(value) ? value : null;
    }
  }
  return null;
}

/** `path` with ?session=LEARNER added, unless it names a session already or the learner is unknown. */
export function withLearner(path: string, learner: string | null = learnerId()): string {
  if (!learner || /[?&]session=/.test(path)) return path;
  return `${path}${path.includes('?') ? '&' : '?'}session=${learner}`;
}
