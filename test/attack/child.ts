// The attack suite's server: a real `wslab start` in a child process (its own open-file table,
// its own signal handling), optionally under a lowered `ulimit -n`, on a free loopback port.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../../server/paths.ts';

const BIN = join(ROOT, 'bin', 'wslab.js');

export interface WslabChild {
  proc: ChildProcess;
  /** http://127.0.0.1:PORT */
  url: string;
  port: number;
  stdout: () => string;
  stderr: () => string;
  /** resolves with the exit code (or the signal's name) once the process is gone */
  exited: Promise<number | string | null>;
  alive(): boolean;
  /** resolves once stderr contains `text` (it is written after the "listening" line on stdout) */
  waitForStderr(text: string, timeoutMs?: number): Promise<void>;
  /** SIGKILL if still running; waits for the exit */
  kill(): Promise<void>;
}

/** Starts `wslab start --port 0` (under `ulimit -n fdLimit` when given) and waits for its URL. */
export async function startChild(opts: { fdLimit?: number; args?: string[] } = {}): Promise<WslabChild> {
  const command = `${opts.fdLimit ? `ulimit -n ${opts.fdLimit}; ` : ''}exec "$0" "$@"`;
  const proc = spawn('bash', ['-c', command, process.execPath, BIN, 'start', '--port', '0', ...(opts.args ?? [])], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | string | null>((resolve) => proc.on('exit', (code, signal) => resolve(code ?? signal)));
  const deadline = Date.now() + 60_000;
  let match: RegExpExecArray | null = null;
  while (!(match = /wslab listening on (http:\/\/127\.0\.0\.1:(\d+))/.exec(out))) {
    if (proc.exitCode !== null || Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`wslab start did not come up.\nstdout: ${out}\nstderr: ${err}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  const child: WslabChild = {
    proc,
    url: match[1],
    port: Number(match[2]),
    stdout: () => out,
    stderr: () => err,
    exited,
    alive: () => proc.exitCode === null && proc.signalCode === null,
    async waitForStderr(text, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      while (!err.includes(text)) {
        if (Date.now() > until || !child.alive()) throw new Error(`stderr never contained ${JSON.stringify(text)}; it has: ${err}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    async kill() {
      if (child.alive()) proc.kill('SIGKILL');
      await exited;
    },
  };
  return child;
}

/** GET with a bounded wait; resolves with the status and body (never rejects on HTTP errors). */
export async function get(url: string, timeoutMs = 10_000): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  return { status: res.status, body: await res.text() };
}

export async function post(url: string, body: unknown, timeoutMs = 60_000): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' }, signal: AbortSignal.timeout(timeoutMs) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}
