// React's side of the store: a component subscribes to the slice it shows and re-renders only
// when that slice's version moves (at most once per animation frame).
import { useCallback, useSyncExternalStore } from 'react';
import { getStore, type EventStore } from './store.ts';

export type Slice = Parameters<EventStore['version']>[0];

/** Re-renders the caller when `slice` changed; returns the store to read from. */
export function useStoreSlice(slice: Slice, store: EventStore = getStore()): EventStore {
  useSyncExternalStore(store.subscribe, () => store.version(slice));
  return store;
}

/**
 * Re-renders the caller only when `select(store)` returns a different value (compared with
 * Object.is, so return a primitive: a number, or a string key built from what is shown). Use it
 * where a slice moves often but the part shown rarely does (a connection's counts while another
 * connection streams).
 */
export function useStoreSelector<T extends string | number | boolean | null>(select: (store: EventStore) => T, deps: readonly unknown[], store: EventStore = getStore()): T {
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const get = useCallback(() => select(store), [store, ...deps]);
  return useSyncExternalStore(store.subscribe, get);
}

/**
 * Like useStoreSlice, but re-renders at most every `ms` milliseconds (the first change at once,
 * the rest coalesced). For views whose cost grows with the update rate, such as a list that
 * follows a stream of 20,000 frames a second: every event is still stored, only redraws thin out.
 */
export function useThrottledSlice(slice: Slice, ms: number, store: EventStore = getStore()): EventStore {
  const subscribe = useCallback(
    (fn: () => void) => {
      let last = 0;
      let timer: ReturnType<typeof setTimeout> | null = null;
      const unsubscribe = store.subscribe(() => {
        const now = performance.now();
        if (now - last >= ms) {
          last = now;
          fn();
        } else if (timer === null) {
          timer = setTimeout(() => {
            timer = null;
            last = performance.now();
            fn();
          }, ms - (now - last));
        }
      });
      return () => {
        unsubscribe();
        if (timer !== null) clearTimeout(timer);
      };
    },
    [store, ms],
  );
  useSyncExternalStore(subscribe, () => store.version(slice));
  return store;
}
