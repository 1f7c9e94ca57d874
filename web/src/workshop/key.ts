// The presenter key arrives once, in the address wslab printed (/workshop?key=KEY). It leaves the
// address bar before anything renders: a projected address bar would show the room the key, and
// it would ride along in Referer on every later request. It is kept for this tab only.

const STORAGE = 'wslab.workshop.presenterKey';

/** Moves ?key= of a /workshop address into this tab's storage. Call before the app renders. */
export function capturePresenterKey(): void {
  const url = new URL(location.href);
  if (!['/workshop', '/workshop/projector'].includes(url.pathname.replace(/\/+$/, ''))) return;
  const key = url.searchParams.get('key');
  if (key === null) return;
  url.searchParams.delete('key');
  history.replaceState(history.state, '', url.pathname + url.search + url.hash);
  try {
    if (key) sessionStorage.setItem(STORAGE, key);
  } catch {
    // storage unavailable: the key is gone with the address, and the page says how to get in
  }
}

export function presenterKey(): string | null {
  try {
    return sessionStorage.getItem(STORAGE);
  } catch {
    return null;
  }
}

export function forgetPresenterKey(): void {
  try {
    sessionStorage.removeItem(STORAGE);
  } catch {
    // nothing kept
  }
}
