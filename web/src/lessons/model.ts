// Lessons as data (STYLE.md, "Learn Git Branching"): a lesson file is YAML front matter and a
// markdown body with embedded blocks; parseLesson turns it into a plain object the page draws
// and the tests check. Pure: no DOM, no React, no node:*.
//
//   ---
//   id: frames-and-opcodes
//   title: Frames and opcodes
//   summary: …
//   topics: [fin, opcodes]
//   live: [/decode]
//   minutes: 12                  reading time
//   objectives: [..]             what the learner can do after it (shown first)
//   before: [lifecycle]          lessons worth reading first (optional)
//   recap: [..]  numbers: [..]   the summary and key numbers shown at its end
//   facilitator: [..]            notes for whoever teaches it to a room: "M-N min: what to do"
//   ---
//   Markdown… then fenced blocks whose language is lab, quiz, mermaid, decode or exercise:
//   ```lab      { page: /labs/ghosts, label: "Open the ghost lab", goal? }  (goal: shown on the lab page)
//   ```quiz     { question, choices: [..], answer: 0, explain, check? }  (check: quiz.ts)
//   ```decode   { hex: "81 05 48 65 6c 6c 6f", dir: server, expect: valid }
//   ```mermaid  sequenceDiagram …
//   ```exercise { id: envelope-router }  (a coding exercise from web/src/editor/exercises.ts)
//   ```capstone { }  the capstone's live run (web/src/lessons/capstone/)
import { parse as parseYaml } from 'yaml';
import { parseCheck, type QuizCheck } from './quiz.ts';

export interface LabBlock {
  kind: 'lab';
  page: string;
  label: string;
  /** what the lesson wants the learner to see or do there: the lab page shows it, with a link back */
  goal?: string;
}
export interface QuizBlock {
  kind: 'quiz';
  /** position among the lesson's quizzes, 0-based: the key of the learner's answer */
  index: number;
  question: string;
  choices: string[];
  answer: number;
  explain: string;
  /** "predict, then check": frames sent to this server whose answer confirms the right choice */
  check?: QuizCheck;
}
export interface DecodeBlock {
  kind: 'decode';
  hex: string;
  dir: 'client' | 'server';
  /** what the lesson claims the bytes are; the tests hold it to that */
  expect: 'valid' | 'violation';
  note: string;
}
export interface MermaidBlock {
  kind: 'mermaid';
  text: string;
}
/** A coding exercise, named by id; its text and checks live in web/src/editor/exercises.ts. */
export interface ExerciseBlock {
  kind: 'exercise';
  id: string;
}
/** The capstone's live run: the whole sequence against the chat lab, drawn from the event stream. */
export interface CapstoneBlock {
  kind: 'capstone';
}
export interface MarkdownBlock {
  kind: 'markdown';
  text: string;
}
export type Block = MarkdownBlock | LabBlock | QuizBlock | DecodeBlock | MermaidBlock | ExerciseBlock | CapstoneBlock;

export interface Heading {
  depth: 2 | 3;
  text: string;
  slug: string;
}

export interface Lesson {
  /** two digits from the file name: "04" */
  number: string;
  id: string;
  title: string;
  summary: string;
  topics: string[];
  live: string[];
  /** reading time, minutes */
  minutes: number;
  /** what the learner can do after the lesson */
  objectives: string[];
  /** lesson ids worth reading first (the curriculum's order is not always the order of need) */
  before: string[];
  /** the lesson in a few lines, shown at its end */
  recap: string[];
  /** the figures worth remembering, shown at its end */
  numbers: string[];
  /** notes for a facilitator, each "M-N min: …" in running order; hidden from learners unless asked */
  facilitator: FacilitatorNote[];
  blocks: Block[];
  headings: Heading[];
}

export interface FacilitatorNote {
  /** minutes into the session: "0-3" or "12" */
  at: string;
  text: string;
}

export class LessonError extends Error {
  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'LessonError';
  }
}

const FILE_RE = /(?:^|\/)(\d\d)-([a-z0-9-]+)\.md$/;
const SPECIAL = new Set(['lab', 'quiz', 'decode', 'mermaid', 'exercise', 'capstone']);

/** Pages a lab block may point at: the app's client-side routes that show something live. */
const ROUTE_RES = [
  /^\/playground(\?tab=(browser|puppet|terminal|builder))?$/,
  /^\/inspect$/,
  /^\/decode(\?.*)?$/,
  /^\/labs\/(transports|ghosts|backpressure|lifecycle|chat|hol|data-types)$/,
  /^\/lessons(\/[a-z0-9-]+)?$/,
];

export function isKnownRoute(page: string): boolean {
  return ROUTE_RES.some((re) => re.test(page));
}

/** The heading's anchor: lower case, letters and digits joined by single dashes. */
export function slugify(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[`*_]/g, '')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'section'
  );
}

/** The /decode link that reproduces a decode block. */
export function decodeHref(block: Pick<DecodeBlock, 'hex' | 'dir'>): string {
  return `/decode?${new URLSearchParams({ hex: block.hex, dir: block.dir }).toString()}`;
}

function str(file: string, v: unknown, what: string): string {
  if (typeof v !== 'string' || v.trim() === '') throw new LessonError(file, `${what} must be a non-empty string`);
  return v.trim();
}

function strList(file: string, v: unknown, what: string): string[] {
  if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'string' && x.trim() !== '')) {
    throw new LessonError(file, `${what} must be a non-empty list of strings`);
  }
  return v.map((x: string) => x.trim());
}

function yamlObject(file: string, text: string, what: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = parseYaml(text);
  } catch (err) {
    throw new LessonError(file, `${what}: invalid YAML (${(err as Error).message.split('\n')[0]})`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new LessonError(file, `${what} must be a YAML mapping`);
  return v as Record<string, unknown>;
}

function special(file: string, lang: string, body: string, line: number, quizIndex: number): Block {
  const where = `${lang} block at line ${line}`;
  if (lang === 'capstone') return { kind: 'capstone' };
  if (lang === 'mermaid') {
    if (body.trim() === '') throw new LessonError(file, `${where} is empty`);
    return { kind: 'mermaid', text: body.trim() };
  }
  const o = yamlObject(file, body, where);
  if (lang === 'lab') {
    const page = str(file, o.page, `${where}: page`);
    if (!isKnownRoute(page)) throw new LessonError(file, `${where}: page ${page} is not a route of the app`);
    const label = o.label === undefined ? `Open ${page}` : str(file, o.label, `${where}: label`);
    if (o.goal === undefined) return { kind: 'lab', page, label };
    return { kind: 'lab', page, label, goal: str(file, o.goal, `${where}: goal`) };
  }
  if (lang === 'quiz') {
    const question = str(file, o.question, `${where}: question`);
    const choices = strList(file, o.choices, `${where}: choices`);
    if (choices.length < 2) throw new LessonError(file, `${where}: needs at least two choices`);
    const answer = o.answer;
    if (typeof answer !== 'number' || !Number.isInteger(answer) || answer < 0 || answer >= choices.length) {
      throw new LessonError(file, `${where}: answer must be an index into choices (0..${choices.length - 1})`);
    }
    const explain = str(file, o.explain, `${where}: explain`);
    if (o.check === undefined) return { kind: 'quiz', index: quizIndex, question, choices, answer, explain };
    const check = parseCheck(o.check);
    if (typeof check === 'string') throw new LessonError(file, `${where}: ${check}`);
    if (!choices[answer].includes(String(check.expect))) {
      throw new LessonError(file, `${where}: the right choice must name the value the check measures (${check.expect})`);
    }
    return { kind: 'quiz', index: quizIndex, question, choices, answer, explain, check };
  }
  if (lang === 'exercise') {
    // Only the id's shape is checked here: the exercises themselves (and their starter and
    // solution code) stay out of the main bundle; the unit tests check that each id exists.
    const id = str(file, o.id, `${where}: id`);
    if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(id)) throw new LessonError(file, `${where}: id must be kebab-case, like envelope-router`);
    return { kind: 'exercise', id };
  }
  // decode
  const hex = str(file, o.hex, `${where}: hex`);
  if (!/^[0-9a-fA-F\s]+$/.test(hex)) throw new LessonError(file, `${where}: hex may only hold hex digits and spaces`);
  const dir = o.dir ?? 'server';
  if (dir !== 'client' && dir !== 'server') throw new LessonError(file, `${where}: dir must be client or server`);
  const expect = o.expect ?? 'valid';
  if (expect !== 'valid' && expect !== 'violation') throw new LessonError(file, `${where}: expect must be valid or violation`);
  const note = o.note === undefined ? '' : str(file, o.note, `${where}: note`);
  return { kind: 'decode', hex, dir, expect, note };
}

/**
 * Splits the body into markdown and embedded blocks. Fences of other languages stay inside the
 * markdown (they are ordinary code listings); headings are collected outside every fence.
 */
export function parseBody(file: string, body: string, firstLine = 1): { blocks: Block[]; headings: Heading[] } {
  const lines = body.split('\n');
  const blocks: Block[] = [];
  const headings: Heading[] = [];
  const used = new Map<string, number>();
  let md: string[] = [];
  let quizzes = 0;
  const flush = () => {
    const text = md.join('\n').trim();
    if (text) blocks.push({ kind: 'markdown', text });
    md = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const fence = /^(`{3,}|~{3,})\s*([\w-]*)\s*$/.exec(line);
    if (fence) {
      const marker = fence[1];
      const lang = fence[2].toLowerCase();
      const start = i;
      let end = i + 1;
      const closes = (l: string) => {
        const t = l.trim();
        return t.length >= marker.length && t === marker[0].repeat(t.length);
      };
      while (end < lines.length && !closes(lines[end])) end++;
      if (end >= lines.length) throw new LessonError(file, `unclosed code fence at line ${firstLine + start}`);
      if (SPECIAL.has(lang)) {
        flush();
        const b = special(file, lang, lines.slice(start + 1, end).join('\n'), firstLine + start, quizzes);
        if (b.kind === 'quiz') quizzes++;
        blocks.push(b);
      } else {
        md.push(...lines.slice(start, end + 1));
      }
      i = end;
      continue;
    }
    const h = /^(##|###)\s+(.+?)\s*#*\s*$/.exec(line);
    if (h) {
      const text = h[2].replace(/[`*_]/g, '');
      const base = slugify(text);
      const n = used.get(base) ?? 0;
      used.set(base, n + 1);
      headings.push({ depth: h[1].length as 2 | 3, text, slug: n === 0 ? base : `${base}-${n + 1}` });
    }
    md.push(line);
  }
  flush();
  return { blocks, headings };
}

const startOf = (at: string) => Number(at.split('-')[0]);

/** Parses one lesson file; `file` is its path or name (NN-slug.md). Throws LessonError. */
export function parseLesson(file: string, raw: string): Lesson {
  const m = FILE_RE.exec(file.replace(/\\/g, '/'));
  if (!m) throw new LessonError(file, 'file name must look like NN-slug.md');
  const [, number, slug] = m;
  const text = raw.replace(/\r\n?/g, '\n');
  const fm = /^---\n([\s\S]*?)\n---\n/.exec(text);
  if (!fm) throw new LessonError(file, 'missing front matter (--- … ---)');
  const meta = yamlObject(file, fm[1], 'front matter');
  const id = str(file, meta.id, 'id');
  if (id !== slug) throw new LessonError(file, `id "${id}" does not match the file name ("${slug}")`);
  const bodyStart = fm[0].split('\n').length;
  const { blocks, headings } = parseBody(file, text.slice(fm[0].length), bodyStart);
  const live = strList(file, meta.live, 'live');
  for (const page of live) if (!isKnownRoute(page)) throw new LessonError(file, `live: ${page} is not a route of the app`);
  const minutes = meta.minutes;
  if (typeof minutes !== 'number' || !Number.isInteger(minutes) || minutes < 1 || minutes > 60) throw new LessonError(file, 'minutes must be a whole number from 1 to 60');
  const before = meta.before === undefined ? [] : strList(file, meta.before, 'before');
  for (const b of before) if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(b)) throw new LessonError(file, `before: ${b} is not a lesson id`);
  const facilitator = strList(file, meta.facilitator, 'facilitator').map((line) => {
    const m = /^(\d{1,3}(?:-\d{1,3})?) min: (.+)$/.exec(line);
    if (!m) throw new LessonError(file, `facilitator: "${line.slice(0, 40)}" must look like "M-N min: what to do"`);
    return { at: m[1], text: m[2] };
  });
  for (let i = 1; i < facilitator.length; i++) {
    if (startOf(facilitator[i].at) < startOf(facilitator[i - 1].at)) throw new LessonError(file, `facilitator: "${facilitator[i].at} min" comes before "${facilitator[i - 1].at} min"; keep the notes in running order`);
  }
  return {
    number,
    id,
    title: str(file, meta.title, 'title'),
    summary: str(file, meta.summary, 'summary'),
    topics: strList(file, meta.topics, 'topics'),
    live,
    minutes,
    objectives: strList(file, meta.objectives, 'objectives'),
    before,
    recap: strList(file, meta.recap, 'recap'),
    numbers: strList(file, meta.numbers, 'numbers'),
    facilitator,
    blocks,
    headings,
  };
}

/** Parses a set of files (path → raw text) and returns them in file-name order. */
export function parseLessons(files: Record<string, string>): Lesson[] {
  const lessons = Object.keys(files)
    .sort((a, b) => a.localeCompare(b))
    .map((path) => parseLesson(path, files[path]));
  const position = new Map(lessons.map((l, i) => [l.id, i]));
  for (const [i, l] of lessons.entries()) {
    for (const b of l.before) {
      const at = position.get(b);
      if (at === undefined) throw new LessonError(`${l.number}-${l.id}.md`, `before: no lesson has the id ${b}`);
      // the curriculum's order is the order of need: what a lesson builds on comes earlier
      if (at >= i) throw new LessonError(`${l.number}-${l.id}.md`, `before: ${b} must come earlier in the curriculum (renumber the files)`);
    }
  }
  return lessons;
}

export function quizzesOf(lesson: Lesson): QuizBlock[] {
  return lesson.blocks.filter((b): b is QuizBlock => b.kind === 'quiz');
}

/** The learner's answers: lesson id → quiz index → chosen choice. */
export type Answers = Record<string, Record<string, number>>;

export interface Progress {
  answered: number;
  correct: number;
  total: number;
}

export function progressOf(lesson: Lesson, answers: Answers): Progress {
  const mine = answers[lesson.id] ?? {};
  let answered = 0;
  let correct = 0;
  const quizzes = quizzesOf(lesson);
  for (const q of quizzes) {
    const a = mine[String(q.index)];
    if (typeof a !== 'number') continue;
    answered++;
    if (a === q.answer) correct++;
  }
  return { answered, correct, total: quizzes.length };
}

/** Reads stored answers defensively: anything malformed is dropped, never thrown. */
export function sanitizeAnswers(value: unknown): Answers {
  const out: Answers = {};
  if (!value || typeof value !== 'object' || Array.isArray(value)) return out;
  for (const [id, per] of Object.entries(value as Record<string, unknown>)) {
    if (!per || typeof per !== 'object' || Array.isArray(per)) continue;
    const clean: Record<string, number> = {};
    for (const [k, v] of Object.entries(per as Record<string, unknown>)) {
      if (/^\d+$/.test(k) && typeof v === 'number' && Number.isInteger(v) && v >= 0) clean[k] = v;
    }
    out[id] = clean;
  }
  return out;
}

export function exercisesOf(lesson: Lesson): ExerciseBlock[] {
  return lesson.blocks.filter((b): b is ExerciseBlock => b.kind === 'exercise');
}

/** The exercises the learner has passed: exercise id → true. */
export type Passed = Record<string, true>;

export function exerciseProgressOf(lesson: Lesson, passed: Passed): { passed: number; total: number } {
  const ids = [...new Set(exercisesOf(lesson).map((b) => b.id))];
  return { passed: ids.filter((id) => passed[id] === true).length, total: ids.length };
}

/** Reads stored passes defensively, like sanitizeAnswers. */
export function sanitizePassed(value: unknown): Passed {
  const out: Passed = {};
  if (!value || typeof value !== 'object' || Array.isArray(value)) return out;
  for (const [id, v] of Object.entries(value as Record<string, unknown>)) if (v === true && /^[a-z0-9-]+$/.test(id)) out[id] = true;
  return out;
}

/** Finds a lesson by id, or by its number ("4" or "04"). */
export function findLesson(lessons: Lesson[], key: string): Lesson | undefined {
  return lessons.find((l) => l.id === key) ?? (/^\d{1,2}$/.test(key) ? lessons.find((l) => Number(l.number) === Number(key)) : undefined);
}

/** A link in a lesson's prose to a page of the app (markdown `[text](/path#anchor)`). */
export interface LessonLink {
  lesson: string;
  href: string;
}

/** Every app-internal link in the lessons' prose. */
export function linksOf(lessons: readonly Lesson[]): LessonLink[] {
  const out: LessonLink[] = [];
  for (const l of lessons) {
    for (const b of l.blocks) {
      if (b.kind !== 'markdown') continue;
      for (const m of b.text.replace(/```[\s\S]*?```/g, '').matchAll(/\]\((\/[^)\s]*)\)/g)) out.push({ lesson: l.id, href: m[1] });
    }
  }
  return out;
}

/**
 * Why a link does not resolve, or null when it does: /lessons/ID needs a lesson with that id, and
 * #anchor one of its headings; other paths must be routes of the app.
 */
export function linkProblem(lessons: readonly Lesson[], href: string): string | null {
  const [path, anchor] = href.split('#') as [string, string | undefined];
  const m = /^\/lessons\/([a-z0-9-]+)$/.exec(path);
  if (!m) return isKnownRoute(path) || /^\/(challenges|revise|glossary|cheatsheet|illustrated|workshop|labs)(\?.*)?$/.test(path) ? null : `${path} is not a page of the app`;
  const target = lessons.find((l) => l.id === m[1]);
  if (!target) return `no lesson has the id ${m[1]}`;
  if (anchor !== undefined && !target.headings.some((h) => h.slug === anchor)) return `${target.id} has no heading #${anchor}`;
  return null;
}
