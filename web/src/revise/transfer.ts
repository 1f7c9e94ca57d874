// Progress as a file: what the learner has done (quiz answers, passed exercises, the review deck,
// the last lesson read) written as one JSON document, and read back with every field checked.
// A bad file is refused whole with one sentence that says what is wrong and where; nothing is
// half-imported. Pure: the caller reads the file and writes localStorage.
import type { Answers, Passed } from '../lessons/model.ts';
import { checkVisit, type Visit } from '../lessons/parts.ts';
import { checkCard, parseCardKey, MAX_CARDS, type Deck } from './spacing.ts';

export const PROGRESS_FORMAT = 'wslab-progress';
export const PROGRESS_VERSION = 1;
/** Larger files are refused before they are parsed. A full curriculum's progress is a few KB. */
export const MAX_PROGRESS_BYTES = 1_000_000;

export interface ProgressData {
  answers: Answers;
  exercises: Passed;
  deck: Deck;
  visit: Visit | null;
}

export interface ProgressFile extends ProgressData {
  format: typeof PROGRESS_FORMAT;
  version: typeof PROGRESS_VERSION;
  exportedAt: string;
}

export type ImportResult = { ok: true; data: ProgressData; exportedAt: string } | { ok: false; error: string };

export function exportProgress(data: ProgressData, now: Date): string {
  const file: ProgressFile = { format: PROGRESS_FORMAT, version: PROGRESS_VERSION, exportedAt: now.toISOString(), ...data };
  return `${JSON.stringify(file, null, 2)}\n`;
}

/** The download's name: wslab-progress-2026-12-03.json */
export function exportFileName(now: Date): string {
  return `wslab-progress-${now.toISOString().slice(0, 10)}.json`;
}

const ID_RE = /^[a-z0-9]+(-[a-z0-9]+)*$/;

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return `the text ${JSON.stringify(v.length > 30 ? `${v.slice(0, 30)}…` : v)}`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

class Refusal extends Error {}

function refuse(sentence: string): never {
  throw new Refusal(sentence);
}

function readAnswers(v: unknown): Answers {
  if (!isObject(v)) refuse(`"answers" must map lesson ids to answers, but it is ${describe(v)}.`);
  const out: Answers = {};
  for (const [lesson, per] of Object.entries(v)) {
    if (!ID_RE.test(lesson)) refuse(`"answers" has a key ${JSON.stringify(lesson)} that is not a lesson id (lower case words joined by dashes).`);
    if (!isObject(per)) refuse(`"answers.${lesson}" must map quiz numbers to chosen answers, but it is ${describe(per)}.`);
    const clean: Record<string, number> = {};
    for (const [q, choice] of Object.entries(per)) {
      if (!/^\d{1,4}$/.test(q)) refuse(`"answers.${lesson}" has a key ${JSON.stringify(q)}; quiz keys are numbers like "0".`);
      if (typeof choice !== 'number' || !Number.isInteger(choice) || choice < 0 || choice > 99) {
        refuse(`"answers.${lesson}.${q}" must be the number of a choice (0 or more), but it is ${describe(choice)}.`);
      }
      clean[q] = choice;
    }
    out[lesson] = clean;
  }
  return out;
}

function readExercises(v: unknown): Passed {
  if (!isObject(v)) refuse(`"exercises" must map exercise ids to true, but it is ${describe(v)}.`);
  const out: Passed = {};
  for (const [id, passed] of Object.entries(v)) {
    if (!ID_RE.test(id)) refuse(`"exercises" has a key ${JSON.stringify(id)} that is not an exercise id.`);
    if (passed !== true) refuse(`"exercises.${id}" must be true (only passed exercises are listed), but it is ${describe(passed)}.`);
    out[id] = true;
  }
  return out;
}

function readDeck(v: unknown): Deck {
  if (!isObject(v)) refuse(`"deck" must map review cards to their schedule, but it is ${describe(v)}.`);
  const keys = Object.keys(v);
  if (keys.length > MAX_CARDS) refuse(`"deck" holds ${keys.length} cards; at most ${MAX_CARDS} are kept.`);
  const out: Deck = {};
  for (const key of keys) {
    if (!parseCardKey(key)) refuse(`"deck" has a key ${JSON.stringify(key)}; card keys look like "frames-and-opcodes#1".`);
    const card = checkCard(v[key]);
    if (typeof card === 'string') refuse(`"deck.${key}": ${card}.`);
    out[key] = card;
  }
  return out;
}

/** Checks a progress file's text; on success returns what to store. */
export function importProgress(text: string): ImportResult {
  if (text.length > MAX_PROGRESS_BYTES) {
    return { ok: false, error: `This file is ${text.length.toLocaleString('en')} characters long; a progress file is at most ${MAX_PROGRESS_BYTES.toLocaleString('en')}, so it is not one.` };
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `This file is not JSON, so it is not a wslab progress file (${(err as Error).message}).` };
  }
  try {
    if (!isObject(v) || v.format !== PROGRESS_FORMAT) {
      refuse(`This JSON is not a wslab progress file: it has no "format": "${PROGRESS_FORMAT}" field.`);
    }
    if (v.version !== PROGRESS_VERSION) {
      refuse(`This progress file has version ${describe(v.version)}; this wslab reads version ${PROGRESS_VERSION}.`);
    }
    const exportedAt = typeof v.exportedAt === 'string' && !Number.isNaN(Date.parse(v.exportedAt)) ? v.exportedAt : refuse('"exportedAt" must be the date the file was written (an ISO 8601 time).');
    for (const key of Object.keys(v)) {
      if (!['format', 'version', 'exportedAt', 'answers', 'exercises', 'deck', 'visit'].includes(key)) {
        refuse(`This progress file has a field "${key}" that this wslab does not know; it was not written by it.`);
      }
    }
    const visit = v.visit === undefined || v.visit === null ? null : checkVisit(v.visit);
    if (typeof visit === 'string') refuse(`"visit": ${visit}.`);
    const data: ProgressData = {
      answers: readAnswers(v.answers ?? {}),
      exercises: readExercises(v.exercises ?? {}),
      deck: readDeck(v.deck ?? {}),
      visit,
    };
    return { ok: true, data, exportedAt };
  } catch (err) {
    if (err instanceof Refusal) return { ok: false, error: err.message };
    throw err;
  }
}
