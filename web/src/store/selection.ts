// What the learner has selected, shared by every view: clicking an arrow in the sequence diagram
// selects that frame in the inspector, and the other way round.
import { useSyncExternalStore } from 'react';

export interface Selection {
  /** seq of the selected event (a frame, usually) */
  seq: number | null;
  /** the connection in focus */
  conn: string | null;
}

let current: Selection = { seq: null, conn: null };
const listeners = new Set<() => void>();

export function select(next: Partial<Selection>): void {
  current = { ...current, ...next };
  for (const fn of listeners) fn();
}

export function getSelection(): Selection {
  return current;
}

function subscribe(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function useSelection(): Selection {
  return useSyncExternalStore(subscribe, getSelection);
}
