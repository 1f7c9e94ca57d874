// Revision mode's models: the review deck's spacing, search across lessons, quizzes and the
// glossary, the progress file's validation, the glossary's links into the lessons, the lesson
// parts and "continue", and the cheat sheet's numbers measured against the codec.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ROOT } from '../../server/paths.ts';
import { createReader } from '../../server/core/wire/index.ts';
import { parseLessons, quizzesOf, type Lesson } from '../../web/src/lessons/model.ts';
import { PARTS, checkVisit, continueFrom, groupIntoParts, sanitizeVisit } from '../../web/src/lessons/parts.ts';
import { GLOSSARY, taughtAt } from '../../web/src/revise/glossary.ts';
import { buildIndex, lessonSections, normalize, search, snippetOf } from '../../web/src/revise/search.ts';
import { BOX_INTERVALS, DAY, MINUTE, RELEARN_DELAY, cardKey, dailyOrder, dayOf, deckStats, dueKeys, enroll, formatWait, nextDue, review, sanitizeDeck, type Card, type Deck } from '../../web/src/revise/spacing.ts';
import { MAX_PROGRESS_BYTES, exportFileName, exportProgress, importProgress, type ProgressData } from '../../web/src/revise/transfer.ts';
import { wrongAnswerKeys } from '../../web/src/revise/deck.ts';
import { closeRows, headerBytes, headerSizes, opcodeRows, sampleAccept } from '../../web/src/revise/cheatsheet.ts';

const LESSON_DIR = join(ROOT, 'lessons');
const files = readdirSync(LESSON_DIR).filter((f) => f.endsWith('.md'));
const lessons: Lesson[] = parseLessons(Object.fromEntries(files.map((f) => [f, readFileSync(join(LESSON_DIR, f), 'utf8')])));
const byId = new Map(lessons.map((l) => [l.id, l]));

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);

describe('spacing: a Leitner schedule over days', () => {
  const fresh = (): Deck => enroll({}, ['frames-and-opcodes#1'], T0);

  test('a wrong answer enters the deck due at once, in box 0', () => {
    const deck = fresh();
    expect(deck['frames-and-opcodes#1']).toEqual({ box: 0, due: T0, lapses: 0, reviews: 0, learned: false });
    expect(dueKeys(deck, T0)).toEqual(['frames-and-opcodes#1']);
  });

  test('enrolling again keeps the card as it is; invalid keys are ignored', () => {
    const deck = { 'frames-and-opcodes#1': review(fresh()['frames-and-opcodes#1'], true, T0) };
    expect(enroll(deck, ['frames-and-opcodes#1', 'not a key'], T0 + DAY)).toBe(deck);
  });

  test('right answers space the card out: 1, 3, 7, 16 days, then it is learned', () => {
    let card: Card = fresh()['frames-and-opcodes#1'];
    let now = T0;
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      card = review(card, true, now);
      waits.push((card.due - now) / DAY);
      expect(card.learned).toBe(false);
      now = card.due;
    }
    expect(waits).toEqual([1, 3, 7, 16]);
    expect(card.box).toBe(BOX_INTERVALS.length - 1);
    card = review(card, true, now);
    expect(card).toEqual({ box: 4, due: now, lapses: 0, reviews: 5, learned: true });
    expect(dueKeys({ k: card } as Deck, now + 100 * DAY)).toEqual([]);
  });

  test('a wrong answer sends the card back to box 0, due again in ten minutes', () => {
    const up = review(review(fresh()['frames-and-opcodes#1'], true, T0), true, T0 + DAY);
    expect(up.box).toBe(2);
    const down = review(up, false, T0 + 4 * DAY);
    expect(down).toEqual({ box: 0, due: T0 + 4 * DAY + RELEARN_DELAY, lapses: 1, reviews: 3, learned: false });
    expect(RELEARN_DELAY).toBe(10 * MINUTE);
  });

  test('a card answered right is not due until its day comes, and then it is', () => {
    const deck: Deck = { 'a#0': review(fresh()['frames-and-opcodes#1'], true, T0), 'b#1': { box: 0, due: T0 - 5, lapses: 0, reviews: 0, learned: false } };
    expect(dueKeys(deck, T0 + DAY - 1)).toEqual(['b#1']);
    expect(dueKeys(deck, T0 + DAY)).toEqual(['b#1', 'a#0']);
    expect(nextDue(deck, T0)).toBe(T0 + DAY);
    expect(deckStats(deck, T0)).toEqual({ due: 1, waiting: 1, learned: 0 });
  });

  test('waits read as minutes, hours or days', () => {
    expect(formatWait(T0 + RELEARN_DELAY, T0)).toBe('in 10 minutes');
    expect(formatWait(T0 + 3 * 60 * MINUTE, T0)).toBe('in 3 hours');
    expect(formatWait(T0 + DAY, T0)).toBe('in 24 hours');
    expect(formatWait(T0 + 3 * DAY, T0)).toBe('in 3 days');
    expect(formatWait(T0 + 30_000, T0)).toBe('in under a minute');
  });

  test('a stored deck is read defensively: bad cards and keys are dropped', () => {
    const good = { box: 1, due: T0, lapses: 0, reviews: 1, learned: false };
    expect(sanitizeDeck({ 'handshake#0': good, 'handshake#1': { ...good, box: 9 }, 'Bad Key': good, 'lifecycle#2': 'x' })).toEqual({ 'handshake#0': good });
    expect(sanitizeDeck([])).toEqual({});
  });

  test('wrong recorded answers become card keys; right and unanswered ones do not', () => {
    const lesson = byId.get('frames-and-opcodes')!;
    const q = quizzesOf(lesson);
    const wrong = (q[0].answer + 1) % q[0].choices.length;
    expect(wrongAnswerKeys(lessons, { 'frames-and-opcodes': { '0': wrong, '1': q[1].answer } })).toEqual([cardKey('frames-and-opcodes', 0)]);
  });
});

describe('search across lessons, quizzes and the glossary', () => {
  const index = buildIndex(lessons, GLOSSARY);

  test('the index holds every glossary term, every lesson section and every quiz', () => {
    const quizzes = lessons.reduce((n, l) => n + quizzesOf(l).length, 0);
    const headings = lessons.reduce((n, l) => n + l.headings.length, 0);
    expect(index.filter((d) => d.kind === 'glossary').length).toBe(GLOSSARY.length);
    expect(index.filter((d) => d.kind === 'quiz').length).toBe(quizzes);
    // each heading is a section, plus each lesson's opening (title and summary)
    expect(index.filter((d) => d.kind === 'lesson').length).toBe(headings + lessons.length);
  });

  test('a glossary term typed in full comes first and links to its entry', () => {
    const hits = search(index, 'masking key');
    expect(hits[0].doc.kind).toBe('glossary');
    expect(hits[0].doc.title).toBe('Masking key');
    expect(hits[0].doc.href).toBe('/glossary#masking-key');
    expect(hits.some((h) => h.doc.href === '/lessons/frames-and-opcodes#masking-why-clients-scramble-their-bytes')).toBe(true);
  });

  test('other spellings find the term: SSE, TIME_WAIT as "time wait", CSWSH', () => {
    expect(search(index, 'SSE')[0].doc.title).toBe('Server-sent events');
    expect(search(index, 'time wait')[0].doc.title).toBe('TIME_WAIT');
    expect(search(index, 'time_wait')[0].doc.title).toBe('TIME_WAIT');
    expect(search(index, 'cswsh')[0].doc.title).toBe('CSWSH');
  });

  test('every word must start a word of the document: "ping" finds pings, not "shipping"', () => {
    const hits = search(index, 'ping');
    expect(hits.length).toBeGreaterThan(3);
    for (const h of hits) expect(`${h.doc.normTitle}${h.doc.normText}`).toMatch(/ ping/);
    expect(search(index, 'hipping')).toEqual([]);
    expect(search(index, 'masking zebra')).toEqual([]);
    expect(search(index, '   ')).toEqual([]);
  });

  test('quiz questions are found, and link to the section they sit in', () => {
    const lesson = byId.get('frames-and-opcodes')!;
    const q = quizzesOf(lesson)[0];
    const hits = search(index, q.question);
    const quiz = hits.find((h) => h.doc.kind === 'quiz');
    expect(quiz?.doc.title).toBe(q.question);
    expect(quiz?.doc.href.startsWith('/lessons/frames-and-opcodes')).toBe(true);
    expect(quiz?.doc.context).toBe(`Quiz · Lesson ${lesson.number} · ${lesson.title}`);
  });

  test('a close code is found in the lesson sections that name it', () => {
    const hits = search(index, '1009');
    expect(hits.map((h) => h.doc.href)).toContain('/lessons/lifecycle#close-codes-worth-knowing');
  });

  test('the snippet shows the matched word in its sentence', () => {
    expect(snippetOf('Clients mask every frame they send to a server.', ['mask'], 10)).toEqual({ before: 'Clients ', match: 'mask', after: ' every fra…' });
    expect(normalize('TIME_WAIT, 4-tuple')).toBe(' time wait 4 tuple ');
  });

  test("a lesson's sections follow its headings in order, text attached to the right one", () => {
    const lesson = byId.get('frames-and-opcodes')!;
    const { sections } = lessonSections(lesson);
    expect(sections.filter((s) => s.slug).map((s) => s.slug)).toEqual(lesson.headings.map((h) => h.slug));
    const lengths = sections.find((s) => s.slug === 'lengths-7-16-or-64-bits')!;
    expect(lengths.text).toMatch(/126/);
  });
});

describe('the glossary', () => {
  test('has at least 40 terms with unique slugs, including the ones revision asks for', () => {
    expect(GLOSSARY.length).toBeGreaterThanOrEqual(40);
    expect(new Set(GLOSSARY.map((e) => e.slug)).size).toBe(GLOSSARY.length);
    const terms = GLOSSARY.map((e) => e.term);
    for (const t of ['FIN', 'RSV bits', 'Opcode', 'Masking key', 'Close code', 'TIME_WAIT', 'Head-of-line blocking', 'CSWSH', 'SFU', 'Backpressure']) expect(terms).toContain(t);
  });

  test('every term links to a heading that exists in its lesson', () => {
    const dead: string[] = [];
    for (const e of GLOSSARY) {
      const lesson = byId.get(e.lesson);
      if (!lesson || !lesson.headings.some((h) => h.slug === e.section)) dead.push(`${e.term} → ${taughtAt(e)}`);
    }
    expect(dead).toEqual([]);
  });

  test('the linked section names the term (or one of its other spellings), SFU excepted until the lesson does', () => {
    const silent: string[] = [];
    for (const e of GLOSSARY) {
      const section = lessonSections(byId.get(e.lesson)!).sections.find((s) => s.slug === e.section)!;
      const hay = normalize(`${section.heading} ${section.text}`);
      if (![e.term, ...e.aka].some((n) => hay.includes(normalize(n)))) silent.push(`${e.term} in ${taughtAt(e)}`);
    }
    // lesson 15's WebRTC section is where group calls are taught; SFU is named there once issue 15 §1 lands
    expect(silent.filter((s) => !s.startsWith('SFU '))).toEqual([]);
  });

  // the notes sit beside the checkout (../shared/notes) or beside the worktrees' folder
  const NOTES_DIR = [join(ROOT, '..', 'shared', 'notes'), join(ROOT, '..', '..', 'shared', 'notes')].find((d) => existsSync(d)) ?? '';
  test.skipIf(NOTES_DIR === '')('no definition copies a sentence of 8+ words from the notes', () => {
    const norm = (s: string) => s.toLowerCase().replace(/[*_`#>|]/g, ' ').replace(/\s+/g, ' ').trim();
    const notes = readdirSync(NOTES_DIR).map((f) => readFileSync(join(NOTES_DIR, f), 'utf8'));
    const sentences = [...new Set(notes.flatMap((t) => t.split(/[.!?;:\n]+/).map(norm)).filter((s) => s.split(' ').length >= 8))];
    const copied = GLOSSARY.filter((e) => sentences.some((s) => norm(e.definition).includes(s))).map((e) => e.term);
    expect(copied).toEqual([]);
  });
});

describe('progress as a file', () => {
  const data: ProgressData = {
    answers: { 'frames-and-opcodes': { '0': 2, '1': 1 } },
    exercises: { 'envelope-router': true },
    deck: { 'frames-and-opcodes#0': { box: 1, due: T0 + DAY, lapses: 0, reviews: 1, learned: false } },
    visit: { lesson: 'lifecycle', section: 'four-states', at: T0 },
  };
  const now = new Date(T0);

  test('export then import gives back the same progress', () => {
    const text = exportProgress(data, now);
    expect(JSON.parse(text)).toMatchObject({ format: 'wslab-progress', version: 1, exportedAt: '2026-01-05T09:00:00.000Z' });
    expect(importProgress(text)).toEqual({ ok: true, data, exportedAt: '2026-01-05T09:00:00.000Z' });
    expect(exportFileName(now)).toBe('wslab-progress-2026-01-05.json');
  });

  const refusal = (v: unknown) => {
    const r = importProgress(typeof v === 'string' ? v : JSON.stringify(v));
    return r.ok ? 'accepted' : r.error;
  };
  const base = JSON.parse(exportProgress(data, now)) as Record<string, unknown>;

  test('bad files are refused whole, each with a sentence saying what is wrong', () => {
    expect(refusal('{"format": ')).toMatch(/^This file is not JSON, so it is not a wslab progress file \(/);
    expect(refusal({ hello: 1 })).toBe('This JSON is not a wslab progress file: it has no "format": "wslab-progress" field.');
    expect(refusal({ ...base, version: 2 })).toBe('This progress file has version number 2; this wslab reads version 1.');
    expect(refusal({ ...base, exportedAt: 'yesterday' })).toBe('"exportedAt" must be the date the file was written (an ISO 8601 time).');
    expect(refusal({ ...base, extra: 1 })).toBe('This progress file has a field "extra" that this wslab does not know; it was not written by it.');
    expect(refusal({ ...base, answers: [] })).toBe('"answers" must map lesson ids to answers, but it is a list.');
    expect(refusal({ ...base, answers: { 'frames-and-opcodes': { '0': 'b' } } })).toBe('"answers.frames-and-opcodes.0" must be the number of a choice (0 or more), but it is the text "b".');
    expect(refusal({ ...base, answers: { 'Frames!': {} } })).toBe('"answers" has a key "Frames!" that is not a lesson id (lower case words joined by dashes).');
    expect(refusal({ ...base, exercises: { 'envelope-router': false } })).toBe('"exercises.envelope-router" must be true (only passed exercises are listed), but it is boolean false.');
    expect(refusal({ ...base, deck: { 'frames-and-opcodes#0': { box: 7, due: 0, lapses: 0, reviews: 0, learned: false } } })).toBe('"deck.frames-and-opcodes#0": box must be a whole number from 0 to 4.');
    expect(refusal({ ...base, deck: { x: {} } })).toBe('"deck" has a key "x"; card keys look like "frames-and-opcodes#1".');
    expect(refusal({ ...base, visit: { lesson: 'lifecycle', section: 'x', at: -1 } })).toBe('"visit": at must be a time in milliseconds since 1970.');
    expect(refusal('x'.repeat(MAX_PROGRESS_BYTES + 1))).toBe('This file is 1,000,001 characters long; a progress file is at most 1,000,000, so it is not one.');
  });

  test('a file without the optional parts restores empty ones', () => {
    const r = importProgress(JSON.stringify({ format: 'wslab-progress', version: 1, exportedAt: '2026-01-05T09:00:00.000Z' }));
    expect(r).toEqual({ ok: true, data: { answers: {}, exercises: {}, deck: {}, visit: null }, exportedAt: '2026-01-05T09:00:00.000Z' });
  });
});

describe('the deck\'s order, shuffled per learner and per day', () => {
  const keys = Array.from({ length: 12 }, (_, i) => `lesson-${i % 4}#${i}`);
  test('the same all day for one learner, whatever order the cards came in; a permutation of them', () => {
    const once = dailyOrder(keys, 'a1b2c3d4e5f60718', '2026-12-03');
    expect([...once].sort()).toEqual([...keys].sort());
    expect(dailyOrder([...keys].reverse(), 'a1b2c3d4e5f60718', '2026-12-03')).toEqual(once);
  });

  test('another day or another learner sees another order', () => {
    const mine = dailyOrder(keys, 'a1b2c3d4e5f60718', '2026-12-03');
    expect(dailyOrder(keys, 'a1b2c3d4e5f60718', '2026-12-04')).not.toEqual(mine);
    expect(dailyOrder(keys, '0000000000000001', '2026-12-03')).not.toEqual(mine);
    expect(mine).not.toEqual(keys);
  });

  test('the day is the learner\'s calendar day', () => {
    const noon = new Date(2026, 11, 3, 12, 0, 0).getTime();
    expect(dayOf(noon)).toBe('2026-12-03');
    expect(dayOf(new Date(2026, 11, 3, 23, 59, 59).getTime())).toBe('2026-12-03');
    expect(dayOf(new Date(2026, 11, 4, 0, 0, 1).getTime())).toBe('2026-12-04');
  });
});

describe('/lessons in parts, and continue where you left off', () => {
  test('every lesson is in exactly one part, parts in curriculum order', () => {
    const named = PARTS.flatMap((p) => p.lessons);
    expect(new Set(named).size).toBe(named.length);
    expect([...named].sort()).toEqual(lessons.map((l) => l.id).sort());
    const groups = groupIntoParts(lessons);
    expect(groups.map((g) => g.title)).toEqual(PARTS.map((p) => p.title));
    expect(groups.flatMap((g) => g.lessons.map((l) => l.id))).toEqual(named);
    // read part by part, the lessons come in the files' order: the parts follow the curriculum
    expect(named).toEqual(lessons.map((l) => l.id));
  });

  test('a lesson no part names still shows, under "More lessons"', () => {
    const extra = { ...lessons[0], id: 'added-later', number: '18' };
    const groups = groupIntoParts([...lessons, extra]);
    expect(groups.at(-1)).toMatchObject({ title: 'More lessons', lessons: [extra] });
  });

  test('continue leads to the visited lesson at its section, or its top when the heading is gone', () => {
    expect(continueFrom(lessons, { lesson: 'lifecycle', section: 'four-states', at: T0 })).toMatchObject({ href: '/lessons/lifecycle#four-states', section: { slug: 'four-states', text: 'Four states' } });
    expect(continueFrom(lessons, { lesson: 'lifecycle', section: 'gone', at: T0 })).toMatchObject({ href: '/lessons/lifecycle', section: null });
    expect(continueFrom(lessons, { lesson: 'no-such-lesson', section: '', at: T0 })).toBeNull();
    expect(continueFrom(lessons, null)).toBeNull();
    expect(checkVisit({ lesson: 'lifecycle', section: '', at: 1.5 })).toBe('at must be a time in milliseconds since 1970');
    // what localStorage holds reads back as written; anything else as no visit
    const stored = JSON.parse(JSON.stringify({ visit: { lesson: 'lifecycle', section: 'four-states', at: T0 } })) as unknown;
    expect(sanitizeVisit(stored)).toEqual({ visit: { lesson: 'lifecycle', section: 'four-states', at: T0 } });
    expect(sanitizeVisit({ lesson: 'lifecycle', section: '', at: T0 })).toEqual({ visit: null });
    expect(sanitizeVisit('x')).toEqual({ visit: null });
  });
});

describe('the cheat sheet, measured on the codec', () => {
  test('header sizes: 2/6, 4/8 and 10/14 bytes (server/client), as the decoder reads them back', () => {
    expect(headerSizes()).toEqual([
      { range: '0 – 125', len7: 'the length', extended: 0, unmasked: 2, masked: 6 },
      { range: '126 – 65,535', len7: '126', extended: 2, unmasked: 4, masked: 8 },
      { range: '65,536 and up', len7: '127', extended: 8, unmasked: 10, masked: 14 },
    ]);
    for (const n of [0, 125, 126, 65_535, 65_536]) {
      const reader = createReader({ direction: 'client' });
      const key = new Uint8Array([1, 2, 3, 4]);
      const bytes = new Uint8Array(headerBytes(n, true) + n);
      // a masked client text frame of n zero bytes, built by hand from the sheet's number
      bytes[0] = 0x81;
      const ext = headerBytes(n, true) - 6;
      bytes[1] = 0x80 | (ext === 0 ? n : ext === 2 ? 126 : 127);
      if (ext === 2) new DataView(bytes.buffer).setUint16(2, n);
      if (ext === 8) new DataView(bytes.buffer).setBigUint64(2, BigInt(n));
      bytes.set(key, 2 + ext);
      for (let i = 0; i < n; i++) bytes[6 + ext + i] = key[i & 3];
      const frames = reader.push(bytes).filter((e) => e.type === 'frame');
      expect(frames.length).toBe(1);
      expect(frames[0].type === 'frame' && frames[0].frame.headerLength).toBe(headerBytes(n, true));
    }
  });

  test('opcodes, the accept example of RFC 6455 §1.3, and close codes with who sends them', () => {
    expect(opcodeRows().map((r) => `${r.hex} ${r.name}${r.control ? ' (control)' : ''}`)).toEqual([
      '0x0 CONTINUATION',
      '0x1 TEXT',
      '0x2 BINARY',
      '0x8 CLOSE (control)',
      '0x9 PING (control)',
      '0xA PONG (control)',
    ]);
    expect(sampleAccept()).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    const rows = closeRows();
    expect(rows.map((r) => r.code)).toEqual([1000, 1001, 1002, 1003, 1005, 1006, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 1015]);
    expect(rows.every((r) => r.sender !== '')).toBe(true);
    expect(rows.filter((r) => !r.onWire).map((r) => r.code)).toEqual([1005, 1006, 1015]);
  });
});
