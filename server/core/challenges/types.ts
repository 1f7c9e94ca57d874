// A challenge is data, in the spirit of Learn Git Branching's levels: an outcome on the wire to
// reach, hints, and a reference solution a test replays. Whether it is reached is decided by one
// pure watcher fed the events of the learner's own connections, in order, never by a button.
// Pure: imports nothing from node:* or the DOM, so the web app shows the same definitions.
import type { WslabEvent } from '../events/schema.ts';

/**
 * Sees the learner's events one by one and returns true once the goal is reached. Made fresh per
 * learner; its memory is bounded (per-connection notes are dropped when the connection closes and
 * capped in number).
 */
export type Watch = (e: WslabEvent) => boolean;

export interface Challenge {
  /** stable id, e.g. "unmasked-1002" */
  id: string;
  /** the lesson it belongs to (the lesson file's `id`) */
  lesson: string;
  title: string;
  /** the goal, stated as what must happen on the wire */
  goal: string;
  /** from a nudge to nearly the answer */
  hints: string[];
  /** the reference solution as steps a learner can follow (the suite replays it with real sockets) */
  solution: string[];
  /** a fresh watcher for one learner */
  watch(): Watch;
}

/** What GET /__wslab/challenges returns for one challenge. */
export interface ChallengeStatus {
  id: string;
  lesson: string;
  title: string;
  goal: string;
  solved: boolean;
  /** when it was solved, ms since 1970 (the server's clock); null while unsolved */
  solvedAt: number | null;
}
