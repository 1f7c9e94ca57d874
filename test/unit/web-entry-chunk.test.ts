// The first page downloads only what it needs: the entry chunk (main.tsx and everything it imports
// statically) holds the shell and the router; each page is a lazy chunk. zod, which only validates
// events in tests and on the server, is not in it: the store takes the list of event types from
// the zod-free server/events/event-types.ts. Checked twice: on the source import graph (static
// imports only; `import type` and `import()` are not part of the entry), and on the built bundle
// (the vitest global setup builds it when stale).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { EVENT_TYPES as PLAIN_TYPES } from '../../server/core/events/event-types.ts';
import { EVENT_TYPES, WslabEvent } from '../../server/core/events/schema.ts';
import { ROOT, WEB_DIST } from '../../server/paths.ts';

/** The specifiers a module imports statically for their values (not `import type`, not `import()`). */
function staticImports(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const out: string[] = [];
  const re = /(?:^|[;\n])\s*(?:import|export)\s+(type\s+)?(?:[\w*{}\s,$]*?\s+from\s+)?['"]([^'"]+)['"]/g;
  for (const m of code.matchAll(re)) if (!m[1]) out.push(m[2]);
  return out;
}

/** Every file and package the entry reaches through static imports. */
function entryGraph(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const todo = [entry];
  while (todo.length) {
    const file = todo.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    if (!/\.(ts|tsx)$/.test(file)) continue;
    for (const spec of staticImports(readFileSync(file, 'utf8'))) {
      if (spec.startsWith('.')) {
        const path = resolve(dirname(file), spec.split('?')[0]);
        if (existsSync(path)) todo.push(path);
      } else packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
    }
  }
  return { files, packages };
}

describe('the entry chunk', () => {
  const { files, packages } = entryGraph(join(ROOT, 'web', 'src', 'main.tsx'));
  const rel = (f: string) => f.slice(ROOT.length + 1);

  test('the source graph of main.tsx imports no zod and not the event schema', () => {
    expect(files.size).toBeGreaterThan(5);
    expect([...packages].sort()).not.toContain('zod');
    expect([...files].map(rel)).not.toContain('server/core/events/schema.ts');
  });

  test('the event store every page shares imports no zod either: it takes the event types from event-types.ts', () => {
    const store = entryGraph(join(ROOT, 'web', 'src', 'store', 'store.ts'));
    expect([...store.packages]).not.toContain('zod');
    expect([...store.files].map(rel)).toContain('server/core/events/event-types.ts');
    expect([...store.files].map(rel)).not.toContain('server/core/events/schema.ts');
  });

  test('the pages are not in it: each route is its own lazy chunk', () => {
    const reached = [...files].map(rel);
    for (const page of ['web/src/lessons/LessonsPage.tsx', 'web/src/inspect/InspectPage.tsx', 'web/src/playground/PlaygroundPage.tsx', 'web/src/labs/LabsPage.tsx', 'web/src/decode/DecodePage.tsx', 'web/src/workshop/WorkshopPage.tsx']) {
      expect(reached).not.toContain(page);
    }
  });

  test('the built entry script and the chunks it preloads contain no zod', () => {
    const html = readFileSync(join(WEB_DIST, 'index.html'), 'utf8');
    const scripts = [...html.matchAll(/<(?:script[^>]*\ssrc|link[^>]*rel="modulepreload"[^>]*\shref)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]);
    expect(scripts.some((s) => /^assets\/index-/.test(s))).toBe(true);
    for (const s of scripts) {
      const code = readFileSync(join(WEB_DIST, s), 'utf8');
      // zod 4 marks every schema with `_zod` and names its classes $Zod…
      expect({ chunk: s, zod: /_zod\b|\$Zod/.test(code) }).toEqual({ chunk: s, zod: false });
    }
  });

  test('the zod-free list of event types is the schema union’s, in its order', () => {
    expect([...PLAIN_TYPES]).toEqual(WslabEvent.options.map((o) => o.shape.type.value));
    expect(EVENT_TYPES).toBe(PLAIN_TYPES);
  });
});
