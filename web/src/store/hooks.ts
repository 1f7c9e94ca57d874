// React's side of the store: a component subscribes to the slice it shows and re-renders only
// when that slice's version moves (at most once per animation frame).
import { useSyncExternalStore } from 'react';
import { getStore, type EventStore } from './store.ts';

type Slice = Parameters<EventStore['version']>[0];

/** Re-renders the caller when `slice` changed; returns the store to read from. */
export function useStoreSlice(slice: Slice, store: EventStore = getStore()): EventStore {
  useSyncExternalStore(store.subscribe, () => store.version(slice));
  return store;
}
