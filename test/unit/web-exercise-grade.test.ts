// The coding exercises hold together: every reference solution passes every check of its
// exercise, the starter fails the checks it should (by name, with exact sentences), and typical
// wrong routers fail exactly the checks that catch their mistake. The code runs through the
// same sandbox and grader the browser's worker uses, here in Node.
import { describe, expect, test } from 'vitest';
import { EXERCISES, findExercise, type Exercise } from '../../web/src/editor/exercises.ts';
import { LIMITS, lineFromStack, runChecks, type RunOutcome } from '../../web/src/editor/sandbox.ts';
import { compareDeliveries, grade, type Grade } from '../../web/src/editor/grade.ts';
import { cleanRun } from '../../web/src/editor/run.ts';

const router = findExercise('envelope-router')!;

function gradeCode(code: string, exercise: Exercise = router): Grade {
  return grade(exercise, runChecks(code, exercise.checks));
}

/** check id → its problems, for the checks that did not pass */
function failures(g: Grade): Record<string, string[]> {
  return Object.fromEntries(g.checks.filter((c) => c.status !== 'pass').map((c) => [c.id, c.problems]));
}

/** The reference solution with one piece of it replaced: a learner's plausible mistake. */
function mutate(from: string, to: string): string {
  expect(router.solution).toContain(from);
  return router.solution.replace(from, to);
}

describe('every exercise', () => {
  test.each(EXERCISES.map((e) => [e.id, e] as const))('%s: the reference solution passes every check', (_, exercise) => {
    const g = gradeCode(exercise.solution, exercise);
    expect(failures(g)).toEqual({});
    expect(g).toMatchObject({ passed: exercise.checks.length, total: exercise.checks.length, allPassed: true });
    expect(g.banner).toBeUndefined();
  });

  test.each(EXERCISES.map((e) => [e.id, e] as const))('%s: the starter runs but does not pass', (_, exercise) => {
    const g = gradeCode(exercise.starter, exercise);
    expect(g.banner).toBeUndefined();
    expect(g.allPassed).toBe(false);
  });

  test.each(EXERCISES.map((e) => [e.id, e] as const))('%s: ids are unique kebab-case, 2-3 hints, every check expects something', (_, exercise) => {
    const ids = exercise.checks.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    expect(exercise.hints.length >= 2 && exercise.hints.length <= 3).toBe(true);
    for (const c of exercise.checks) expect(c.expect.length, c.id).toBeGreaterThan(0);
  });
});

describe('envelope-router: the starter', () => {
  test('passes ping-pong only, and says why each other check fails', () => {
    const g = gradeCode(router.starter);
    expect(g.checks.filter((c) => c.status === 'pass').map((c) => c.id)).toEqual(['ping-pong']);
    expect(failures(g)).toEqual({
      'bad-json': [
        `route threw SyntaxError: Unexpected token 'H', "Hello" is not valid JSON (line 9) on ana's message Hello: a throw here would drop the connection, answer with an error envelope instead`,
      ],
      'not-an-object': [
        `route threw TypeError: Cannot read properties of null (reading 'type') (line 11) on ana's message null: a throw here would drop the connection, answer with an error envelope instead`,
      ],
      'missing-type': ['ana should receive error {"code":"bad_envelope","ref":"m1"}, got nothing'],
      'missing-id': ['ana should receive error {"code":"bad_envelope"}, got pong {}'],
      'unknown-type': ['ana should receive error {"code":"unknown_type","ref":"u1"}, got nothing'],
      'type-from-prototype': ['ana should receive error {"code":"unknown_type","ref":"u2"}, got nothing'],
      'subscribe-ack': ['ana should receive ack {"ref":"s1"}, got nothing'],
      'publish-fans-out': [
        'ana should receive message {"topic":"prices.ACME","data":101.25,"from":"cy"}, got nothing',
        'ben should receive message {"topic":"prices.ACME","data":101.25,"from":"cy"}, got nothing',
        'cy should receive ack {"ref":"x1"}, got nothing',
      ],
      'subscribe-twice': ['ana should receive message {"topic":"prices.ACME","data":99.5,"from":"ben"}, got nothing', 'ben should receive ack {"ref":"x2"}, got nothing'],
      unsubscribe: ['ana should receive message {"topic":"prices.ACME","data":100,"from":"cy"}, got nothing', 'cy should receive ack {"ref":"x3"}, got nothing'],
      'bad-payload': ['ana should receive error {"code":"bad_payload","ref":"b1"}, got nothing'],
    });
    // the editor marks the line of the first throw
    expect(g.line).toBe(9);
  });
});

describe('envelope-router: wrong routers fail the checks that catch them', () => {
  test('no try/catch around JSON.parse: bad-json fails, the connection would drop', () => {
    const g = gradeCode(mutate(`  let msg;\n  try {\n    msg = JSON.parse(raw);\n  } catch {\n    return ctx.reply(error('bad_json'));\n  }\n`, '  const msg = JSON.parse(raw);\n'));
    expect(failures(g)).toEqual({
      'bad-json': [
        `route threw SyntaxError: Unexpected token 'H', "Hello" is not valid JSON (line 2) on ana's message Hello: a throw here would drop the connection, answer with an error envelope instead`,
      ],
    });
  });

  test('a bare typeof test lets null through: not-an-object fails with the TypeError and its line', () => {
    const g = gradeCode(mutate(`msg === null || typeof msg !== 'object'`, `typeof msg !== 'object'`));
    expect(Object.keys(failures(g))).toEqual(['not-an-object']);
    expect(failures(g)['not-an-object'][0]).toMatch(/^route threw TypeError: Cannot read properties of null \(reading 'id'\) \(line 12\) on ana's message null/);
  });

  test('handlers[msg.type] without Object.hasOwn: "toString" slips through', () => {
    const g = gradeCode(mutate('!Object.hasOwn(handlers, msg.type)', '!handlers[msg.type]'));
    expect(failures(g)).toEqual({ 'type-from-prototype': ['ana should receive error {"code":"unknown_type","ref":"u2"}, got nothing'] });
  });

  test('errors without ref: the checks that expect the id say what came instead', () => {
    const g = gradeCode(mutate('const payload = ref === undefined ? { code } : { code, ref };', 'const payload = { code };'));
    expect(failures(g)).toEqual({
      'missing-type': ['ana should receive error {"code":"bad_envelope","ref":"m1"}, got error {"code":"bad_envelope"}'],
      'unknown-type': ['ana should receive error {"code":"unknown_type","ref":"u1"}, got error {"code":"unknown_type"}'],
      'type-from-prototype': ['ana should receive error {"code":"unknown_type","ref":"u2"}, got error {"code":"unknown_type"}'],
      'bad-payload': ['ana should receive error {"code":"bad_payload","ref":"b1"}, got error {"code":"bad_payload"}'],
    });
  });

  test('an error envelope without its payload wrapper is shown as it was sent', () => {
    const g = gradeCode(mutate(`return ctx.reply(error('bad_json'));`, `return ctx.reply({ type: 'error', code: 'bad_json' });`));
    expect(failures(g)).toEqual({ 'bad-json': ['ana should receive error {"code":"bad_json"}, got {"type":"error","code":"bad_json"}'] });
  });

  test('subscribers kept in an array: subscribing twice delivers twice', () => {
    let code = mutate('ctx.topics.set(topic, new Set())', 'ctx.topics.set(topic, [])');
    code = code.replace('ctx.topics.get(topic).add(ctx.client)', 'ctx.topics.get(topic).push(ctx.client)');
    code = code.replace('ctx.topics.get(topic)?.delete(ctx.client);', 'const list = ctx.topics.get(topic) ?? [];\n    if (list.includes(ctx.client)) list.splice(list.indexOf(ctx.client), 1);');
    expect(failures(gradeCode(code))).toEqual({
      'subscribe-twice': ['ana got an extra message: message {"topic":"prices.ACME","data":99.5,"from":"ben"}'],
    });
  });

  test('unsubscribe that only acks: the client keeps receiving', () => {
    const g = gradeCode(mutate('ctx.topics.get(topic)?.delete(ctx.client);\n', ''));
    expect(failures(g)).toEqual({ unsubscribe: ['ben should receive nothing, got message {"topic":"prices.ACME","data":100,"from":"cy"}'] });
  });

  test('publish to every client that subscribed to anything: the others get an extra message', () => {
    const g = gradeCode(mutate('for (const name of ctx.topics.get(topic) ?? [])', 'for (const name of new Set([...ctx.topics.values()].flatMap((s) => [...s])))'));
    expect(failures(g)).toEqual({ 'publish-fans-out': ['cy got an extra message: message {"topic":"prices.ACME","data":101.25,"from":"cy"}'] });
  });

  test('reading payload.topic without validating: bad-payload catches the throw', () => {
    const g = gradeCode(mutate(`function topicOf(msg) {\n  return nonEmpty(msg.payload && msg.payload.topic);\n}`, `function topicOf(msg) {\n  return msg.payload.topic;\n}`));
    expect(failures(g)).toEqual({
      'bad-payload': [
        `route threw TypeError: Cannot read properties of undefined (reading 'topic') (line 33) on ana's message {"type":"publish","id":"b1"}: a throw here would drop the connection, answer with an error envelope instead`,
      ],
    });
  });

  test('an async route that awaits before replying: its replies come too late, and the grader says so', () => {
    const g = gradeCode(`async function route(raw, ctx) {\n  await null;\n  ctx.reply({ type: 'pong', payload: { ref: 'p1' } });\n}\n`);
    expect(g.checks.find((c) => c.id === 'ping-pong')!.problems).toEqual([
      'ana should receive pong {"ref":"p1"}, got nothing',
      'route returned a Promise: what it sends after an await comes too late, make route a plain function',
    ]);
  });
});

describe('envelope-router: the sandbox', () => {
  test('code that does not compile, defines no route, or throws at the top level is reported once', () => {
    const syntax = runChecks('function route(raw, ctx) {\n  return raw +;\n}', router.checks);
    expect(syntax).toEqual({ kind: 'broken', error: { name: 'SyntaxError', message: "Unexpected token ';'" }, logs: [] });
    const g = grade(router, syntax);
    expect(g.banner).toBe("Your code did not run: SyntaxError: Unexpected token ';'");
    expect(g.checks.every((c) => c.status === 'not-run' && c.problems[0] === 'not run: fix the error above first')).toBe(true);

    expect(grade(router, runChecks('function rout(raw, ctx) {}', router.checks)).banner).toBe(
      'Your code did not run: ReferenceError: there is no function named route: define function route(raw, ctx)',
    );
    const top = grade(router, runChecks("console.log('loading');\nconst x = undefined.y;\nfunction route() {}", router.checks));
    expect(top.banner).toBe("Your code did not run: TypeError: Cannot read properties of undefined (reading 'y') (line 2)");
    expect(top.line).toBe(2);
    expect(top.logs).toEqual([{ level: 'log', text: 'loading' }]);
  });

  test('each check gets a fresh copy of the program: module-level state does not leak between checks', () => {
    // keeps its own topic map instead of ctx.topics: fine, as long as each check starts clean
    const code = mutate('const handlers = {', 'const topics = new Map();\nconst handlers = {').replaceAll('ctx.topics', 'topics');
    expect(failures(gradeCode(code))).toEqual({});
  });

  test('console output is captured per check as text, objects as JSON, within limits', () => {
    const code = `function route(raw, ctx) {\n  console.log('got', raw, { n: 1 }, [1, 2], undefined);\n  console.warn(new Map([['a', new Set(['x'])]]));\n  ctx.reply({ type: 'pong', payload: { ref: 'p1' } });\n}`;
    const run = runChecks(code, router.checks.slice(0, 1)) as Extract<RunOutcome, { kind: 'ran' }>;
    expect(run.checks[0].logs).toEqual([
      { level: 'log', text: 'got {"type":"ping","id":"p1"} {"n":1} [1,2] undefined' },
      { level: 'warn', text: 'Map(1) [["a",["x"]]]' },
    ]);
    const chatty = runChecks(`function route(raw, ctx) {\n  for (let i = 0; i < 1000; i++) console.log('x'.repeat(2000));\n}`, router.checks.slice(0, 1)) as Extract<RunOutcome, { kind: 'ran' }>;
    expect(chatty.checks[0].logs).toHaveLength(LIMITS.logLines);
    expect(chatty.checks[0].logs[0].text).toHaveLength(LIMITS.logChars + 1);
    expect(chatty.checks[0].truncated).toBe(true);
  });

  test('send() takes an object or the text itself; anything else throws at the learner’s line', () => {
    const code = `function route(raw, ctx) {\n  ctx.reply('{"type":"pong","payload":{"ref":"p1"}}');\n  ctx.send('ben', () => 1);\n}`;
    const g = gradeCode(code);
    const ping = g.checks.find((c) => c.id === 'ping-pong')!;
    expect(ping.problems).toEqual([
      `route threw TypeError: send() needs an envelope object, got [function anonymous] (line 3) on ana's message {"type":"ping","id":"p1"}: a throw here would drop the connection, answer with an error envelope instead`,
    ]);
  });

  test('lineFromStack reads the learner’s line from V8 frames of the compiled code only', () => {
    expect(lineFromStack('TypeError: x\n    at route (eval at compile (file:///a/sandbox.ts:9:5), <anonymous>:7:12)\n    at runCheck (file:///a/sandbox.ts:1:1)')).toBe(5);
    expect(lineFromStack('SyntaxError: x\n    at JSON.parse (<anonymous>)\n    at route (eval at f (blob:http://h/1:1:2), <anonymous>:3:20)')).toBe(1);
    expect(lineFromStack('Error: <anonymous>:9:9\n    at file:///a.js:1:1')).toBeUndefined();
    expect(lineFromStack(undefined)).toBeUndefined();
  });
});

describe('envelope-router: what crosses back from the worker', () => {
  test('cleanRun rebuilds a check run from whatever arrived, re-parsing the texts', () => {
    expect(cleanRun({ id: 'ping-pong', deliveries: [{ to: 'ana', text: '{"type":"pong"}', value: { type: 'forged' } }, { text: 7 }], logs: 'x', error: { name: 1, line: -3 } })).toEqual({
      id: 'ping-pong',
      deliveries: [
        { to: 'ana', text: '{"type":"pong"}', value: { type: 'pong' } },
        { to: '', text: '7', value: 7 },
      ],
      logs: [],
      error: { name: '1', message: '', step: -1 },
    });
    expect(cleanRun({ deliveries: [] })).toBeNull();
    expect(cleanRun('run')).toBeNull();
  });
});

describe('envelope-router: the grader', () => {
  test('a timeout fails the stuck check, skips the rest, and says the page was not blocked', () => {
    const first = runChecks(router.solution, router.checks.slice(0, 2)) as Extract<RunOutcome, { kind: 'ran' }>;
    const g = grade(router, { kind: 'timeout', ms: 2000, checks: first.checks, logs: [], stuck: 'not-an-object' });
    expect(g.banner).toBe(
      'Stopped after 2 s: route never returned in the check "JSON that is not an object gets error bad_envelope" (an infinite loop?). The worker running your code was terminated; the page was never blocked.',
    );
    expect(g.checks.slice(0, 4).map((c) => [c.id, c.status, c.problems])).toEqual([
      ['ping-pong', 'pass', []],
      ['bad-json', 'pass', []],
      ['not-an-object', 'fail', ['did not finish within 2 s']],
      ['missing-type', 'not-run', ['not run: the run was stopped']],
    ]);
    expect(g.allPassed).toBe(false);
    const loading = grade(router, { kind: 'timeout', ms: 2000, checks: [], logs: [] });
    expect(loading.banner).toMatch(/^Stopped after 2 s: your code never finished loading/);
  });

  test('deliveries are compared per recipient, in any order, on type and the listed payload fields only', () => {
    const d = (to: string, value: unknown) => ({ to, text: JSON.stringify(value), value });
    const exp = [
      { to: 'ana', type: 'message', payload: { topic: 't', data: 1 } },
      { to: 'ben', type: 'ack', payload: { ref: 'x' } },
    ];
    // extra fields (id, meta, reason) are the learner's own business
    expect(compareDeliveries(exp, [d('ben', { type: 'ack', id: 'srv-1', payload: { ref: 'x', at: 5 } }), d('ana', { type: 'message', meta: {}, payload: { data: 1, topic: 't' } })])).toEqual([]);
    expect(compareDeliveries(exp, [d('ana', { type: 'message', payload: { topic: 't', data: '1' } }), { to: 'ben', text: 'ok' }, d('cy', { type: 'ack', payload: {} })])).toEqual([
      'ana should receive message {"topic":"t","data":1}, got message {"topic":"t","data":"1"}',
      'ben should receive ack {"ref":"x"}, got the text "ok"',
      'cy should receive nothing, got ack {}',
    ]);
  });
});
