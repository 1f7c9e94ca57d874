// The web build's own record of its inputs, so `npm start` rebuilds exactly when the bundle would
// change. At build time a Vite plugin lists every module file of the build's module graph (the
// app, the server's pure modules it imports, the lessons), resolved to repo-relative paths, with a
// hash of each, plus the hash of package-lock.json (which pins every dependency in node_modules),
// and the file names of each directory holding an input (a glob import such as the lessons' picks
// up a new file). It lands beside the bundle as dist/web/.inputs.json. At start, the build is stale
// when that record is missing or anything it lists differs. No folder list to keep by hand.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import type { Plugin } from 'vite';

export const RECORD_FILE = '.inputs.json';
const RECORD_VERSION = 1;

export interface InputsRecord {
  v: number;
  /** repo-relative path (with /) → sha256 of its content, hex */
  files: Record<string, string>;
  /** repo-relative directory → the sorted names of the files in it */
  dirs: Record<string, string[]>;
}

export function hashFile(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function listDir(path: string): string[] {
  return readdirSync(path, { withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => d.name)
    .sort();
}

const toPosix = (p: string) => p.split(sep).join('/');

/**
 * The record for these absolute file paths, all inside `root`: `modules` are the module graph's
 * files (their directories' listings are kept too), `others` files hashed alone (config, lock).
 */
export function makeRecord(root: string, modules: Iterable<string>, others: Iterable<string> = []): InputsRecord {
  const record: InputsRecord = { v: RECORD_VERSION, files: {}, dirs: {} };
  const dirs = new Set<string>();
  for (const file of [...modules].sort()) dirs.add(dirname(file));
  for (const file of [...new Set([...modules, ...others])].sort()) record.files[toPosix(relative(root, file))] = hashFile(file);
  for (const dir of [...dirs].sort()) record.dirs[toPosix(relative(root, dir)) || '.'] = listDir(dir);
  return record;
}

/** Why the build in `dist` is stale, or null when every input it recorded is unchanged. */
export function staleReason(root: string, dist: string): string | null {
  const path = join(dist, RECORD_FILE);
  if (!existsSync(join(dist, 'index.html'))) return 'there is no build yet';
  if (!existsSync(path)) return 'the build has no record of its inputs';
  let record: InputsRecord;
  try {
    record = JSON.parse(readFileSync(path, 'utf8')) as InputsRecord;
  } catch {
    return 'the record of the build inputs is not readable';
  }
  if (record?.v !== RECORD_VERSION || typeof record.files !== 'object' || typeof record.dirs !== 'object') return 'the record of the build inputs is from another version';
  for (const [rel, hash] of Object.entries(record.files)) {
    const file = join(root, rel);
    if (!existsSync(file)) return `${rel} is gone`;
    if (hashFile(file) !== hash) return `${rel} changed`;
  }
  for (const [rel, names] of Object.entries(record.dirs)) {
    const dir = join(root, rel);
    if (!existsSync(dir) || listDir(dir).join('\n') !== names.join('\n')) return `the files in ${rel}/ changed`;
  }
  return null;
}

/**
 * The Vite plugins that write the record: every module of the graph that is a file of this
 * repository outside node_modules (the app's, and its workers' sub-builds through `worker`), the
 * config and index.html, and package-lock.json for everything in node_modules.
 */
export function buildInputsPlugins(root: string): { app: Plugin; worker: () => Plugin } {
  let outDir = '';
  let extra: string[] = [];
  const seen = new Set<string>();
  const add = (id: string) => {
    const file = id.split('?')[0];
    if (file.startsWith('\0') || !isAbsolute(file) || !existsSync(file)) return;
    const rel = relative(root, file);
    if (rel.startsWith('..') || isAbsolute(rel) || rel.split(sep).includes('node_modules')) return;
    seen.add(file);
  };
  const collect: Plugin = {
    name: 'wslab-build-inputs-worker',
    generateBundle() {
      for (const id of this.getModuleIds()) add(id);
    },
  };
  return {
    worker: () => collect,
    app: {
      name: 'wslab-build-inputs',
      apply: 'build',
      configResolved(config) {
        outDir = config.build.outDir;
        extra = [config.configFile, join(config.root, 'index.html'), join(root, 'package-lock.json')].filter((f): f is string => typeof f === 'string');
      },
      generateBundle() {
        for (const id of this.getModuleIds()) add(id);
      },
      closeBundle() {
        writeFileSync(join(outDir, RECORD_FILE), JSON.stringify(makeRecord(root, seen, extra.filter((f) => existsSync(f))), null, 1) + '\n');
      },
    },
  };
}
