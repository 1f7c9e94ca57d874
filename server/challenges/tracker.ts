// Watches the event bus for each learner: a connection belongs to the learner named by its
// ?session= id and to the one named by its page's wslab_session cookie; a refused upgrade to the
// one named by its ?session=. Each learner gets a fresh watcher per unsolved challenge, fed that
// learner's events in order. Memory is bounded: learners are capped (least recently active
// forgotten first), connections are tracked while they live, watchers keep bounded notes, and a
// learner's watchers are made at their first event, not for learners only remembered.
//
// Learners are known by a hash of their id (store.ts), in memory as on disk. With a state
// directory, solved challenges are saved to DIR/challenges.json and read back at start.
import type { EventBus, BusEntry } from '../stream/bus.ts';
import type { Registry } from '../connection/registry.ts';
import type { WslabEvent } from '../core/events/schema.ts';
import { CHALLENGES } from '../core/challenges/list.ts';
import type { Challenge, ChallengeStatus, Watch } from '../core/challenges/types.ts';
import { ProgressStore, type StoredLearner } from './store.ts';

/** Learners remembered at once (the least recently active is forgotten first). */
export const MAX_LEARNERS = 2000;
/**
 * Message events read per connection at most: reading one means rendering the tap's binary record
 * as an object, so a long-lived or streaming connection stops costing anything after this many.
 */
export const MESSAGES_PER_CONN = 256;
/** What watchers read. Not `frame`: closes come from close events, rule breaking from error events. */
const WATCHED_TYPES = new Set(['conn.open', 'handshake', 'message', 'ping', 'pong', 'heartbeat', 'close', 'error', 'link', 'meta', 'fanout', 'refused']);

interface Learner {
  /** a watcher per unsolved challenge; null until the learner's first event since start */
  watchers: Map<string, Watch> | null;
  solvedAt: Map<string, number>;
  /** when last seen, ms since 1970 */
  seen: number;
}

export interface TrackerOptions {
  bus: EventBus;
  registry: Registry;
  challenges?: readonly Challenge[];
  maxLearners?: number;
  /** wall clock for solvedAt (injected in tests) */
  now?: () => number;
  /**
   * keep solved challenges in DIR/challenges.json (read at start, written `delayMs` after a solve
   * and at close); without it progress lives in memory only
   */
  persist?: { dir: string; delayMs?: number; report?: (sentence: string) => void };
}

export class ChallengeTracker {
  private readonly learners = new Map<string, Learner>();
  /** live connection → the learners it belongs to, and the message events it may still feed */
  private readonly owners = new Map<string, { keys: string[]; messages: number }>();
  /** hashes ids (and saves progress when persisting) */
  private readonly store: ProgressStore;
  private readonly persisting: boolean;
  /** learners were read from the file, or seen since start: close() has something to save */
  private touched = false;
  private readonly challenges: readonly Challenge[];
  private readonly maxLearners: number;
  private readonly now: () => number;
  private readonly unsubscribe: () => void;

  constructor(private readonly options: TrackerOptions) {
    this.challenges = options.challenges ?? CHALLENGES;
    this.maxLearners = options.maxLearners ?? MAX_LEARNERS;
    this.now = options.now ?? Date.now;
    this.persisting = options.persist !== undefined;
    this.store = new ProgressStore(options.persist ?? { dir: '' });
    if (this.persisting) {
      const known = new Set(this.challenges.map((c) => c.id));
      for (const stored of this.store.load(this.maxLearners)) {
        const solvedAt = new Map(Object.entries(stored.solved).filter(([id]) => known.has(id)));
        this.learners.set(stored.key, { watchers: null, solvedAt, seen: stored.seen });
        this.touched = true;
      }
    }
    // entries, not events: a frame record becomes an object only when it is a learner's
    this.unsubscribe = options.bus.subscribeEntries((entry) => this.onEntry(entry));
  }

  private onEntry(entry: BusEntry): void {
    if (!WATCHED_TYPES.has(entry.type)) return;
    if (entry.type === 'conn.open') {
      const e = entry.event as WslabEvent & { type: 'conn.open' };
      const cookie = this.options.registry.get(e.conn)?.cookieSession ?? null;
      const keys = [...new Set([e.sessionId, cookie].filter((k): k is string => k !== null))].map((k) => this.store.hash(k));
      if (keys.length === 0) return;
      this.owners.set(e.conn, { keys, messages: MESSAGES_PER_CONN });
      this.feed(keys, e);
      return;
    }
    if (entry.type === 'refused') {
      const e = entry.event as WslabEvent & { type: 'refused' };
      if (e.sessionId) this.feed([this.store.hash(e.sessionId)], e);
      return;
    }
    const owner = entry.conn === undefined ? undefined : this.owners.get(entry.conn);
    if (!owner) return;
    if (entry.type === 'message' && owner.messages-- <= 0) return;
    const e = entry.event;
    this.feed(owner.keys, e);
    if (e.type === 'close') this.owners.delete(e.conn);
  }

  private feed(keys: readonly string[], e: WslabEvent): void {
    let solved = false;
    for (const key of keys) {
      const learner = this.learner(key);
      learner.watchers ??= new Map(this.challenges.filter((c) => !learner.solvedAt.has(c.id)).map((c) => [c.id, c.watch()]));
      for (const [id, watch] of learner.watchers) {
        if (!watch(e)) continue;
        learner.watchers.delete(id);
        learner.solvedAt.set(id, this.now());
        solved = true;
      }
    }
    if (solved && this.persisting) this.store.changed(() => this.snapshot());
  }

  /** The learners with something solved, least recently seen first (the file's form). */
  private snapshot(): StoredLearner[] {
    const out: StoredLearner[] = [];
    for (const [key, learner] of this.learners) {
      if (learner.solvedAt.size > 0) out.push({ key, seen: learner.seen, solved: Object.fromEntries(learner.solvedAt) });
    }
    return out;
  }

  private learner(key: string): Learner {
    let learner = this.learners.get(key);
    if (learner) {
      // most recently active last: the first entry is the one to forget
      this.learners.delete(key);
    } else {
      learner = { watchers: null, solvedAt: new Map(), seen: 0 };
      if (this.learners.size >= this.maxLearners) this.learners.delete(this.learners.keys().next().value!);
    }
    learner.seen = this.now();
    this.touched = true;
    this.learners.set(key, learner);
    return learner;
  }

  /** Every challenge with this learner's progress (all unsolved for a learner never seen). */
  status(key: string): ChallengeStatus[] {
    const solved = this.learners.get(this.store.hash(key))?.solvedAt;
    return this.challenges.map((c) => ({
      id: c.id,
      lesson: c.lesson,
      title: c.title,
      goal: c.goal,
      solved: solved?.has(c.id) ?? false,
      solvedAt: solved?.get(c.id) ?? null,
    }));
  }

  get learnerCount(): number {
    return this.learners.size;
  }

  /** Where progress is saved, or null when it lives in memory only. */
  get savedTo(): string | null {
    return this.persisting ? this.store.path : null;
  }

  /** Stops watching; with a state directory, saves what changed first. */
  async close(): Promise<void> {
    this.unsubscribe();
    if (this.persisting && this.touched) {
      // the learners seen since the last solve are saved as last seen too
      this.store.changed(() => this.snapshot());
      await this.store.flush();
    }
    this.learners.clear();
    this.owners.clear();
  }
}
