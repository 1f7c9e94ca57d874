// The Redis fleet's JWT secret (issue 12, item 7). It was kept readable in Redis at
// wslab:jwt-secret, was not rewritten after a Redis restart (nodes started later made their own
// and tokens split between nodes: 4001 "signature does not verify"), and a node started while
// Redis was down fell back to a random secret. Now it comes from --jwt-secret, WSLAB_JWT_SECRET or
// a 0600 file in the user's state directory that every node on the machine reads; Redis never
// holds it; a node that cannot get one it can trust refuses to start, saying why.
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ROOT } from '../../server/paths.ts';
import { startWslab, type WslabServer } from '../../server/app.ts';
import { FleetSecretError, resolveFleetSecret } from '../../server/fanout/secret.ts';
import { ChatClient, login, nodeUrl } from '../helpers/chat.ts';
import { redisSkip, startRedis, type RedisServer } from '../helpers/redis.ts';
import { runWslab, type CliRun } from '../helpers/cli.ts';

const skipRedis = redisSkip();

/** The wslab command with `env` added, and without this machine's own WSLAB_JWT_SECRET. */
function run(args: string[], env: Record<string, string>, timeoutMs = 30_000): Promise<CliRun> {
  return runWslab(args, { env: { WSLAB_JWT_SECRET: undefined, ...env }, timeoutMs });
}

/** Every value Redis holds, as text: strings, lists, hashes, sets, sorted sets and streams. */
async function everythingIn(redis: Redis): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      out.push(key);
      const type = await redis.type(key);
      if (type === 'string') out.push((await redis.get(key)) ?? '');
      else if (type === 'list') out.push(...(await redis.lrange(key, 0, -1)));
      else if (type === 'hash') out.push(...Object.entries(await redis.hgetall(key)).flat());
      else if (type === 'set') out.push(...(await redis.smembers(key)));
      else if (type === 'zset') out.push(...(await redis.zrange(key, '0', '-1')));
      else if (type === 'stream') out.push(JSON.stringify(await redis.xrange(key, '-', '+')));
    }
  } while (cursor !== '0');
  return out;
}

describe.skipIf(skipRedis)('the fleet JWT secret with --redis', () => {
  let redis: RedisServer;
  let dir: string;
  const servers: WslabServer[] = [];
  const clients: ChatClient[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    dir = mkdtempSync(join(tmpdir(), 'wslab-state-'));
  });
  afterAll(async () => {
    for (const c of clients) await c.terminate();
    for (const s of servers) await s.close();
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function node(nodeId: string): Promise<WslabServer> {
    const s = await startWslab({ port: 0, heartbeat: { intervalMs: 0 }, fanout: { redis: redis.url, nodeId, stateDir: dir } });
    servers.push(s);
    return s;
  }

  /** Signs in on `at` with a token from `from`; resolves with the welcome's user, rejects with the close. */
  async function signIn(at: WslabServer, token: string): Promise<string> {
    const c = await ChatClient.open(`${nodeUrl(at, 0)}?token=${token}`);
    clients.push(c);
    const outcome = await Promise.race([c.waitFor((m) => m.type === 'system').then((m) => `welcome ${m.payload.user as string}`), c.closed.then((x) => `close ${x.code} ${x.reason}`)]);
    return outcome;
  }

  test('two nodes started at different times share the secret from the state file, and accept each other\'s tokens', async () => {
    const a = await node('alpha');
    const file = join(dir, 'jwt-secret');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o077).toBe(0);
    expect(a.fanout.secretSource).toMatchObject({ source: 'file', path: file, created: true });
    const tokenA = await login(a, 'ada');
    const b = await node('beta'); // later: reads the file, writes nothing
    expect(b.fanout.secretSource).toMatchObject({ source: 'file', path: file, created: false });
    expect(await signIn(b, tokenA)).toBe('welcome ada');
    expect(await signIn(a, await login(b, 'bob'))).toBe('welcome bob');
  });

  test('Redis holds no secret key and no value equal to the secret; a stale wslab:jwt-secret is deleted', async () => {
    const admin = new Redis(redis.url);
    try {
      await admin.set('wslab:jwt-secret', 'left-by-an-older-version-of-wslab');
      const c = await node('gamma');
      const secret = readFileSync(join(dir, 'jwt-secret'), 'utf8').trim();
      expect(c.fanout.secretSource?.secret).toBe(secret);
      const all = await everythingIn(admin);
      expect(all.length).toBeGreaterThan(0); // presence and queues are there; the secret is not
      expect(all.filter((v) => v.includes(secret) || /secret/i.test(v))).toEqual([]);
      expect(await admin.exists('wslab:jwt-secret')).toBe(0);
    } finally {
      admin.disconnect();
    }
  });

  test('a Redis restart does not split tokens: a node started after it accepts tokens issued before it, and the other way round', async () => {
    const before = await login(servers[0], 'cyd');
    await redis.restart(); // empty: no persistence
    const d = await node('delta');
    expect(await signIn(d, before)).toBe('welcome cyd');
    expect(await signIn(servers[0], await login(d, 'dee'))).toBe('welcome dee');
  });

  test('a node started while Redis is down still has the fleet\'s secret (not a random one of its own)', async () => {
    const earlier = await login(servers[0], 'eve');
    await redis.kill();
    try {
      const e = await node('epsilon');
      expect(e.fanout.secretSource).toMatchObject({ source: 'file', created: false });
      expect(await signIn(e, earlier)).toBe('welcome eve');
    } finally {
      await redis.start();
    }
  });

  test('six processes creating the file at the same moment all end up with one secret', async () => {
    const fresh = mkdtempSync(join(tmpdir(), 'wslab-race-'));
    const state = join(fresh, 'state');
    const script = `import { register } from 'tsx/esm/api'; register(); const m = await import(${JSON.stringify(join(ROOT, 'server/fanout/secret.ts'))}); process.stdout.write(m.resolveFleetSecret({ dir: process.argv[1], env: {} }).secret);`;
    try {
      const secrets = await Promise.all(
        Array.from({ length: 6 }, () =>
          new Promise<string>((resolve, reject) => {
            const child = spawn(process.execPath, ['--input-type=module', '-e', script, state], { cwd: ROOT });
            let out = '';
            let err = '';
            child.stdout.on('data', (d) => (out += d));
            child.stderr.on('data', (d) => (err += d));
            child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(err))));
          }),
        ),
      );
      expect(secrets[0]).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(new Set(secrets).size).toBe(1);
      expect(readFileSync(join(state, 'jwt-secret'), 'utf8').trim()).toBe(secrets[0]);
      expect(readdirSync(state)).toEqual(['jwt-secret']); // no temporary file left behind
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });
});

describe('a --redis node that cannot get a secret it can trust refuses to start', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'wslab-refuse-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // Redis is never reached: the secret is settled first. Port 1 would refuse anyway.
  const start = (env: Record<string, string>, extra: string[] = []) => run(['start', '--port', '0', '--redis', 'redis://127.0.0.1:1', ...extra], env);

  test('a secret file other users can read: exit 1 and the chmod to run', async () => {
    const state = join(dir, 'open');
    mkdirSync(state, { recursive: true });
    writeFileSync(join(state, 'jwt-secret'), 'a-perfectly-long-secret-value-0123456789\n');
    chmodSync(join(state, 'jwt-secret'), 0o644);
    const r = await start({ WSLAB_STATE_DIR: state });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `wslab start: refusing to start a --redis node: the fleet's JWT secret file ${join(state, 'jwt-secret')} has mode 0644, so other users can read or change it; run chmod 600 ${join(state, 'jwt-secret')}\n`,
    );
    expect(r.stdout).toBe('');
  });

  test('a state directory that cannot be had: exit 1, and what to set instead', async () => {
    const blocker = join(dir, 'not-a-dir');
    writeFileSync(blocker, 'a file where the state directory should be');
    const r = await start({ WSLAB_STATE_DIR: join(blocker, 'wslab') });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^wslab start: refusing to start a --redis node: cannot read the fleet's JWT secret file \S*not-a-dir\/wslab\/jwt-secret: ENOTDIR: not a directory.*; set WSLAB_STATE_DIR, or give --jwt-secret\n$/);
  });

  test('a secret too short to trust, by flag or environment: exit 1 with the length needed', async () => {
    const byFlag = await start({ WSLAB_STATE_DIR: join(dir, 'unused') }, ['--jwt-secret', 'short']);
    expect(byFlag.code).toBe(1);
    expect(byFlag.stderr).toBe('wslab start: refusing to start a --redis node: the JWT secret from --jwt-secret is 5 characters; a fleet needs at least 16 (generate one with: openssl rand -base64 32)\n');
    const byEnv = await start({ WSLAB_STATE_DIR: join(dir, 'unused'), WSLAB_JWT_SECRET: 'tiny' });
    expect(byEnv.stderr).toBe('wslab start: refusing to start a --redis node: the JWT secret from WSLAB_JWT_SECRET is 4 characters; a fleet needs at least 16 (generate one with: openssl rand -base64 32)\n');
  });

  test('startWslab itself throws the same refusal (no node listens)', async () => {
    const state = join(dir, 'open');
    await expect(startWslab({ port: 0, fanout: { redis: 'redis://127.0.0.1:1', stateDir: state } })).rejects.toThrow(FleetSecretError);
    await expect(startWslab({ port: 0, fanout: { redis: 'redis://127.0.0.1:1', stateDir: state } })).rejects.toThrow(/has mode 0644, so other users can read or change it/);
  });
});
