// The review deck's spacing: a Leitner schedule. A quiz question the learner got wrong enters the
// deck due at once; each right answer moves it up a box and pushes it further away (1, 3, 7, then
// 16 days), each wrong answer sends it back to box 0, due again in ten minutes. A card answered
// right in the last box is learned and leaves the deck. Pure: the clock is a parameter.

import { hash32 } from '../lessons/quiz.ts';

export const MINUTE = 60_000;
export const DAY = 24 * 60 * MINUTE;

/** Wait after a right answer that lifts a card into box i (index 0 unused: box 0 is "due now"). */
export const BOX_INTERVALS: readonly number[] = [0, 1 * DAY, 3 * DAY, 7 * DAY, 16 * DAY];
/** Wait after a wrong answer: later in the same sitting, not at once. */
export const RELEARN_DELAY = 10 * MINUTE;
/** A bound on the stored deck (the curriculum has far fewer questions). */
export const MAX_CARDS = 2000;

export interface Card {
  /** 0..BOX_INTERVALS.length-1 */
  box: number;
  /** epoch ms when the card is next due */
  due: number;
  /** wrong answers given in the deck */
  lapses: number;
  /** answers given in the deck */
  reviews: number;
  /** answered right in the last box: out of the deck */
  learned: boolean;
}

/** Card key → card. A key is `lessonId#quizIndex`. */
export type Deck = Record<string, Card>;

export function cardKey(lessonId: string, quizIndex: number): string {
  return `${lessonId}#${quizIndex}`;
}

export function parseCardKey(key: string): { lessonId: string; quizIndex: number } | null {
  const m = /^([a-z0-9-]+)#(\d{1,4})$/.exec(key);
  return m ? { lessonId: m[1], quizIndex: Number(m[2]) } : null;
}

/** Adds the keys not in the deck yet, due at `now`; cards already there (learned or not) stay as they are. */
export function enroll(deck: Deck, keys: Iterable<string>, now: number): Deck {
  let out: Deck | null = null;
  for (const key of keys) {
    if (deck[key] || (out && out[key]) || !parseCardKey(key)) continue;
    out ??= { ...deck };
    if (Object.keys(out).length >= MAX_CARDS) break;
    out[key] = { box: 0, due: now, lapses: 0, reviews: 0, learned: false };
  }
  return out ?? deck;
}

/** The card after one answer at `now`. */
export function review(card: Card, correct: boolean, now: number): Card {
  const reviews = card.reviews + 1;
  if (!correct) return { box: 0, due: now + RELEARN_DELAY, lapses: card.lapses + 1, reviews, learned: false };
  const last = BOX_INTERVALS.length - 1;
  if (card.box >= last) return { ...card, reviews, due: now, learned: true };
  const box = card.box + 1;
  return { box, due: now + BOX_INTERVALS[box], lapses: card.lapses, reviews, learned: false };
}

/** The keys due at `now`, earliest first (ties by key, so the order is stable). */
export function dueKeys(deck: Deck, now: number): string[] {
  return Object.entries(deck)
    .filter(([, c]) => !c.learned && c.due <= now)
    .sort(([ka, a], [kb, b]) => a.due - b.due || ka.localeCompare(kb))
    .map(([k]) => k);
}

/** When the next card not due yet becomes due, or null when none waits. */
export function nextDue(deck: Deck, now: number): number | null {
  let next: number | null = null;
  for (const c of Object.values(deck)) if (!c.learned && c.due > now && (next === null || c.due < next)) next = c.due;
  return next;
}

export interface DeckStats {
  due: number;
  waiting: number;
  learned: number;
}

export function deckStats(deck: Deck, now: number): DeckStats {
  const s = { due: 0, waiting: 0, learned: 0 };
  for (const c of Object.values(deck)) {
    if (c.learned) s.learned++;
    else if (c.due <= now) s.due++;
    else s.waiting++;
  }
  return s;
}

/** "in 10 minutes", "in 3 days": how long until `at`, rounded up to the unit shown. */
export function formatWait(at: number, now: number): string {
  const ms = Math.max(0, at - now);
  if (ms < MINUTE) return 'in under a minute';
  if (ms < 90 * MINUTE) {
    const m = Math.ceil(ms / MINUTE);
    return `in ${m} minute${m === 1 ? '' : 's'}`;
  }
  if (ms < 36 * 60 * MINUTE) {
    const h = Math.round(ms / (60 * MINUTE));
    return `in ${h} hour${h === 1 ? '' : 's'}`;
  }
  const d = Math.round(ms / DAY);
  return `in ${d} day${d === 1 ? '' : 's'}`;
}

/** A card read back from storage or a file, or a sentence saying what is wrong with it. */
export function checkCard(v: unknown): Card | string {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return 'must be an object with box, due, lapses, reviews and learned';
  const c = v as Record<string, unknown>;
  const int = (x: unknown, min: number, max: number) => typeof x === 'number' && Number.isInteger(x) && x >= min && x <= max;
  if (!int(c.box, 0, BOX_INTERVALS.length - 1)) return `box must be a whole number from 0 to ${BOX_INTERVALS.length - 1}`;
  if (!int(c.due, 0, 8.64e15)) return 'due must be a time in milliseconds since 1970';
  if (!int(c.lapses, 0, 1e6)) return 'lapses must be a whole number of at least 0';
  if (!int(c.reviews, 0, 1e6)) return 'reviews must be a whole number of at least 0';
  if (typeof c.learned !== 'boolean') return 'learned must be true or false';
  return { box: c.box as number, due: c.due as number, lapses: c.lapses as number, reviews: c.reviews as number, learned: c.learned };
}

/** Reads a stored deck defensively: malformed cards are dropped, never thrown. */
export function sanitizeDeck(value: unknown): Deck {
  const out: Deck = {};
  if (!value || typeof value !== 'object' || Array.isArray(value)) return out;
  let n = 0;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (n >= MAX_CARDS) break;
    const c = checkCard(v);
    if (parseCardKey(k) && typeof c !== 'string') {
      out[k] = c;
      n++;
    }
  }
  return out;
}

/** The learner's calendar day of `now` (local time), as YYYY-MM-DD: the deck's order changes with it. */
export function dayOf(now: number): string {
  const d = new Date(now);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/**
 * The due cards in an order shuffled per learner and per day: the same all day for one learner (a
 * reload does not reshuffle), different the next day and for the next learner, so a deck is not
 * learnt as a sequence. Sorting by a hash of (learner, day, key) is a permutation that does not
 * depend on the order the keys came in.
 */
export function dailyOrder(keys: readonly string[], learner: string, day: string): string[] {
  const rank = new Map(keys.map((k) => [k, hash32(`${learner}\u0000${day}\u0000${k}`)]));
  return [...keys].sort((a, b) => rank.get(a)! - rank.get(b)! || a.localeCompare(b));
}
