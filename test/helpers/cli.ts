// The wslab command as a child process, run to its end: `node bin/wslab.js ARGS`, its exit code and
// everything it printed. Asynchronous, so a server under test may run in the calling process.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../../server/paths.ts';

export const WSLAB_BIN = join(ROOT, 'bin', 'wslab.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** added to this process's environment; a name set to undefined is removed from it */
  env?: Record<string, string | undefined>;
  /** written to the child's stdin, which is then closed (closed at once without it) */
  input?: string;
  /**
   * Killed past this, ms: a ceiling, not a budget (a Node start on two shared cores under load can
   * take many seconds). Default 120 s.
   */
  timeoutMs?: number;
}

export function runWslab(args: string[], options: CliOptions = {}): Promise<CliRun> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1' };
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WSLAB_BIN, ...args], { cwd: ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`wslab ${args.join(' ')} did not exit within ${timeoutMs} ms; stdout: ${stdout} stderr: ${stderr}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}
