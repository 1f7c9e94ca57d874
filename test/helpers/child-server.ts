// A wslab server in a child process (`node bin/wslab.js start`), for attacks whose figures must be
// the server's alone: its RSS read from /proc, its health over HTTP, its exit after SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { ROOT } from '../../server/paths.ts';

export interface ChildServer {
  url: string;
  port: number;
  pid: number;
  /** the child's resident set size now, bytes (VmRSS) */
  rss(): number;
  /** GET /__wslab/health: the JSON and how long the answer took, ms */
  health(timeoutMs?: number): Promise<{ ms: number; json: Record<string, unknown> }>;
  /** sends `signal` and resolves with how long the child took to exit, ms */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number>;
  readonly stderr: string;
}

/** `env` is added to the test process's (whose WSLAB_STATE_DIR is a temporary directory: global-setup.ts). */
export async function startChildServer(args: string[] = [], env: Record<string, string> = {}): Promise<ChildServer> {
  const child: ChildProcess = spawn(process.execPath, [join(ROOT, 'bin', 'wslab.js'), 'start', '--port', '0', '--heartbeat', '0', ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`wslab did not start within 60 s: ${stderr}`)), 60_000);
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /wslab listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`wslab exited with ${code} before listening: ${stderr}`)));
  });
  const port = Number(new URL(url).port);
  return {
    url,
    port,
    pid: child.pid!,
    get stderr() {
      return stderr;
    },
    rss() {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      return m ? Number(m[1]) * 1024 : 0;
    },
    async health(timeoutMs = 10_000) {
      const started = performance.now();
      const res = await fetch(`${url}/__wslab/health`, { signal: AbortSignal.timeout(timeoutMs) });
      const json = (await res.json()) as Record<string, unknown>;
      return { ms: performance.now() - started, json };
    },
    async stop(signal = 'SIGTERM', timeoutMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return 0;
      const started = performance.now();
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
      return performance.now() - started;
    },
  };
}

/**
 * A WebSocket client that never reads: a raw TCP socket that sends the upgrade and then leaves
 * everything the server sends in the kernel's buffers. Resolves once the 101 (or a refusal) came,
 * with what had arrived by then.
 */
export function nonReadingClient(port: number, path: string): Promise<{ socket: Socket; status: number; head: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => {});
    let head = '';
    const onData = (d: Buffer) => {
      head += d.toString('latin1');
      const m = /^HTTP\/1\.1 (\d+)/.exec(head);
      if (!m) return;
      socket.off('data', onData);
      socket.pause(); // from here on nothing is read
      resolve({ socket, status: Number(m[1]), head });
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error(`${path}: closed before an answer`)));
    socket.write(
      [`GET ${path} HTTP/1.1`, `Host: 127.0.0.1:${port}`, 'Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version: 13', '', ''].join('\r\n'),
    );
  });
}
