// Scrolls the window after each client-side navigation (the rule is in scroll.ts): a new page
// starts at its top or its #anchor, back and forward return to the position the reader left.
// The router (a declarative BrowserRouter) does none of this itself, and the browser's own
// restoration runs before a route has drawn, so it is switched off here.
import { useEffect, useLayoutEffect, useRef } from 'react';
import { useLocation, useNavigationType } from 'react-router';
import { remember, scrollTarget, type ScrollTarget } from './scroll.ts';

const STORE_KEY = 'wslab:scroll';
/** How long a restore or an anchor keeps its place while the page is still drawing (lazy diagrams, fetched data). */
const SETTLE_MS = 3000;

function load(): Map<string, number> {
  try {
    const raw = JSON.parse(sessionStorage.getItem(STORE_KEY) ?? '[]') as unknown;
    if (Array.isArray(raw)) return new Map(raw.filter((e): e is [string, number] => Array.isArray(e) && typeof e[0] === 'string' && typeof e[1] === 'number'));
  } catch {
    // storage off or a damaged value: start empty
  }
  return new Map();
}

function store(saved: Map<string, number>): void {
  try {
    sessionStorage.setItem(STORE_KEY, JSON.stringify([...saved]));
  } catch {
    // storage full or off: positions then live for this page's life only
  }
}

/**
 * Puts the window at the target, and keeps it there while the page grows under it, until the
 * target is reached (a restore), the settle time ends, or the reader scrolls, clicks or types.
 * Returns the function that stops it.
 */
function settle(target: ScrollTarget): () => void {
  if (target.kind === 'keep') return () => {};
  if (target.kind === 'top') {
    window.scrollTo(0, 0);
    return () => {};
  }
  let done = false;
  const place = (): void => {
    if (done) return;
    if (target.kind === 'restore') {
      window.scrollTo(0, target.y);
      if (Math.abs(window.scrollY - target.y) < 2) stop();
    } else {
      document.getElementById(target.id)?.scrollIntoView({ block: 'start' });
    }
  };
  const observer = new ResizeObserver(place);
  const timer = window.setTimeout(() => stop(), SETTLE_MS);
  const USER = ['wheel', 'touchstart', 'keydown', 'mousedown'] as const;
  function stop(): void {
    if (done) return;
    done = true;
    observer.disconnect();
    window.clearTimeout(timer);
    for (const t of USER) window.removeEventListener(t, stop, true);
  }
  for (const t of USER) window.addEventListener(t, stop, { capture: true, passive: true });
  observer.observe(document.body);
  place();
  return stop;
}

export function ScrollManager() {
  const location = useLocation();
  const action = useNavigationType();
  const saved = useRef<Map<string, number> | null>(null);
  saved.current ??= load();
  const shown = useRef<{ key: string; pathname: string; target: ScrollTarget } | null>(null);

  useEffect(() => {
    const before = history.scrollRestoration;
    history.scrollRestoration = 'manual';
    const onScroll = (): void => {
      if (shown.current) remember(saved.current!, shown.current.key, window.scrollY);
    };
    const onHide = (): void => store(saved.current!);
    window.addEventListener('scroll', onScroll, { passive: true });
    window.addEventListener('pagehide', onHide);
    return () => {
      history.scrollRestoration = before;
      window.removeEventListener('scroll', onScroll);
      window.removeEventListener('pagehide', onHide);
    };
  }, []);

  useLayoutEffect(() => {
    const previous = shown.current;
    // the same entry again (React re-running the effect) keeps the target it was given
    if (previous?.key === location.key) return settle(previous.target);
    const target = scrollTarget(
      { action, key: location.key, pathname: location.pathname, hash: location.hash, previousPathname: previous?.pathname ?? location.pathname },
      saved.current!,
    );
    shown.current = { key: location.key, pathname: location.pathname, target };
    const stop = settle(target);
    remember(saved.current!, location.key, target.kind === 'restore' ? target.y : window.scrollY);
    store(saved.current!);
    return stop;
  }, [location.key, location.pathname, location.hash, action]);

  return null;
}
