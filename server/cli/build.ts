// Builds the web app with Vite when the build is missing or older than its sources, so
// `npm start` works on a fresh clone with no separate build step.
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, WEB_DIST } from '../paths.ts';

/** Sources whose change makes the built app stale: the app itself, the pure modules it imports, lessons. */
const SOURCES = ['web', 'server/core', 'lessons', 'package-lock.json'];

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue;
    newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}

/** True when dist/web is missing or any source is newer than its index.html. */
export function webBuildIsStale(): boolean {
  const index = join(WEB_DIST, 'index.html');
  if (!existsSync(index)) return true;
  const built = statSync(index).mtimeMs;
  return SOURCES.some((s) => newestMtime(join(ROOT, s)) > built);
}

/** Runs `vite build` in-process when needed. Returns whether a build ran. */
export async function ensureWebBuild(log: (line: string) => void = () => {}): Promise<boolean> {
  if (!webBuildIsStale()) return false;
  log('wslab: building the web app (first start, or sources changed)…');
  const started = Date.now();
  const { build } = await import('vite');
  // Always a production bundle: under vitest NODE_ENV is "test", and Vite would otherwise ship
  // React's development build (several times slower) to everyone who starts the server next.
  const before = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ configFile: join(ROOT, 'web', 'vite.config.ts'), logLevel: 'warn', mode: 'production' });
  } finally {
    if (before === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = before;
  }
  log(`wslab: web app built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return true;
}
