// A real redis-server for the fan-out suites: a random free loopback port (never 6379), no
// persistence, started and stopped by the suite, and restartable on the same port for fault tests.
//
// When redis-server is not installed the suites that need it are reported skipped with the install
// command — or fail under CI, where a silently skipped suite would hide a broken broker.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer, connect } from 'node:net';

export const REDIS_BIN = process.env.REDIS_SERVER ?? 'redis-server';
export const REDIS_MISSING_MESSAGE = `redis-server is not installed: install the Debian package with \`apt-get install redis-server\` (or set REDIS_SERVER=/path/to/redis-server)`;

function findRedis(): boolean {
  const r = spawnSync(REDIS_BIN, ['--version'], { encoding: 'utf8' });
  return r.status === 0 && /Redis server/.test(r.stdout);
}

/** True when redis-server can run here. */
export const redisAvailable = findRedis();

/**
 * For describe.skipIf(skipRedis): true (skip) when redis-server is missing outside CI. Under CI a
 * missing redis-server throws here, failing the suite with the install command.
 */
export function redisSkip(): boolean {
  if (redisAvailable) return false;
  if (process.env.CI) throw new Error(`${REDIS_MISSING_MESSAGE} (CI is set, so this fails instead of skipping)`);
  console.warn(`SKIPPED: ${REDIS_MISSING_MESSAGE}`);
  return true;
}

async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    if (port !== 6379) return port;
  }
}

/** PING over a raw socket; resolves true on +PONG. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(500, () => done(false));
    s.once('error', () => done(false));
    s.once('connect', () => s.write('PING\r\n'));
    s.once('data', (d) => done(d.toString().startsWith('+PONG')));
  });
}

export interface RedisServer {
  port: number;
  /** redis://127.0.0.1:PORT */
  url: string;
  /** SIGKILLs the server (as a crash would) and waits until it is gone */
  kill(): Promise<void>;
  /** starts it again on the same port (empty: no persistence) and waits for PING */
  start(): Promise<void>;
  /** kill, then start */
  restart(): Promise<void>;
  stop(): Promise<void>;
  readonly running: boolean;
}

export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  let log = '';

  async function start(): Promise<void> {
    log = '';
    child = spawn(REDIS_BIN, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d) => (log = (log + d.toString()).slice(-4000)));
    child.stderr!.on('data', (d) => (log = (log + d.toString()).slice(-4000)));
    const deadline = Date.now() + 10_000;
    while (!(await ping(port))) {
      if (child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`redis-server did not answer PING on port ${port}:\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  async function kill(): Promise<void> {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null) return;
    const gone = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await gone;
  }

  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill,
    start,
    async restart() {
      await kill();
      await start();
    },
    stop: kill,
    get running() {
      return child !== null && child.exitCode === null;
    },
  };
}
