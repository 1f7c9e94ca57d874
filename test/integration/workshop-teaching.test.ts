// The room quiz and follow-me with real clients: participants' scoped event streams receive the
// question (never its answer) and the presenter's moves; each participant's first answer is the
// one counted, whichever tab sends it and however often; the tally goes out at most twice a second;
// the asking is one fan-out publish and one delivery per participant; participants cannot ask,
// reveal or move the room (the server refuses them, whatever the page does).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { shut, startTestServer, until, type TestServer, type WslabEvent } from '../helpers/server.ts';
import { renderBatch } from '../../server/core/events/records.ts';
import { parseEvent } from '../../server/core/events/schema.ts';

const KEY = 'presenter-key-for-teaching-tests';
const auth = { Authorization: `Bearer ${KEY}` };

interface Stream {
  events: WslabEvent[];
  ws: WebSocket;
}

/** An event stream opened the way a participant page opens it (or the presenter's, with the key). */
async function stream(t: TestServer, headers: Record<string, string>): Promise<Stream> {
  const events: WslabEvent[] = [];
  const ws = new WebSocket(t.wsUrl('/__wslab/events?recent=2000&format=bin'), { headers });
  ws.on('message', (data: Buffer, binary: boolean) => {
    const text = binary ? renderBatch(new Uint8Array(data)) : data.toString();
    for (const line of text.split('\n')) {
      if (!line) continue;
      const parsed = parseEvent(JSON.parse(line));
      if (!parsed.ok) throw new Error(parsed.error);
      events.push(parsed.event);
    }
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { events, ws };
}

describe('workshop teaching: the room quiz and follow-me', () => {
  let t: TestServer;
  const streams: Stream[] = [];
  let presenter: Stream;
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${t.httpUrl}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const as = (who: string) => ({ Cookie: `wslab_session=${who}-cookie` });
  const quizEvents = (s: Stream, action: string) => s.events.filter((e): e is Extract<WslabEvent, { type: 'quiz' }> => e.type === 'quiz' && e.action === action);

  beforeAll(async () => {
    t = await startTestServer({ workshop: { presenterKey: KEY } });
    for (const name of ['ada', 'bob', 'cy']) expect((await post('/__wslab/workshop/join', { name }, as(name))).status).toBe(201);
    // Ada has two tabs open; Bob and Cy one each
    for (const name of ['ada', 'ada', 'bob', 'cy']) streams.push(await stream(t, as(name)));
    presenter = await stream(t, auth);
  });
  afterAll(async () => {
    for (const s of [...streams, presenter]) await shut(s?.ws);
    await t.close();
  });

  it('a participant cannot ask, reveal, end or move the room: 401 without the key, 403 with a wrong one, and nothing is published', async () => {
    const before = t.server.bus.headSeq;
    const question = { question: 'Q?', choices: ['a', 'b'], answer: 0 };
    expect((await post('/__wslab/workshop/quiz', question, as('ada'))).status).toBe(401);
    expect((await post('/__wslab/workshop/quiz', question, { ...as('ada'), Authorization: 'Bearer not-the-key' })).status).toBe(403);
    expect((await post('/__wslab/workshop/quiz/reveal', {}, as('bob'))).status).toBe(401);
    expect((await post('/__wslab/workshop/quiz/end', {}, as('bob'))).status).toBe(401);
    const move = await post('/__wslab/workshop/follow', { path: '/labs/echo', label: 'Echo' }, as('cy'));
    expect(move.status).toBe(401);
    expect(((await move.json()) as { error: string }).error).toBe(
      'In workshop mode only the presenter may move the room to another page: it affects everyone in the room. Ask the presenter, or send the presenter key (Authorization: Bearer KEY).',
    );
    expect(t.server.bus.headSeq).toBe(before);
    expect(await (await fetch(`${t.httpUrl}/__wslab/workshop/follow`)).json()).toEqual({ path: null });
  });

  it('the question reaches every page as one publish and one delivery per participant; the answer stays with the presenter', async () => {
    const res = await post('/__wslab/workshop/quiz', { question: 'First byte of a one-frame binary message?', choices: ['0x02', '0x82', '0x81'], answer: 1, source: '04-frames-and-opcodes#0' }, auth);
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ id: 'q1' });
    for (const s of [...streams, presenter]) await until(() => quizEvents(s, 'ask').length === 1, 5000, 'the question on every stream');
    for (const s of streams) {
      const [ask] = quizEvents(s, 'ask');
      expect({ question: ask.question, choices: ask.choices, correct: ask.correct, counts: ask.counts, participants: ask.participants }).toEqual({
        question: 'First byte of a one-frame binary message?',
        choices: ['0x02', '0x82', '0x81'],
        correct: null,
        counts: [0, 0, 0],
        participants: 3,
      });
      // participants' streams carry the question, not the fan-out bookkeeping
      expect(s.events.filter((e) => e.type === 'fanout')).toEqual([]);
    }
    const fan = presenter.events.filter((e): e is Extract<WslabEvent, { type: 'fanout' }> => e.type === 'fanout' && e.topic === 'quiz');
    expect(fan.map((e) => [e.hop, e.to, e.count])).toEqual([
      ['publish', null, 3],
      ['deliver', 'p1', 2],
      ['deliver', 'p2', 1],
      ['deliver', 'p3', 1],
    ]);
    const askSeq = quizEvents(presenter, 'ask')[0].seq;
    expect(fan[0].seq).toBeLessThan(askSeq);
    expect(fan.slice(1).every((e) => e.seq > askSeq)).toBe(true);
  });

  it("each participant's first answer is counted once: two tabs at once, a double submit, a later change of mind", async () => {
    const answer = (who: string, choice: number) => post('/__wslab/workshop/quiz/answer', { quiz: 'q1', choice }, as(who));
    // Ada's two tabs answer at the same moment, then she clicks again and changes her mind
    const [a1, a2] = await Promise.all([answer('ada', 1), answer('ada', 1)]);
    expect([a1.status, a2.status].sort()).toEqual([200, 201]);
    const again = await answer('ada', 2);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ choice: 1, counted: false });
    expect((await answer('bob', 1)).status).toBe(201);
    expect((await answer('cy', 0)).status).toBe(201);
    expect((await answer('cy', 0)).status).toBe(200);
    // someone who never joined is not counted
    const stranger = await answer('dave', 1);
    expect(stranger.status).toBe(403);
    expect(((await stranger.json()) as { error: string }).error).toBe('join the room first: only participants answer the room quiz');
    expect((await post('/__wslab/workshop/quiz/answer', { quiz: 'q0', choice: 1 }, as('bob'))).status).toBe(409);

    for (const s of [...streams, presenter]) await until(() => quizEvents(s, 'tally').at(-1)?.answered === 3, 5000, 'the tally of three answers');
    expect(quizEvents(presenter, 'tally').at(-1)!.counts).toEqual([1, 2, 0]);
    const view = (await (await fetch(`${t.httpUrl}/__wslab/workshop/quiz`, { headers: as('ada') })).json()) as { yours: number; quiz: { counts: number[]; correct: number | null } };
    expect({ yours: view.yours, counts: view.quiz.counts, correct: view.quiz.correct }).toEqual({ yours: 1, counts: [1, 2, 0], correct: null });
  });

  it('the reveal tells every page the right choice; answers are closed after it', async () => {
    const res = await post('/__wslab/workshop/quiz/reveal', {}, auth);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: 'q1', correct: 1, counts: [1, 2, 0] });
    for (const s of streams) await until(() => quizEvents(s, 'reveal').length === 1, 5000, 'the reveal');
    expect(streams.map((s) => quizEvents(s, 'reveal')[0].correct)).toEqual([1, 1, 1, 1]);
    const late = await post('/__wslab/workshop/quiz/answer', { quiz: 'q1', choice: 0 }, as('bob'));
    expect(late.status).toBe(409);
    const cy = (await (await fetch(`${t.httpUrl}/__wslab/workshop/quiz`, { headers: as('cy') })).json()) as { yours: number; quiz: { correct: number } };
    expect([cy.yours, cy.quiz.correct]).toEqual([0, 1]);
  });

  it('the tally goes out at most twice a second while a room answers', async () => {
    const names = Array.from({ length: 30 }, (_, i) => `x${i}`);
    for (const n of names) expect((await post('/__wslab/workshop/join', { name: n }, as(n))).status).toBe(201);
    const ask = await post('/__wslab/workshop/quiz', { question: 'Pick one', choices: ['a', 'b', 'c', 'd'], answer: 2 }, auth);
    expect(await ask.json()).toEqual({ id: 'q2' });
    // answers keep arriving for well over a second
    for (const [i, n] of names.entries()) {
      expect((await post('/__wslab/workshop/quiz/answer', { quiz: 'q2', choice: i % 4 }, as(n))).status).toBe(201);
      await new Promise((r) => setTimeout(r, 60));
    }
    await until(() => presenter.events.some((e) => e.type === 'quiz' && e.quiz === 'q2' && e.action === 'tally' && e.answered === 30), 5000, 'the last tally');
    const tallies = presenter.events.filter((e): e is Extract<WslabEvent, { type: 'quiz' }> => e.type === 'quiz' && e.quiz === 'q2' && e.action === 'tally');
    expect(tallies.length).toBeGreaterThanOrEqual(2);
    expect(tallies.length).toBeLessThan(30);
    for (let i = 1; i < tallies.length; i++) expect(tallies[i].t - tallies[i - 1].t).toBeGreaterThanOrEqual(495);
    expect(tallies.at(-1)!.counts).toEqual([8, 8, 7, 7]);
    expect((await post('/__wslab/workshop/quiz/end', {}, auth)).status).toBe(200);
    await until(() => quizEvents(streams[2], 'end').some((e) => e.quiz === 'q2'), 5000, 'the end');
  });

  it("the presenter's move reaches every participant's page stream; GET says where the room is", async () => {
    const bad = await post('/__wslab/workshop/follow', { path: 'https://elsewhere.example/' }, auth);
    expect(bad.status).toBe(400);
    const res = await post('/__wslab/workshop/follow', { path: '/lessons/04-frames-and-opcodes#masking', label: 'Lesson 4 · Masking' }, auth);
    expect(res.status).toBe(200);
    for (const s of streams) await until(() => s.events.some((e) => e.type === 'follow'), 5000, 'the move');
    expect(streams.map((s) => s.events.filter((e) => e.type === 'follow').map((e) => e.type === 'follow' && [e.path, e.label]))).toEqual(
      Array(4).fill([['/lessons/04-frames-and-opcodes#masking', 'Lesson 4 · Masking']]),
    );
    const where = (await (await fetch(`${t.httpUrl}/__wslab/workshop/follow`)).json()) as { path: string; label: string };
    expect([where.path, where.label]).toEqual(['/lessons/04-frames-and-opcodes#masking', 'Lesson 4 · Masking']);
  });
});

describe('workshop teaching without --workshop', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  it('the quiz and follow routes answer 404 with the command that turns workshop mode on', async () => {
    for (const [method, path] of [['GET', '/__wslab/workshop/quiz'], ['POST', '/__wslab/workshop/quiz/answer'], ['POST', '/__wslab/workshop/follow']] as const) {
      const res = await fetch(`${t.httpUrl}${path}`, { method, headers: { 'Content-Type': 'application/json' }, body: method === 'POST' ? '{}' : undefined });
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: string }).error).toMatch(/^Workshop mode is off\. Start the server with: npx wslab start --workshop/);
    }
  });
});
