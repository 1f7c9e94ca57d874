// The connections this page opened (browser sockets, puppets, the terminal's, the builder's), so
// the playground's frame list and diagram can show just those. Lives outside React; browser
// sockets are matched to the server's connection id through their ?session= id.
import { useSyncExternalStore } from 'react';
import { getStore, type EventStore } from '../store/store.ts';
import { findConnBySession } from './session.ts';
import { Versioned } from '../store/versioned.ts';

export type OwnKind = 'browser' | 'puppet' | 'terminal' | 'builder';

export interface OwnConn {
  key: string;
  kind: OwnKind;
  /** what the learner sees, e.g. "browser → /lab/echo" */
  label: string;
  /** the server's connection id, once known */
  conn: string | null;
  session: string | null;
  /** the store's lastSeq when the connection was started: the conn.open comes after it */
  afterSeq: number;
}

export class OwnConns extends Versioned {
  list: OwnConn[] = [];
  private unsubscribeStore: (() => void) | null = null;
  private counter = 0;

  constructor(private readonly store: () => EventStore = getStore) {
    super();
  }

  /** Adds a connection; `conn` when already known (puppets, the builder), else matched by `session`. */
  add(kind: OwnKind, label: string, ids: { conn?: string | null; session?: string | null }): OwnConn {
    const item: OwnConn = {
      key: `${kind}-${++this.counter}`,
      kind,
      label,
      conn: ids.conn ?? null,
      session: ids.session ?? null,
      afterSeq: this.store().lastSeq,
    };
    this.list = [...this.list, item];
    if (item.conn === null) this.watch();
    this.changed();
    return item;
  }

  /** Resolves to the server's connection id for `item`, waiting up to `timeoutMs` for its conn.open. */
  async connOf(item: OwnConn, timeoutMs = 3000): Promise<string | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const current = this.list.find((i) => i.key === item.key);
      if (current?.conn) return current.conn;
      this.resolve();
      if (Date.now() > deadline) return null;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  has(conn: string): boolean {
    return this.list.some((i) => i.conn === conn);
  }

  conns(): Set<string> {
    const set = new Set<string>();
    for (const i of this.list) if (i.conn) set.add(i.conn);
    return set;
  }

  private watch(): void {
    if (this.unsubscribeStore) return;
    this.unsubscribeStore = this.store().subscribe(() => this.resolve());
  }

  private resolve(): void {
    const events = this.store().events;
    let found = false;
    let pending = false;
    this.list = this.list.map((i) => {
      if (i.conn || !i.session) return i;
      const conn = findConnBySession(events, i.session, i.afterSeq);
      if (!conn) {
        pending = true;
        return i;
      }
      found = true;
      return { ...i, conn };
    });
    if (!pending && this.unsubscribeStore) {
      this.unsubscribeStore();
      this.unsubscribeStore = null;
    }
    if (found) this.changed();
  }

}

let shared: OwnConns | null = null;

/** The page's one list of its own connections. */
export function getOwnConns(): OwnConns {
  shared ??= new OwnConns();
  return shared;
}

/** Re-renders when the list changes; returns it. */
export function useOwnConns(own: OwnConns = getOwnConns()): OwnConn[] {
  useSyncExternalStore(own.subscribe, own.getVersion);
  return own.list;
}
