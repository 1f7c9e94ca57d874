// Where the window should scroll after a client-side navigation, decided without the DOM
// (ScrollManager.tsx does the scrolling). The browser's own rule for full page loads, applied
// to router navigations: a new entry starts at the top or at its #anchor; back and forward
// return to where the reader was on that entry.

export type NavAction = 'PUSH' | 'REPLACE' | 'POP';

export interface NavStep {
  action: NavAction;
  /** the router's key for the entry now shown ("default" for entries the router did not make) */
  key: string;
  pathname: string;
  hash: string;
  /** the pathname shown before this navigation */
  previousPathname: string;
}

export type ScrollTarget =
  | { kind: 'top' }
  | { kind: 'anchor'; id: string }
  | { kind: 'restore'; y: number }
  /** leave the window where it is (a page rewriting its own query string, say) */
  | { kind: 'keep' };

/** The element id a location hash names ("#a%20b" → "a b"), or null for an empty hash. */
export function anchorId(hash: string): string | null {
  const raw = hash.startsWith('#') ? hash.slice(1) : hash;
  if (!raw) return null;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

export function scrollTarget(step: NavStep, saved: ReadonlyMap<string, number>): ScrollTarget {
  const id = anchorId(step.hash);
  if (step.action === 'POP') {
    // Entries the router did not make (the skip link, a typed #fragment) share the key
    // "default" with the first page loaded, so a position saved under it is not theirs.
    const y = step.key === 'default' && id ? undefined : saved.get(step.key);
    if (y !== undefined) return { kind: 'restore', y };
    return id ? { kind: 'anchor', id } : { kind: 'keep' };
  }
  // A page that replaces its own entry (the decode and inspect pages keep their input in the
  // query string as it changes) stays where the reader is.
  if (step.action === 'REPLACE' && step.pathname === step.previousPathname) return { kind: 'keep' };
  return id ? { kind: 'anchor', id } : { kind: 'top' };
}

/** Saved positions, oldest first, trimmed to `max` entries so the store has a bound. */
export function remember(saved: Map<string, number>, key: string, y: number, max = 200): void {
  saved.delete(key);
  saved.set(key, Math.max(0, Math.round(y)));
  while (saved.size > max) saved.delete(saved.keys().next().value as string);
}
