// Builds the web app with Vite when the build is missing or was made from other inputs than the
// files here now (its own record, dist/web/.inputs.json, see build-inputs.ts), so `npm start`
// works on a fresh clone with no separate build step and never serves a stale bundle. The build
// runs in a child process: Vite's memory is the child's and is returned when it exits, so a
// server's first start weighs about what every later start does.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { staleReason } from './build-inputs.ts';
import { ROOT, WEB_DIST } from '../paths.ts';

/** Why the build is stale (no build, no record, which input changed), or null when it is current. */
export function webBuildStaleReason(root: string = ROOT, dist: string = WEB_DIST): string | null {
  return staleReason(root, dist);
}

/** True when dist/web is missing or any input it was built from changed. */
export function webBuildIsStale(): boolean {
  return webBuildStaleReason() !== null;
}

/**
 * Runs `vite build` in a child process (this file, run directly). Always a production bundle:
 * under vitest NODE_ENV is "test", and Vite would otherwise ship React's development build
 * (several times slower) to everyone who starts the server next.
 */
export function buildWeb(root: string = ROOT): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'bin', 'run-ts.js'), join(root, 'server', 'cli', 'build.ts'), '--build'], {
      cwd: root,
      env: { ...process.env, NODE_ENV: 'production' },
      stdio: ['ignore', 'inherit', 'pipe'],
    });
    // the child's warnings pass through; its last lines of stderr explain a failure
    let tail = '';
    child.stderr.on('data', (d: Buffer) => {
      process.stderr.write(d);
      tail = (tail + d.toString()).slice(-4000);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`vite build exited with ${signal ?? `status ${code}`}${tail ? `: ${tail.trim().split('\n').slice(-5).join(' | ')}` : ''}`));
    });
  });
}

/** Builds when needed. Returns whether a build ran. */
export async function ensureWebBuild(log: (line: string) => void = () => {}): Promise<boolean> {
  const why = webBuildStaleReason();
  if (why === null) return false;
  log(`wslab: building the web app (${why})…`);
  const started = Date.now();
  await buildWeb();
  log(`wslab: web app built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return true;
}

// `node bin/run-ts.js server/cli/build.ts --build`: the child that runs Vite.
if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === '--build') {
  const { build } = await import('vite');
  await build({ configFile: join(ROOT, 'web', 'vite.config.ts'), logLevel: 'warn', mode: 'production' });
}
