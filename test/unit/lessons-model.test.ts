// The curriculum as data (STYLE.md, "Learn Git Branching"): every lesson file parses, is
// numbered and named consistently, and every embedded block is checked against the real
// thing — quiz answers are valid indexes, lab links are real routes, decode blocks decode
// (with server/core/wire) to the verdict the lesson claims. Plus coverage of the notes' topics and
// a check that no lesson copies a sentence from the notes. Exercise blocks name exercises that exist.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { createReader, parseHex } from '../../server/core/wire/index.ts';
import {
  exerciseProgressOf,
  exercisesOf,
  findLesson,
  isKnownRoute,
  parseLesson,
  parseLessons,
  progressOf,
  quizzesOf,
  sanitizeAnswers,
  sanitizePassed,
  type Block,
  type DecodeBlock,
  type Lesson,
} from '../../web/src/lessons/model.ts';
import { summarizeDecode } from '../../web/src/lessons/decode-summary.ts';
import { findExercise } from '../../web/src/editor/exercises.ts';
import { linkProblem, linksOf } from '../../web/src/lessons/model.ts';
import { facilitatorShown } from '../../web/src/lessons/facilitator.ts';
import { backHref, goalsForLab } from '../../web/src/lessons/lab-goals.ts';
import { provenSteps, STEPS } from '../../web/src/lessons/capstone/story.ts';
import { CHALLENGES } from '../../server/core/challenges/list.ts';
import { GLOSSARY, taughtAt } from '../../web/src/revise/glossary.ts';
import type { WslabEvent } from '../../server/core/events/schema.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const LESSON_DIR = join(ROOT, 'lessons');
const files = readdirSync(LESSON_DIR)
  .filter((f) => f.endsWith('.md'))
  .sort();
const raw: Record<string, string> = Object.fromEntries(files.map((f) => [f, readFileSync(join(LESSON_DIR, f), 'utf8')]));
const lessons: Lesson[] = parseLessons(raw);
const blocks = <K extends Block['kind']>(kind: K) =>
  lessons.flatMap((l) => l.blocks.filter((b): b is Extract<Block, { kind: K }> => b.kind === kind).map((b) => ({ lesson: l, block: b })));

// The curriculum in the order of need: the lifecycle and the testing tools before frame bits,
// authentication before delivery patterns and offline delivery, the capstone last.
const LESSON_MAP = [
  'Why HTTP struggles with real time',
  'The handshake',
  'Stateful connections',
  'Lifecycle',
  'Testing WebSockets',
  'Frames and opcodes',
  'Data types',
  'Ghost connections and heartbeats',
  'Backpressure',
  'Message design',
  'Authentication',
  'Delivery patterns',
  'Scaling',
  'Offline messages and reconnects',
  'Choosing your tools',
  'Beyond WebSockets',
  'The whole story: one connection, start to finish',
];

describe('lesson files', () => {
  test('there are 17 lessons numbered 01..17 without gaps, in the order of need', () => {
    expect(lessons.map((l) => l.number)).toEqual(Array.from({ length: 17 }, (_, i) => String(i + 1).padStart(2, '0')));
    expect(lessons.map((l) => l.title)).toEqual(LESSON_MAP);
    const at = (id: string) => lessons.findIndex((l) => l.id === id);
    expect(at('lifecycle')).toBeLessThan(at('frames-and-opcodes'));
    expect(at('testing')).toBeLessThan(at('frames-and-opcodes'));
    expect(at('authentication')).toBeLessThan(at('delivery-patterns'));
    expect(at('authentication')).toBeLessThan(at('offline-and-reconnects'));
    expect(lessons.at(-1)!.id).toBe('capstone');
  });

  test('ids are unique and equal the file name without its number and .md', () => {
    expect(new Set(lessons.map((l) => l.id)).size).toBe(17);
    for (const [i, f] of files.entries()) expect(f).toBe(`${lessons[i].number}-${lessons[i].id}.md`);
  });

  test('every lesson has a summary, topics, live pages that are real routes, headings and 2-4 quizzes', () => {
    for (const l of lessons) {
      expect(l.summary.length, l.id).toBeGreaterThan(40);
      expect(l.topics.length, l.id).toBeGreaterThan(0);
      for (const p of l.live) expect(isKnownRoute(p), `${l.id}: ${p}`).toBe(true);
      expect(l.headings.length, l.id).toBeGreaterThanOrEqual(3);
      const q = quizzesOf(l).length;
      expect(q >= 2 && q <= 4, `${l.id} has ${q} quizzes`).toBe(true);
    }
  });

  test('every lesson opens with objectives and minutes and ends with a summary and key numbers; "read first" names earlier-needed lessons', () => {
    const ok = ['---', 'id: demo', 'title: Demo', 'summary: A demo lesson used by the tests.', 'topics: [a]', 'live: [/inspect]', 'minutes: 5', 'objectives: [Do a thing]', 'recap: [A thing was done]', 'numbers: ["1: one"]', 'facilitator: ["0-5 min: Show the thing"]', '---', '## One', 'text'].join('\n');
    for (const l of lessons) {
      expect(l.minutes >= 5 && l.minutes <= 20, `${l.id}: ${l.minutes} min`).toBe(true);
      expect(l.objectives.length, l.id).toBeGreaterThanOrEqual(3);
      expect(l.recap.length, l.id).toBeGreaterThanOrEqual(3);
      expect(l.numbers.length, l.id).toBeGreaterThanOrEqual(2);
      for (const n of l.numbers) expect(n, `${l.id}: a key number names a figure`).toMatch(/\d/);
    }
    // the curriculum's order is not the order of need: these point at what to read first
    expect(findLesson(lessons, 'frames-and-opcodes')!.before).toEqual(['lifecycle', 'testing']);
    expect(findLesson(lessons, 'delivery-patterns')!.before).toEqual(['authentication']);
    expect(findLesson(lessons, 'offline-and-reconnects')!.before).toEqual(['authentication']);
    expect(findLesson(lessons, 'capstone')!.before).toEqual(['authentication', 'ghosts-and-heartbeats', 'scaling']);
    expect(() => parseLessons({ '01-demo.md': ok.replace('minutes: 5', 'minutes: 5\nbefore: [nowhere]') })).toThrow(/before: no lesson has the id nowhere/);
    // a lesson may only send the learner back, never ahead: the files' order is the order of need
    const later = ok.replace('id: demo', 'id: later');
    expect(() => parseLessons({ '01-demo.md': ok.replace('minutes: 5', 'minutes: 5\nbefore: [later]'), '02-later.md': later })).toThrow(/01-demo.md: before: later must come earlier in the curriculum/);
    expect(parseLessons({ '01-later.md': later, '02-demo.md': ok.replace('minutes: 5', 'minutes: 5\nbefore: [later]') }).map((l) => l.id)).toEqual(['later', 'demo']);
    expect(() => parseLesson('01-demo.md', ok.replace('minutes: 5\n', ''))).toThrow(/minutes must be a whole number/);
    expect(() => parseLesson('01-demo.md', ok.replace('recap: [A thing was done]\n', ''))).toThrow(/recap must be a non-empty list/);
  });

  test('every lesson body is 400-1,100 words of prose (blocks and code listings not counted; the objectives and summary live in the front matter)', () => {
    for (const l of lessons) {
      const prose = l.blocks
        .filter((b) => b.kind === 'markdown')
        .map((b) => (b as { text: string }).text.replace(/```[\s\S]*?```/g, ''))
        .join(' ');
      const words = prose.split(/\s+/).filter((w) => /[A-Za-z0-9]/.test(w)).length;
      expect(words >= 400 && words <= 1100, `${l.id}: ${words} words`).toBe(true);
    }
  });

  test('every lesson ends with its quizzes', () => {
    for (const l of lessons) {
      const last = l.blocks.filter((b) => b.kind !== 'markdown' || b.text.trim() !== '');
      expect(last[last.length - 1].kind, l.id).toBe('quiz');
    }
  });
});

const OK = ['---', 'id: demo', 'title: Demo', 'summary: A demo lesson used by the tests.', 'topics: [a]', 'live: [/inspect]', 'minutes: 5', 'objectives: [Do a thing]', 'recap: [A thing was done]', 'numbers: ["1: one"]', 'facilitator: ["0-5 min: Show the thing"]', '---', '## One', 'text'].join('\n');

describe('references between lessons', () => {
  test('every app link in the lessons resolves: a lesson by id, its heading by slug, or a page of the app', () => {
    const links = linksOf(lessons);
    expect(links.filter((l) => l.href.startsWith('/lessons/')).length).toBeGreaterThanOrEqual(15);
    const broken = links.map((l) => ({ ...l, problem: linkProblem(lessons, l.href) })).filter((l) => l.problem !== null);
    expect(broken).toEqual([]);
    expect(linkProblem(lessons, '/lessons/nowhere')).toBe('no lesson has the id nowhere');
    expect(linkProblem(lessons, '/lessons/lifecycle#nowhere')).toBe('lifecycle has no heading #nowhere');
    expect(linkProblem(lessons, '/lessons/lifecycle#four-states')).toBeNull();
    expect(linkProblem(lessons, '/admin')).toBe('/admin is not a page of the app');
  });

  test('no lesson names another by its number (numbers move when the curriculum is reordered; ids do not)', () => {
    const numbered = lessons.flatMap((l) =>
      l.blocks.flatMap((b) => (b.kind === 'markdown' ? [...b.text.matchAll(/\blessons? \d{1,2}\b/gi)].map((m) => `${l.id}: ${m[0]}`) : [])),
    );
    expect(numbered).toEqual([]);
  });

  test("every challenge's lesson and every glossary entry's lesson and section exist", () => {
    const ids = new Set(lessons.map((l) => l.id));
    for (const c of CHALLENGES) expect(ids.has(c.lesson), c.id).toBe(true);
    for (const g of GLOSSARY) expect(linkProblem(lessons, taughtAt(g)), g.term).toBeNull();
  });
});

describe('facilitator notes', () => {
  test('every lesson has 3-6 facilitator notes in running order, each "M-N min: …"', () => {
    for (const l of lessons) {
      expect(l.facilitator.length >= 3 && l.facilitator.length <= 6, `${l.id}: ${l.facilitator.length} notes`).toBe(true);
      const starts = l.facilitator.map((n) => Number(n.at.split('-')[0]));
      expect(starts, l.id).toEqual([...starts].sort((a, b) => a - b));
      expect(starts[0], l.id).toBe(0);
      for (const n of l.facilitator) expect(n.text.length, `${l.id}: ${n.at}`).toBeGreaterThan(30);
    }
  });

  test('the workshop actions the notes ask for are ones the presenter page has', () => {
    const workshop = lessons.flatMap((l) => l.facilitator.filter((n) => n.text.startsWith('Workshop:')).map((n) => ({ lesson: l.id, text: n.text })));
    expect(new Set(workshop.map((w) => w.lesson)).size).toBeGreaterThanOrEqual(8);
    // the presenter page's buttons: Blackhole, Add N ms, Reset (RST), Restore, Heartbeat on/off
    for (const w of workshop) expect(w.text, w.lesson).toMatch(/blackhole|add \d+ ms latency|latency|reset|restore|heartbeat (on|off)/i);
    expect(findLesson(lessons, 'ghosts-and-heartbeats')!.facilitator.map((n) => n.text).join(' ')).toMatch(/blackhole everyone now .* ask what each browser says/);
  });

  test('the parser requires the notes and rejects a note without its minutes or out of order', () => {
    expect(() => parseLesson('01-demo.md', OK.replace('facilitator: ["0-5 min: Show the thing"]\n', ''))).toThrow(/facilitator must be a non-empty list/);
    expect(() => parseLesson('01-demo.md', OK.replace('0-5 min: Show the thing', 'Show the thing'))).toThrow(/must look like "M-N min: what to do"/);
    expect(() => parseLesson('01-demo.md', OK.replace('["0-5 min: Show the thing"]', '["4 min: b", "0-2 min: a"]'))).toThrow(/"0-2 min" comes before "4 min"/);
  });

  test('hidden for learners unless they ask; shown by default in a presenter\'s tab; a stored choice wins', () => {
    expect(facilitatorShown(null, false)).toBe(false);
    expect(facilitatorShown(null, true)).toBe(true);
    expect(facilitatorShown('shown', false)).toBe(true);
    expect(facilitatorShown('hidden', true)).toBe(false);
    expect(facilitatorShown('junk', false)).toBe(false);
  });
});

describe('lab pages and their lessons', () => {
  const LAB_IDS = ['transports', 'ghosts', 'backpressure', 'lifecycle', 'chat', 'hol', 'data-types'];

  test('every lab block that opens a lab page says what the lesson wants there (its goal)', () => {
    const labs = blocks('lab').filter(({ block }) => block.page.startsWith('/labs/'));
    expect(labs.length).toBeGreaterThanOrEqual(15);
    for (const { lesson, block } of labs) expect(block.goal?.length ?? 0, `${lesson.id}: ${block.page}`).toBeGreaterThan(30);
  });

  test('every lab page has at least one lesson to link back to, with the section that sends the learner there', () => {
    for (const id of LAB_IDS) expect(goalsForLab(lessons, `/labs/${id}`).length, id).toBeGreaterThan(0);
    const ghosts = goalsForLab(lessons, '/labs/ghosts');
    expect(ghosts.map((g) => g.lesson.id)).toEqual(['why-http-struggles', 'ghosts-and-heartbeats', 'choosing-tools']);
    expect(backHref(ghosts[1])).toBe('/lessons/ghosts-and-heartbeats#see-a-ghost-appear-and-vanish');
    for (const id of LAB_IDS) for (const g of goalsForLab(lessons, `/labs/${id}`)) expect(linkProblem(lessons, backHref(g)), backHref(g)).toBeNull();
    // the lesson the learner came from comes first
    expect(goalsForLab(lessons, '/labs/chat', 'scaling')[0].lesson.id).toBe('scaling');
    expect(goalsForLab(lessons, '/labs/chat', null)[0].lesson.id).toBe('stateful-connections');
  });
});

describe('the capstone', () => {
  test('embeds the live run once, and parses a capstone block', () => {
    const c = findLesson(lessons, 'capstone')!;
    expect(c.blocks.filter((b) => b.kind === 'capstone')).toEqual([{ kind: 'capstone' }]);
    expect(parseLesson('01-demo.md', OK + '\n```capstone\n```\n').blocks.at(-1)).toEqual({ kind: 'capstone' });
  });

  test('a step is proven only by an event after the previous step\'s (a pong before the broadcast does not count)', () => {
    const ctx = { conn: 'c7', link: 'L2', room: 'r1', afterSeq: 10 };
    const base = { v: 1 as const, t: 0 };
    const frame = (seq: number, dir: 'c2s' | 's2c', opcode: number, text: string | null) =>
      ({ ...base, seq, type: 'frame', conn: 'c7', dir, opcode, text }) as unknown as WslabEvent;
    const hop = (seq: number, h: string, conn = 'c7') => ({ ...base, seq, type: 'fanout', hop: h, conn, topic: 'room:r1', msgId: null }) as unknown as WslabEvent;
    const events: WslabEvent[] = [
      { ...base, seq: 5, type: 'handshake', conn: 'c7', response: { status: 101 } } as unknown as WslabEvent, // an earlier run's
      { ...base, seq: 11, type: 'handshake', conn: 'c7', response: { status: 101 } } as unknown as WslabEvent,
      frame(12, 's2c', 1, '{"type":"system","id":"n1-r1","meta":{"timestamp":1796289398785,"node":"n1"},"payl'),
      frame(13, 'c2s', 1, '{"type":"join","payload":{"room":"r1"}}'),
      frame(14, 'c2s', 0xa, 'hb:1'),
      hop(15, 'subscribe'),
      hop(16, 'publish'),
      frame(17, 'c2s', 0xa, 'hb:2'),
    ];
    expect(provenSteps(events, ctx)).toEqual([
      { step: 'upgrade', seq: 11, type: 'handshake' },
      { step: 'jwt', seq: 12, type: 'frame' },
      { step: 'join', seq: 13, type: 'frame' },
      { step: 'subscribe', seq: 15, type: 'fanout' },
      { step: 'broadcast', seq: 16, type: 'fanout' },
      { step: 'ping-pong', seq: 17, type: 'frame' },
    ]);
    expect(STEPS.map((s) => s.id)).toEqual(['upgrade', 'jwt', 'join', 'subscribe', 'broadcast', 'ping-pong', 'drop', 'timeout', 'unsubscribe', 'cleanup']);
    expect(provenSteps(events, { ...ctx, conn: null })).toEqual([]);
  });
});

describe('embedded blocks', () => {
  test('every quiz has at least two choices and an answer index inside them', () => {
    const quizzes = blocks('quiz');
    expect(quizzes.length).toBeGreaterThanOrEqual(32);
    for (const { lesson, block } of quizzes) {
      expect(block.choices.length, lesson.id).toBeGreaterThanOrEqual(2);
      expect(Number.isInteger(block.answer) && block.answer >= 0 && block.answer < block.choices.length, `${lesson.id}: ${block.question}`).toBe(true);
      expect(block.explain.length).toBeGreaterThan(20);
    }
  });

  test('quiz indexes count 0, 1, 2… within each lesson', () => {
    for (const l of lessons) expect(quizzesOf(l).map((q) => q.index)).toEqual(quizzesOf(l).map((_, i) => i));
  });

  test('every lab block points at a real route of the app', () => {
    const labs = blocks('lab');
    expect(labs.length).toBeGreaterThanOrEqual(16);
    for (const { lesson, block } of labs) expect(isKnownRoute(block.page), `${lesson.id}: ${block.page}`).toBe(true);
  });

  test('every decode block decodes with server/core/wire to the verdict the lesson claims', () => {
    const decodes = blocks('decode');
    expect(decodes.length).toBeGreaterThanOrEqual(10);
    for (const { lesson, block } of decodes) {
      const parsed = parseHex(block.hex);
      if ('error' in parsed) throw new Error(`${lesson.id}: ${parsed.error}`);
      const reader = createReader({ direction: block.dir });
      const events = reader.push(parsed.bytes);
      const violation = events.find((e) => e.type === 'violation');
      const verdict = violation ? 'violation' : reader.finish() ? 'incomplete' : 'valid';
      expect(verdict, `${lesson.id}: ${block.hex}`).toBe(block.expect);
      expect(summarizeDecode(block).verdict).toBe(block.expect);
    }
  });

  test('the frames lesson shows the RFC masked Hello, an unmasked client frame and a fragmented message, with exact summaries', () => {
    const l4 = findLesson(lessons, 'frames-and-opcodes')!;
    const dec = l4.blocks.filter((b): b is DecodeBlock => b.kind === 'decode');
    const byHex = (hex: string) => summarizeDecode(dec.find((b) => b.hex === hex)!);
    expect(byHex('81 85 37 fa 21 3d 7f 9f 4d 51 58').lines).toEqual(["TEXT 'Hello' [5 bytes, fin, masked]"]);
    expect(byHex('81 05 48 65 6c 6c 6f').lines).toEqual(["TEXT 'Hello' [5 bytes, fin]"]);
    expect(byHex('89 00').lines).toEqual(["PING '' [0 bytes, fin]"]);
    const frag = byHex('01 03 48 65 6c 89 00 80 02 6c 6f');
    expect(frag.verdict).toBe('valid');
    expect(frag.lines).toHaveLength(3);
    const unmasked = dec.find((b) => b.hex === '81 05 48 65 6c 6c 6f' && b.dir === 'client')!;
    expect(summarizeDecode(unmasked).violation?.closeCode).toBe(1002);
    expect(summarizeDecode(dec.find((b) => b.hex === '81 02 c3 28')!).violation?.closeCode).toBe(1007);
  });

  test('every exercise block names an exercise that exists; lesson 9 has the envelope router before its quizzes', () => {
    const exercises = blocks('exercise');
    for (const { lesson, block } of exercises) expect(findExercise(block.id), `${lesson.id}: ${block.id}`).toBeDefined();
    const l = findLesson(lessons, 'message-design')!;
    expect(exercisesOf(l).map((b) => b.id)).toEqual(['envelope-router']);
    const kinds = l.blocks.map((b) => b.kind);
    expect(kinds.indexOf('exercise')).toBeLessThan(kinds.indexOf('quiz'));
  });

  test('mermaid blocks are sequence diagrams', () => {
    const m = blocks('mermaid');
    expect(m.length).toBeGreaterThanOrEqual(8);
    for (const { lesson, block } of m) expect(block.text.startsWith('sequenceDiagram'), lesson.id).toBe(true);
  });
});

describe('the parser', () => {
  const ok = ['---', 'id: demo', 'title: Demo', 'summary: A demo lesson used by the tests.', 'topics: [a]', 'live: [/inspect]', 'minutes: 5', 'objectives: [Do a thing]', 'recap: [A thing was done]', 'numbers: ["1: one"]', 'facilitator: ["0-5 min: Show the thing"]', '---', '## One', 'text'].join('\n');

  test('parses front matter, markdown and headings', () => {
    const l = parseLesson('lessons/99-demo.md', ok);
    expect(l).toMatchObject({ number: '99', id: 'demo', title: 'Demo', topics: ['a'], live: ['/inspect'], minutes: 5, objectives: ['Do a thing'], before: [], recap: ['A thing was done'], numbers: ['1: one'], facilitator: [{ at: '0-5', text: 'Show the thing' }] });
    expect(l.headings).toEqual([{ depth: 2, text: 'One', slug: 'one' }]);
    expect(l.blocks).toEqual([{ kind: 'markdown', text: '## One\ntext' }]);
  });

  test('keeps ordinary code fences in the markdown and ignores headings inside them', () => {
    const l = parseLesson('01-demo.md', ok + '\n```js\n## not a heading\n```\n');
    expect(l.headings.map((h) => h.text)).toEqual(['One']);
    expect(l.blocks).toHaveLength(1);
  });

  test('rejects an id that does not match the file name, a bad quiz answer, an unknown lab route', () => {
    expect(() => parseLesson('01-other.md', ok)).toThrow(/does not match the file name/);
    const quiz = ok + '\n```quiz\nquestion: Q?\nchoices: [a, b]\nanswer: 2\nexplain: because\n```\n';
    expect(() => parseLesson('01-demo.md', quiz)).toThrow(/answer must be an index/);
    expect(() => parseLesson('01-demo.md', ok + '\n```lab\npage: /nowhere\n```\n')).toThrow(/not a route/);
    expect(() => parseLesson('01-demo.md', ok + '\n```decode\nhex: "zz"\n```\n')).toThrow(/hex digits/);
    expect(() => parseLesson('01-demo.md', ok + '\n```lab\npage: /inspect\n')).toThrow(/unclosed code fence/);
  });

  test('parses an exercise block by id; rejects a missing or malformed id', () => {
    const l = parseLesson('01-demo.md', ok + '\n```exercise\nid: envelope-router\n```\nafter\n');
    expect(l.blocks).toEqual([
      { kind: 'markdown', text: '## One\ntext' },
      { kind: 'exercise', id: 'envelope-router' },
      { kind: 'markdown', text: 'after' },
    ]);
    expect(exercisesOf(l)).toEqual([{ kind: 'exercise', id: 'envelope-router' }]);
    expect(() => parseLesson('01-demo.md', ok + '\n```exercise\ntitle: x\n```\n')).toThrow(/exercise block at line 15: id must be a non-empty string/);
    expect(() => parseLesson('01-demo.md', ok + '\n```exercise\nid: Envelope Router\n```\n')).toThrow(/id must be kebab-case/);
  });

  test('routes: the live pages are known, others are not', () => {
    for (const r of ['/playground', '/playground?tab=terminal', '/inspect', '/decode', '/decode?hex=89%2000&dir=server', '/labs/transports', '/labs/ghosts', '/labs/backpressure', '/labs/lifecycle', '/labs/chat', '/labs/hol', '/labs/data-types', '/lessons/handshake'])
      expect(isKnownRoute(r), r).toBe(true);
    for (const r of ['/labs/nope', '/playground?tab=x', 'https://example.com', '/admin']) expect(isKnownRoute(r), r).toBe(false);
  });

  test('exercise progress counts passed exercises; malformed storage is dropped', () => {
    const l = findLesson(lessons, 'message-design')!;
    expect(exerciseProgressOf(l, {})).toEqual({ passed: 0, total: 1 });
    expect(exerciseProgressOf(l, sanitizePassed({ 'envelope-router': true }))).toEqual({ passed: 1, total: 1 });
    expect(exerciseProgressOf(findLesson(lessons, 'handshake')!, { 'envelope-router': true })).toEqual({ passed: 0, total: 0 });
    expect(sanitizePassed({ 'envelope-router': 'yes', 'x y': true, ok: true })).toEqual({ ok: true });
    expect(sanitizePassed([true])).toEqual({});
  });

  test('progress counts answered and correct quizzes; malformed storage is dropped', () => {
    const l = findLesson(lessons, 'frames-and-opcodes')!;
    const qs = quizzesOf(l);
    const answers = sanitizeAnswers({ 'frames-and-opcodes': { '0': qs[0].answer, '1': (qs[1].answer + 1) % qs[1].choices.length, x: 3 }, bad: 5 });
    expect(progressOf(l, answers)).toEqual({ answered: 2, correct: 1, total: qs.length });
    expect(sanitizeAnswers('junk')).toEqual({});
    expect(findLesson(lessons, '04')?.id).toBe('lifecycle');
    expect(findLesson(lessons, '6')?.id).toBe('frames-and-opcodes');
  });
});

// The notes' topics, as keywords: each must be named in some lesson's `topics`.
const NOTE_TOPICS = [
  'request/response', 'stateless', 'polling', 'long polling', 'sse', 'pizza analogy', 'keep-alive',
  'handshake', 'upgrade', 'sec-websocket-key', 'sec-websocket-accept', '101', 'ws vs wss', 'same port', 'cors', 'origin',
  'stateful', 'sockets in memory', 'socket not in database', 'metadata vs socket data', 'one connection per client', '4-tuple',
  'fin', 'rsv', 'opcodes', 'continuation', 'masking', 'payload length', 'fragmentation',
  'text vs binary', 'json', 'permessage-deflate',
  'readystate', 'send only when open', 'server events', 'client events', 'close handshake', 'close codes',
  'ghost connections', 'heartbeats', 'ping/pong', 'tcp keepalive',
  'backpressure', 'buffers', 'memory blowups', 'drop', 'batch', 'rate limit', 'pause',
  'envelope', 'type routing', 'pub/sub',
  'unicast', 'broadcast', 'multicast/rooms',
  'fleet', 'load balancing', 'horizontal scaling', 'vertical scaling', 'broker', 'presence',
  'offline messages', 'message queue per user', 'delivery on return', 'reconnect backoff', 'jitter',
  'session auth', 'jwt', 'handshake auth', 'first-message auth', 'cross-site hijacking',
  'socket.io', 'managed services', 'native library',
  'webrtc', 'webtransport', 'quic', 'head-of-line blocking',
  'devtools', 'wscat', 'postman',
];

describe('coverage of the notes', () => {
  test('every topic from the notes is named in some lesson', () => {
    const named = new Set(lessons.flatMap((l) => l.topics.map((t) => t.toLowerCase())));
    const missing = NOTE_TOPICS.filter((t) => !named.has(t));
    expect(missing).toEqual([]);
  });
});

const NOTES_DIR = join(ROOT, '..', 'shared', 'notes');

function normalize(s: string): string {
  return s
    .toLowerCase()
    .replace(/[*_`#>|]/g, ' ')
    .replace(/[’‘]/g, "'")
    .replace(/[“”]/g, '"')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Sentences (split on . ! ? ; : and line breaks) of at least 8 words. */
function sentences(text: string): string[] {
  return text
    .split(/[.!?;:\n]+/)
    .map(normalize)
    .filter((s) => s.split(' ').filter(Boolean).length >= 8);
}

describe.skipIf(!existsSync(NOTES_DIR))(`no sentence copied from the notes (${NOTES_DIR})`, () => {
  test('no sentence of 8+ words from the notes appears verbatim in any lesson', () => {
    const notes = readdirSync(NOTES_DIR).map((f) => readFileSync(join(NOTES_DIR, f), 'utf8'));
    const noteSentences = [...new Set(notes.flatMap(sentences))];
    expect(noteSentences.length).toBeGreaterThan(50);
    const copied: string[] = [];
    for (const f of files) {
      const body = normalize(raw[f]);
      for (const s of noteSentences) if (body.includes(s)) copied.push(`${f}: "${s}"`);
    }
    expect(copied).toEqual([]);
  });
});

describe("the lessons name this server's own address", () => {
  test('every 127.0.0.1:8080 becomes the page host; other text is untouched', async () => {
    const { withHost, localizeFiles } = await import('../../web/src/lessons/host.ts');
    const text = "new WebSocket('ws://127.0.0.1:8080/lab/echo')\nHost: 127.0.0.1:8080\nnew WebSocketServer({ port: 8080 })";
    expect(withHost(text, '127.0.0.1:41234')).toBe("new WebSocket('ws://127.0.0.1:41234/lab/echo')\nHost: 127.0.0.1:41234\nnew WebSocketServer({ port: 8080 })");
    expect(withHost(text, '127.0.0.1:8080')).toBe(text);
    expect(localizeFiles({ a: text }, null)).toEqual({ a: text });
    expect(localizeFiles({ a: 'x 127.0.0.1:8080 y' }, '192.168.1.20:3000')).toEqual({ a: 'x 192.168.1.20:3000 y' });
  });
});
