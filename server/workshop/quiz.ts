// The live room quiz: the presenter asks one question (from a lesson or typed in), every
// participant's pages receive it as a room-level `quiz` event on their own event stream, each
// participant answers once (the first answer is the one counted, whichever of their tabs sends it),
// the tally goes out at most twice a second, and the reveal tells the room the right choice.
//
//   GET  /__wslab/workshop/quiz           the question asked now, the counts, and your own answer
//   POST /__wslab/workshop/quiz           presenter: {question, choices, answer, source?} → 201
//   POST /__wslab/workshop/quiz/answer    participant: {quiz, choice} → 201 counted, 200 already counted
//   POST /__wslab/workshop/quiz/reveal    presenter: the right choice goes out to everyone
//   POST /__wslab/workshop/quiz/end       presenter: the question is put away
//
// Asking is drawn as fan-out: a `fanout` publish (node "room", topic "quiz") and one `deliver`
// per participant, counting the page streams the question reached for them.
import type { IncomingMessage } from 'node:http';
import type { EventBus } from '../stream/bus.ts';
import type { WorkshopRoom } from './room.ts';
import { HttpError, readJsonObject, sendJson } from '../http/json.ts';
import { SESSION_RE, cookieOf, publicSessionId } from '../http/session.ts';
import type { RoomGuard } from '../http/presenter-guard.ts';
import type { Route } from '../http/routes.ts';
import { safeTimeout } from '../process/safe.ts';

export const QUESTION_MAX = 500;
export const CHOICE_MAX = 200;
export const CHOICES_MIN = 2;
export const CHOICES_MAX = 8;
/** The tally goes out at most this often, ms (twice a second). */
export const TALLY_MS = 500;

export interface QuizState {
  id: string;
  question: string;
  choices: string[];
  source: string | null;
  /** the right choice: the presenter's until revealed */
  answer: number;
  counts: number[];
  /** participant id → the choice counted */
  answers: Map<string, number>;
  revealed: boolean;
}

const clean = (s: string) => s.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();

function text(v: unknown, name: string, max: number): string {
  if (typeof v !== 'string') throw new HttpError(400, `${name} must be a string of 1-${max} characters`);
  const t = clean(v);
  if (!t || t.length > max) throw new HttpError(400, `${name} must be 1-${max} characters once control characters are taken out`);
  return t;
}

export class RoomQuiz {
  current: QuizState | null = null;
  private counter = 0;
  private tallyTimer: NodeJS.Timeout | null = null;
  private lastTally = -Infinity;

  constructor(
    private readonly bus: EventBus,
    private readonly room: WorkshopRoom,
  ) {}

  /** The presenter asks: validates, puts any earlier question away, publishes the fan-out and the question. */
  ask(body: Record<string, unknown>): QuizState {
    const question = text(body.question, 'question', QUESTION_MAX);
    if (!Array.isArray(body.choices) || body.choices.length < CHOICES_MIN || body.choices.length > CHOICES_MAX) {
      throw new HttpError(400, `choices must be a list of ${CHOICES_MIN}-${CHOICES_MAX} strings`);
    }
    const choices = body.choices.map((c, i) => text(c, `choice ${i + 1}`, CHOICE_MAX));
    const answer = body.answer;
    if (typeof answer !== 'number' || !Number.isInteger(answer) || answer < 0 || answer >= choices.length) {
      throw new HttpError(400, `answer must be the index of the right choice: an integer from 0 to ${choices.length - 1}`);
    }
    const source = body.source === undefined || body.source === null ? null : text(body.source, 'source', 120);
    if (this.current) this.end();
    const q: QuizState = { id: `q${++this.counter}`, question, choices, source, answer, counts: choices.map(() => 0), answers: new Map(), revealed: false };
    this.current = q;
    const participants = this.room.participants();
    // the quiz drawn as fan-out: one publish, then a delivery per participant
    const fanout = (hop: 'publish' | 'deliver', to: string | null, count: number, detail: string) =>
      this.bus.publish({ type: 'fanout', hop, node: 'room', topic: 'quiz', room: null, msgId: q.id, kind: 'quiz', from: 'presenter', to, origin: to === null ? null : 'room', count, streamId: null, detail });
    fanout('publish', null, participants.length, `to ${participants.length} participant${participants.length === 1 ? '' : 's'}`);
    this.publish('ask');
    // one delivery per participant: the question reached each of their open page streams
    for (const p of participants) {
      const streams = this.bus.scopedCount(publicSessionId(p.session));
      fanout('deliver', p.id, streams, `${p.name}: ${streams} page stream${streams === 1 ? '' : 's'}`);
    }
    return q;
  }

  /** A participant's answer: the first one is counted; later ones (another tab, a second click) change nothing. */
  answer(session: string, body: Record<string, unknown>): { choice: number; counted: boolean } {
    const p = this.room.bySessionId(session);
    if (!p) throw new HttpError(403, 'join the room first: only participants answer the room quiz');
    const q = this.current;
    if (!q || body.quiz !== q.id) throw new HttpError(409, 'that question is no longer asked: answer the one on the screen now');
    if (q.revealed) throw new HttpError(409, 'the answer is already revealed: answers are closed');
    const earlier = q.answers.get(p.id);
    if (earlier !== undefined) return { choice: earlier, counted: false };
    const choice = body.choice;
    if (typeof choice !== 'number' || !Number.isInteger(choice) || choice < 0 || choice >= q.choices.length) {
      throw new HttpError(400, `choice must be an integer from 0 to ${q.choices.length - 1}`);
    }
    q.answers.set(p.id, choice);
    q.counts[choice]++;
    this.scheduleTally();
    return { choice, counted: true };
  }

  reveal(): QuizState {
    const q = this.current;
    if (!q) throw new HttpError(409, 'no question is being asked');
    this.cancelTally();
    q.revealed = true;
    this.publish('reveal');
    return q;
  }

  end(): void {
    const q = this.current;
    if (!q) throw new HttpError(409, 'no question is being asked');
    this.cancelTally();
    this.publish('end');
    this.current = null;
  }

  /** What a page may know: everything but the right choice until it is revealed, and the caller's own answer. */
  view(session: string | null): object {
    const q = this.current;
    const p = session ? this.room.bySessionId(session) : undefined;
    return {
      quiz: q
        ? {
            id: q.id,
            question: q.question,
            choices: q.choices,
            source: q.source,
            counts: q.counts,
            answered: q.answers.size,
            participants: this.room.size,
            revealed: q.revealed,
            correct: q.revealed ? q.answer : null,
          }
        : null,
      yours: q && p ? (q.answers.get(p.id) ?? null) : null,
    };
  }

  private scheduleTally(): void {
    if (this.tallyTimer) return;
    const wait = Math.max(0, this.lastTally + TALLY_MS - this.bus.now());
    this.tallyTimer = safeTimeout(
      'the room quiz tally',
      () => {
        this.tallyTimer = null;
        if (this.current && !this.current.revealed) this.publish('tally');
      },
      wait,
    );
    this.tallyTimer.unref();
  }

  private cancelTally(): void {
    if (this.tallyTimer) clearTimeout(this.tallyTimer);
    this.tallyTimer = null;
  }

  private publish(action: 'ask' | 'tally' | 'reveal' | 'end'): void {
    const q = this.current!;
    if (action === 'tally') this.lastTally = this.bus.now();
    this.bus.publish({
      type: 'quiz',
      action,
      quiz: q.id,
      question: action === 'ask' ? q.question : null,
      choices: action === 'ask' ? q.choices : null,
      source: action === 'ask' ? q.source : null,
      counts: [...q.counts],
      answered: q.answers.size,
      participants: this.room.size,
      correct: action === 'reveal' ? q.answer : null,
    });
  }

  close(): void {
    this.cancelTally();
  }
}

function session(req: IncomingMessage): string {
  const s = cookieOf(req, 'wslab_session');
  if (!s || !SESSION_RE.test(s)) throw new HttpError(400, 'no wslab_session cookie: open /workshop in a browser (the page sets it), or send Cookie: wslab_session=ID');
  return s;
}

export function quizRoutes(quiz: RoomQuiz, presenter: RoomGuard): Route[] {
  return [
    {
      method: 'GET',
      path: '/__wslab/workshop/quiz',
      handle: ({ req, res }) => {
        const s = cookieOf(req, 'wslab_session');
        sendJson(res, 200, quiz.view(s && SESSION_RE.test(s) ? s : null));
      },
    },
    {
      method: 'POST',
      path: '/__wslab/workshop/quiz',
      handle: async ({ req, res }) => {
        if (!presenter(req, res, 'ask the room a question')) return;
        const q = quiz.ask(await readJsonObject(req));
        sendJson(res, 201, { id: q.id });
      },
    },
    {
      method: 'POST',
      path: '/__wslab/workshop/quiz/answer',
      handle: async ({ req, res }) => {
        const s = session(req);
        const r = quiz.answer(s, await readJsonObject(req));
        sendJson(res, r.counted ? 201 : 200, r);
      },
    },
    {
      method: 'POST',
      path: '/__wslab/workshop/quiz/reveal',
      handle: ({ req, res }) => {
        if (!presenter(req, res, 'reveal the answer')) return;
        const q = quiz.reveal();
        sendJson(res, 200, { id: q.id, correct: q.answer, counts: q.counts });
      },
    },
    {
      method: 'POST',
      path: '/__wslab/workshop/quiz/end',
      handle: ({ req, res }) => {
        if (!presenter(req, res, 'put the question away')) return;
        quiz.end();
        sendJson(res, 200, { ended: true });
      },
    },
  ];
}
