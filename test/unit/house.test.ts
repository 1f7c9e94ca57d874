// The house's walls, checked from the source's own imports: server/core is pure (the browser and
// the server both run it), web/ reaches outside itself only into server/core, and no file or
// server folder depends on itself through others.
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { ROOT } from '../../server/paths.ts';

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(ROOT, dir))) {
    const path = join(dir, entry);
    if (statSync(join(ROOT, path)).isDirectory()) out.push(...sources(path));
    else if (/\.(ts|tsx)$/.test(entry) && !entry.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

interface Import { spec: string; target: string | null; typeOnly: boolean }

/** Every import/export-from/import() of a file; `target` is the repo path for relative ones. */
function importsOf(file: string): Import[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const found: Import[] = [];
  const re = /(?:^|\n)\s*(import|export)\s+(type\s+)?[^'";]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)|(?:^|\n)\s*import\s+'([^']+)'/g;
  for (const m of text.matchAll(re)) {
    const spec = m[3] ?? m[4] ?? m[5];
    const typeOnly = Boolean(m[2]);
    const target = spec.startsWith('.') ? normalize(join(dirname(file), spec)).split('\\').join('/') : null;
    found.push({ spec, target, typeOnly });
  }
  return found;
}

const SERVER = sources('server');
const WEB = sources('web/src');
const CORE = SERVER.filter((f) => f.startsWith('server/core/'));

describe('the pure layer (server/core)', () => {
  it('imports only other server/core files and zod', () => {
    const bad: string[] = [];
    for (const file of CORE) {
      for (const imp of importsOf(file)) {
        if (imp.target === null ? imp.spec !== 'zod' : !imp.target.startsWith('server/core/')) bad.push(`${file} imports ${imp.spec}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('uses no Node or DOM globals', () => {
    const globals = /\b(process\.(env|exit|on|argv|memoryUsage|hrtime|nextTick|platform|cwd|std)|Buffer\.(from|alloc|concat|isBuffer|byteLength)|require\(|__dirname|document\.|window\.|localStorage|setImmediate)/;
    const bad = CORE.filter((file) => {
      const code = readFileSync(join(ROOT, file), 'utf8').replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, '');
      return globals.test(code);
    });
    expect(bad).toEqual([]);
  });
});

describe('web/', () => {
  it('imports nothing outside web/ except server/core', () => {
    const bad: string[] = [];
    for (const file of WEB) {
      for (const imp of importsOf(file)) {
        if (imp.target && !imp.target.startsWith('web/') && !imp.target.startsWith('server/core/')) bad.push(`${file} imports ${imp.spec}`);
      }
    }
    expect(bad).toEqual([]);
  });
});

/** Strongly connected groups of more than one node (Tarjan). */
function circles(edges: Map<string, Set<string>>): string[][] {
  let index = 0;
  const idx = new Map<string, number>(), low = new Map<string, number>(), stack: string[] = [], on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index); low.set(v, index); index++; stack.push(v); on.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!idx.has(w)) { visit(w); low.set(v, Math.min(low.get(v)!, low.get(w)!)); }
      else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const group: string[] = [];
      let w: string;
      do { w = stack.pop()!; on.delete(w); group.push(w); } while (w !== v);
      if (group.length > 1) out.push(group.sort());
    }
  };
  for (const v of edges.keys()) if (!idx.has(v)) visit(v);
  return out;
}

describe('dependencies', () => {
  const files = [...SERVER, ...WEB];
  const fileEdges = new Map<string, Set<string>>();
  for (const file of files) {
    fileEdges.set(file, new Set(importsOf(file).flatMap((i) => (i.target && files.includes(i.target) ? [i.target] : []))));
  }

  it('form no circle between files (type imports included)', () => {
    expect(circles(fileEdges)).toEqual([]);
  });

  it('form no circle between the server\'s folders', () => {
    const folderOf = (f: string): string => {
      const parts = relative('server', f).split('/');
      return parts.length === 1 ? 'server' : parts.slice(0, parts[0] === 'core' ? 2 : 1).join('/').replace(/\.tsx?$/, '');
    };
    const folderEdges = new Map<string, Set<string>>();
    for (const file of SERVER) {
      const from = folderOf(file);
      if (!folderEdges.has(from)) folderEdges.set(from, new Set());
      for (const to of fileEdges.get(file) ?? []) {
        if (!to.startsWith('server/')) continue;
        const t = folderOf(to);
        if (t !== from) folderEdges.get(from)!.add(t);
      }
    }
    expect(circles(folderEdges)).toEqual([]);
  });
});
