// Quizzes that measure (pure: no DOM, no React). Three rules:
//  - the choices are shown in an order shuffled per learner and per question, stable across
//    visits (a seeded permutation of the learner's id), so "the answer is the second one" is no
//    longer a pattern anyone can learn;
//  - the first answer is the one recorded; a wrong first answer earns one retry before the
//    explanation is revealed, and the retry never changes the record;
//  - a "predict, then check" quiz carries a check: frames the learner sends to this server's
//    /lab/raw (through the craft API) and one number read off the answer, which must equal the
//    quiz's `expect` (the tests play every check against a live server).
import { createReader, parseHex } from '../../../server/core/wire/index.ts';
import type { CraftResult } from '../../../server/core/api/playground.ts';

/** FNV-1a, 32 bits: a small, stable string hash. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** mulberry32: a seeded generator of numbers in [0, 1). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The order in which one learner sees a question's choices: a permutation of 0..n-1 (display
 * position → index into the lesson's choices), the same every time for the same learner,
 * lesson and question.
 */
export function choiceOrder(n: number, learner: string, lessonId: string, quizIndex: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  const next = random(hash32(`${learner}\u0000${lessonId}\u0000${quizIndex}`));
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/** A new learner id: 16 hex digits from the given random source (crypto in the browser). */
export function newLearnerId(bytes: Uint8Array): string {
  return Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join('');
}

export function isLearnerId(v: unknown): v is string {
  return typeof v === 'string' && /^[0-9a-f]{16}$/.test(v);
}

/** One learner's attempts at one question (indexes into the lesson's choices). */
export interface Attempt {
  tries: number[];
  /** true once the answer and its explanation are shown */
  revealed: boolean;
}

export const FRESH: Attempt = { tries: [], revealed: false };

/** How many answers a learner gets before the reveal: the first, and one retry. */
export const MAX_TRIES = 2;

export type Verdict = 'right' | 'retry' | 'wrong';

/**
 * Checks one answer. Right: revealed. Wrong on the first try: a retry, nothing revealed.
 * Wrong on the last try: revealed. Answers after the reveal change nothing.
 */
export function answer(state: Attempt, choice: number, correct: number): { state: Attempt; verdict: Verdict } {
  if (state.revealed) {
    const last = state.tries[state.tries.length - 1];
    return { state, verdict: last === correct ? 'right' : 'wrong' };
  }
  const tries = [...state.tries, choice];
  if (choice === correct) return { state: { tries, revealed: true }, verdict: 'right' };
  if (tries.length < MAX_TRIES) return { state: { tries, revealed: false }, verdict: 'retry' };
  return { state: { tries, revealed: true }, verdict: 'wrong' };
}

/** The answer that counts: the first one, whatever came after. */
export function recorded(state: Attempt): number | undefined {
  return state.tries[0];
}

/** A quiz whose first answer is already stored (an earlier visit) is shown revealed. */
export function restore(first: number | undefined): Attempt {
  return first === undefined ? FRESH : { tries: [first], revealed: true };
}

// ---- "predict, then check" ----------------------------------------------------------------

/** One frame of a check, as a lesson writes it. */
export interface CheckFrame {
  opcode: number;
  /** masked, as a browser would (default); false sends it unmasked on purpose */
  mask: boolean;
  fin: boolean;
  /** the payload: text repeated `repeat` times, or hex */
  text?: string;
  repeat?: number;
  hex?: string;
}

/**
 * What the check reads off the server's answer:
 *  - sent-header: the header length of the first frame the learner sent (as the server parses it);
 *  - reply-frame: the whole size (header + payload) of the server's first frame back;
 *  - close-code: the code of the server's close frame.
 */
export type Measure = 'sent-header' | 'reply-frame' | 'close-code';
export const MEASURES: readonly Measure[] = ['sent-header', 'reply-frame', 'close-code'];

export interface QuizCheck {
  frames: CheckFrame[];
  measure: Measure;
  /** the value the server must show; the quiz's right choice names it */
  expect: number;
}

/** Payloads of a check stay small: one frame builder request, far below the craft API's limit. */
export const MAX_CHECK_PAYLOAD = 4096;

function hexOf(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The body of POST /__wslab/craft for a check. */
export function craftBody(check: QuizCheck): { frames: Array<Record<string, unknown>>; waitMs: number } {
  return {
    waitMs: 800,
    frames: check.frames.map((f) => {
      const payload = f.hex !== undefined ? f.hex.replace(/\s+/g, '') : hexOf(new TextEncoder().encode((f.text ?? '').repeat(f.repeat ?? 1)));
      return { opcode: f.opcode, fin: f.fin, mask: f.mask, payloadHex: payload };
    }),
  };
}

/** The number the check reads from the server's answer, or a sentence saying why there is none. */
export function measure(check: QuizCheck, result: CraftResult): { value: number; detail: string } | { error: string } {
  if (result.status !== 101) return { error: `the upgrade was answered ${result.status}, not 101` };
  if (check.measure === 'sent-header') {
    const parsed = parseHex(result.sentHex);
    if ('error' in parsed) return { error: parsed.error };
    const first = createReader({ direction: 'client' })
      .push(parsed.bytes)
      .find((e) => e.type === 'frame');
    if (!first || first.type !== 'frame') return { error: 'the sent bytes hold no complete frame' };
    const f = first.frame;
    return { value: f.headerLength, detail: `you sent ${parsed.bytes.length} bytes: ${f.headerLength} bytes of header and ${f.payloadLength} of payload` };
  }
  const reply = result.frames[0];
  if (check.measure === 'reply-frame') {
    if (!reply) return { error: 'the server sent no frame back' };
    const size = reply.headerLength + reply.payloadLength;
    return { value: size, detail: `the server answered with ${reply.opcodeName}: ${reply.headerLength} bytes of header + ${reply.payloadLength} of payload = ${size} bytes` };
  }
  const close = result.frames.find((f) => f.opcode === 8);
  if (!close || close.closeCode === null) return { error: result.frames.length ? `the server answered ${result.frames.map((f) => f.opcodeName).join(', ')}, and no close code` : 'the server sent no close frame' };
  return { value: close.closeCode, detail: `the server closed with ${close.closeCode}${close.closeReason ? ` ("${close.closeReason}")` : ''}` };
}

/** Validates a check from a lesson's YAML; returns it, or the sentence saying what is wrong. */
export function parseCheck(v: unknown): QuizCheck | string {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return 'check must be a mapping with frames, measure and expect';
  const o = v as Record<string, unknown>;
  if (!MEASURES.includes(o.measure as Measure)) return `check: measure must be one of ${MEASURES.join(', ')}`;
  if (typeof o.expect !== 'number' || !Number.isInteger(o.expect)) return 'check: expect must be a whole number';
  if (!Array.isArray(o.frames) || o.frames.length === 0 || o.frames.length > 4) return 'check: frames must be a list of 1 to 4 frames';
  const frames: CheckFrame[] = [];
  for (const [i, raw] of o.frames.entries()) {
    const f = (raw ?? {}) as Record<string, unknown>;
    const where = `check: frame ${i + 1}`;
    if (typeof f.opcode !== 'number' || !Number.isInteger(f.opcode) || f.opcode < 0 || f.opcode > 15) return `${where}: opcode must be 0-15`;
    const frame: CheckFrame = { opcode: f.opcode, mask: f.mask !== false, fin: f.fin !== false };
    if (typeof f.hex === 'string') {
      const parsed = parseHex(f.hex);
      if ('error' in parsed) return `${where}: ${parsed.error}`;
      if (parsed.bytes.length > MAX_CHECK_PAYLOAD) return `${where}: payload over ${MAX_CHECK_PAYLOAD} bytes`;
      frame.hex = f.hex;
    } else if (typeof f.text === 'string') {
      const repeat = f.repeat === undefined ? 1 : f.repeat;
      if (typeof repeat !== 'number' || !Number.isInteger(repeat) || repeat < 1) return `${where}: repeat must be a whole number ≥ 1`;
      if (new TextEncoder().encode(f.text).length * repeat > MAX_CHECK_PAYLOAD) return `${where}: payload over ${MAX_CHECK_PAYLOAD} bytes`;
      frame.text = f.text;
      frame.repeat = repeat;
    } else frame.text = '';
    frames.push(frame);
  }
  return { frames, measure: o.measure as Measure, expect: o.expect };
}
