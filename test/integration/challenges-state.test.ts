// Challenge progress outlives the server: solved challenges are saved to challenges.json in the
// state directory (mode 0600, learners under a salted hash of their id, never the id), read back
// at start, capped at MAX_LEARNERS with the least recently seen dropped; a file that cannot be
// read is said in one sentence on stderr, set aside, and progress starts empty. Real servers (in
// this process, and `wslab start` as users run it) on a temporary state directory each.
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, test, vi } from 'vitest';
import { openClient, shut, startTestServer, until, type TestServer } from '../helpers/server.ts';
import { startChildServer, type ChildServer } from '../helpers/child-server.ts';
import { MAX_LEARNERS } from '../../server/challenges/tracker.ts';
import { MAX_FILE_BYTES, PROGRESS_FILE } from '../../server/challenges/store.ts';
import type { ChallengeStatus } from '../../server/core/challenges/types.ts';

const dirs: string[] = [];
function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wslab-progress-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const servers: (TestServer | ChildServer)[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await ('stop' in s ? s.stop() : s.close());
});

async function solvedIds(baseUrl: string, session: string): Promise<{ id: string; solvedAt: number | null }[]> {
  const res = await fetch(`${baseUrl}/__wslab/challenges?session=${session}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as ChallengeStatus[]).filter((c) => c.solved).map(({ id, solvedAt }) => ({ id, solvedAt }));
}

/** Opens and closes /lab/echo as `session` (solving first-handshake), waiting until the API says so. */
async function solveHandshake(baseUrl: string, session: string): Promise<number> {
  const ws = await openClient(`${baseUrl.replace(/^http/, 'ws')}/lab/echo?session=${session}`);
  await shut(ws);
  const solved = await until(async () => {
    const s = await solvedIds(baseUrl, session);
    return s.length ? s : null;
  }, 5000, `first-handshake solved for ${session}`);
  expect(solved).toEqual([{ id: 'first-handshake', solvedAt: expect.any(Number) }]);
  return solved![0].solvedAt!;
}

interface ProgressFileJson {
  version: number;
  salt: string;
  learners: { key: string; seen: number; solved: Record<string, number> }[];
}
const readProgress = (dir: string) => JSON.parse(readFileSync(join(dir, PROGRESS_FILE), 'utf8')) as ProgressFileJson;
/** The key a learner is stored under: HMAC-SHA256 of the id under the file's salt, base64url, 22 characters. */
const keyOf = (salt: string, id: string) => createHmac('sha256', salt).update(id, 'utf8').digest('base64url').slice(0, 22);

describe('challenge progress on disk', () => {
  test('a solved challenge is still solved, with its time, after the server restarts on the same state directory', async () => {
    const dir = freshDir();
    const a = await startTestServer({ stateDir: dir, heartbeat: { intervalMs: 0 } });
    servers.push(a);
    const at = await solveHandshake(a.httpUrl, 'ada-learner');
    // written within the save delay (1 s), before any shutdown
    await until(() => existsSync(join(dir, PROGRESS_FILE)), 5000, 'challenges.json written');
    await a.close();
    servers.splice(0);

    const file = readProgress(dir);
    expect(statSync(join(dir, PROGRESS_FILE)).mode & 0o777).toBe(0o600);
    expect(file.learners).toEqual([{ key: keyOf(file.salt, 'ada-learner'), seen: expect.any(Number), solved: { 'first-handshake': at } }]);
    expect(readFileSync(join(dir, PROGRESS_FILE), 'utf8')).not.toContain('ada-learner');
    expect(readdirSync(dir)).toEqual([PROGRESS_FILE]); // no temporary file left behind

    const b = await startTestServer({ stateDir: dir, heartbeat: { intervalMs: 0 } });
    servers.push(b);
    expect(await solvedIds(b.httpUrl, 'ada-learner')).toEqual([{ id: 'first-handshake', solvedAt: at }]);
    expect(await solvedIds(b.httpUrl, 'bob-learner')).toEqual([]);
  });

  test('wslab start keeps progress in WSLAB_STATE_DIR across a SIGTERM and a new start; --no-state writes nothing', async () => {
    const dir = freshDir();
    const first = await startChildServer([], { WSLAB_STATE_DIR: dir });
    servers.push(first);
    const at = await solveHandshake(first.url, 'cli-learner');
    await first.stop('SIGTERM');
    servers.splice(0);
    expect(first.stderr).not.toMatch(/challenge progress/);

    const second = await startChildServer([], { WSLAB_STATE_DIR: dir });
    servers.push(second);
    expect(await solvedIds(second.url, 'cli-learner')).toEqual([{ id: 'first-handshake', solvedAt: at }]);
    await second.stop('SIGTERM');
    servers.splice(0);

    const none = freshDir();
    const memory = await startChildServer(['--no-state'], { WSLAB_STATE_DIR: none });
    servers.push(memory);
    await solveHandshake(memory.url, 'cli-learner');
    await memory.stop('SIGTERM');
    servers.splice(0);
    expect(readdirSync(none)).toEqual([]);
  });

  test('a corrupt file: one sentence on stderr, the file set aside as challenges.json.bad, everyone starts afresh', async () => {
    const dir = freshDir();
    writeFileSync(join(dir, PROGRESS_FILE), '{"version":1,"salt":', { mode: 0o600 });
    const child = await startChildServer([], { WSLAB_STATE_DIR: dir });
    servers.push(child);
    // said before listening, but stderr and stdout are separate pipes
    await until(() => child.stderr.includes('starts afresh.\n'), 5000, 'the sentence on stderr');
    const lines = child.stderr.split('\n').filter((l) => l.includes('challenge progress'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^wslab: ignored the challenge progress in ${dir}/challenges\\.json \\(set aside as challenges\\.json\\.bad\\) because it is not valid JSON \\(.+\\), so every learner starts afresh\\.$`));
    expect(readFileSync(join(dir, 'challenges.json.bad'), 'utf8')).toBe('{"version":1,"salt":');
    expect(await solvedIds(child.url, 'ada-learner')).toEqual([]);
    // the server carries on, and saves anew
    await solveHandshake(child.url, 'ada-learner');
    await until(() => existsSync(join(dir, PROGRESS_FILE)), 5000, 'a new challenges.json');
  });

  test('a file of the wrong shape or over the size bound is said, set aside and ignored', async () => {
    const said = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const dir = freshDir();
      writeFileSync(join(dir, PROGRESS_FILE), JSON.stringify({ version: 1, salt: 'x'.repeat(22), learners: [{ key: 'ada', seen: 1, solved: {} }] }));
      const a = await startTestServer({ stateDir: dir });
      servers.push(a);
      expect(said.mock.calls.map((c) => String(c[0]))).toEqual([
        `wslab: ignored the challenge progress in ${dir}/challenges.json (set aside as challenges.json.bad) because it is not a progress file: learners.0.key: Invalid string: must match pattern /^[A-Za-z0-9_-]{22}$/, so every learner starts afresh.\n`,
      ]);
      await a.close();
      servers.splice(0);

      said.mockClear();
      const big = freshDir();
      writeFileSync(join(big, PROGRESS_FILE), ' '.repeat(MAX_FILE_BYTES + 1));
      const b = await startTestServer({ stateDir: big });
      servers.push(b);
      expect(said.mock.calls.map((c) => String(c[0]))).toEqual([
        `wslab: ignored the challenge progress in ${big}/challenges.json (set aside as challenges.json.bad) because it is ${MAX_FILE_BYTES + 1} bytes, more than the ${MAX_FILE_BYTES} a progress file may be, so every learner starts afresh.\n`,
      ]);
      expect(await solvedIds(b.httpUrl, 'ada')).toEqual([]);
    } finally {
      said.mockRestore();
    }
  });

  test('a state directory that cannot be written: said once at start and once at the first failed save, and the server keeps progress in memory', async () => {
    const said = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const blocker = join(freshDir(), 'a-file');
      writeFileSync(blocker, 'not a directory');
      const dir = join(blocker, 'state');
      const a = await startTestServer({ stateDir: dir, heartbeat: { intervalMs: 0 } });
      servers.push(a);
      await solveHandshake(a.httpUrl, 'ada-learner');
      await until(() => said.mock.calls.length >= 2, 5000, 'the failed save said');
      const ws = await openClient(`${a.wsUrl('/lab/echo?session=bob-learner')}`);
      await shut(ws);
      expect((await solvedIds(a.httpUrl, 'bob-learner')).map((c) => c.id)).toEqual(['first-handshake']);
      expect((await solvedIds(a.httpUrl, 'ada-learner')).map((c) => c.id)).toEqual(['first-handshake']);
      await a.close();
      servers.splice(0);
      expect(said.mock.calls.map((c) => String(c[0]))).toEqual([
        `wslab: cannot read the challenge progress in ${dir}/challenges.json (ENOTDIR: not a directory, lstat '${dir}/challenges.json'), so every learner starts afresh.\n`,
        `wslab: cannot save the challenge progress to ${dir}/challenges.json (ENOTDIR: not a directory, mkdir '${dir}'); it is kept in memory and saved again at the next solve.\n`,
      ]);
    } finally {
      said.mockRestore();
    }
  });

  test(`the file holds at most ${MAX_LEARNERS} learners: a new one who solves something drops the least recently seen`, async () => {
    const dir = freshDir();
    const salt = 'saltsaltsaltsaltsalt22';
    // learner-0 seen longest ago … learner-1999 most recently, listed in that order
    const learners = Array.from({ length: MAX_LEARNERS }, (_, i) => ({ key: keyOf(salt, `learner-${i}`), seen: 1_000_000 + i, solved: { 'first-echo': 500 + i } }));
    writeFileSync(join(dir, PROGRESS_FILE), JSON.stringify({ version: 1, salt, learners }), { mode: 0o600 });

    const a = await startTestServer({ stateDir: dir, heartbeat: { intervalMs: 0 } });
    servers.push(a);
    expect(await solvedIds(a.httpUrl, 'learner-0')).toEqual([{ id: 'first-echo', solvedAt: 500 }]);
    // asking about a learner is not seeing them: learner-0 is still the least recent
    await solveHandshake(a.httpUrl, 'newcomer');
    await a.close();
    servers.splice(0);

    const file = readProgress(dir);
    expect(file.salt).toBe(salt);
    expect(file.learners).toHaveLength(MAX_LEARNERS);
    expect(file.learners[0].key).toBe(keyOf(salt, 'learner-1'));
    expect(file.learners.at(-1)!.key).toBe(keyOf(salt, 'newcomer'));
    expect(file.learners.some((l) => l.key === keyOf(salt, 'learner-0'))).toBe(false);

    const b = await startTestServer({ stateDir: dir, heartbeat: { intervalMs: 0 } });
    servers.push(b);
    expect(await solvedIds(b.httpUrl, 'learner-0')).toEqual([]);
    expect(await solvedIds(b.httpUrl, 'learner-1')).toEqual([{ id: 'first-echo', solvedAt: 501 }]);
    expect((await solvedIds(b.httpUrl, 'newcomer')).map((s) => s.id)).toEqual(['first-handshake']);
  });
});
