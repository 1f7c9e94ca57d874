// `npm start` rebuilds from the build's own record of its inputs (dist/web/.inputs.json, written by
// a Vite plugin from the bundle's module graph), not from a folder list. The record of the real
// build (made by the vitest global setup) names the server files the web app imports as values;
// in a temp copy of those inputs, changing a constant in one of them, adding a lesson or losing
// the record each makes the check say stale, and why.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { RECORD_FILE, staleReason, type InputsRecord } from '../../server/cli/build-inputs.ts';
import { ROOT, WEB_DIST } from '../../server/paths.ts';
import { webBuildStaleReason } from '../../server/cli/build.ts';

const record = JSON.parse(readFileSync(join(WEB_DIST, RECORD_FILE), 'utf8')) as InputsRecord;

describe('the record the build wrote', () => {
  test('lists the server modules the web app imports as values, found in the module graph', () => {
    const files = Object.keys(record.files);
    for (const f of ['server/core/labs/hol.ts', 'server/core/labs/transports-feed.ts', 'server/core/labs/transports-stats.ts', 'server/core/labs/flow.ts', 'server/core/wire/decoder.ts', 'server/core/events/event-types.ts']) {
      expect(files).toContain(f);
    }
    expect(files).toContain('package-lock.json');
    expect(files).toContain('web/src/main.tsx');
    expect(files.filter((f) => f.startsWith('lessons/')).length).toBeGreaterThan(10);
    expect(files.some((f) => f.includes('node_modules'))).toBe(false);
    expect(record.files['server/core/labs/hol.ts']).toMatch(/^[0-9a-f]{64}$/);
  });

  test('the checkout this suite runs in is current (the global setup just built it)', () => {
    expect(webBuildStaleReason()).toBeNull();
  });
});

describe('a temp copy of the inputs', () => {
  let root: string;
  let dist: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'wslab-inputs-'));
    dist = join(root, 'dist', 'web');
    for (const rel of Object.keys(record.files)) {
      mkdirSync(dirname(join(root, rel)), { recursive: true });
      copyFileSync(join(ROOT, rel), join(root, rel));
    }
    // the directory listings must match too: copy the other files of each listed directory
    for (const [rel, names] of Object.entries(record.dirs)) {
      for (const name of names) if (!existsSync(join(root, rel, name))) copyFileSync(join(ROOT, rel, name), join(root, rel, name));
    }
    mkdirSync(dist, { recursive: true });
    copyFileSync(join(WEB_DIST, 'index.html'), join(dist, 'index.html'));
    copyFileSync(join(WEB_DIST, RECORD_FILE), join(dist, RECORD_FILE));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  test('unchanged inputs: current', () => {
    expect(staleReason(root, dist)).toBeNull();
  });

  test('a constant changed in server/core/labs/hol.ts: stale, naming the file', () => {
    const hol = join(root, 'server', 'core', 'labs', 'hol.ts');
    const text = readFileSync(hol, 'utf8');
    expect(text).toMatch(/HOL_MAX_PAYLOAD = /);
    writeFileSync(hol, text.replace(/HOL_MAX_PAYLOAD = ([^;\n]+)/, 'HOL_MAX_PAYLOAD = 1234'));
    expect(staleReason(root, dist)).toBe('server/core/labs/hol.ts changed');
  });

  test('a new lesson file (picked up by a glob import): stale', () => {
    writeFileSync(join(root, 'lessons', '99-new.md'), '---\ntitle: New\n---\n');
    expect(staleReason(root, dist)).toBe('the files in lessons/ changed');
  });

  test('package-lock.json changed: stale', () => {
    writeFileSync(join(root, 'package-lock.json'), readFileSync(join(root, 'package-lock.json'), 'utf8') + '\n');
    expect(staleReason(root, dist)).toBe('package-lock.json changed');
  });

  test('an input removed, the record removed, or no build at all: stale', () => {
    unlinkSync(join(root, 'server', 'core', 'labs', 'flow.ts'));
    expect(staleReason(root, dist)).toBe('server/core/labs/flow.ts is gone');
    unlinkSync(join(dist, RECORD_FILE));
    expect(staleReason(root, dist)).toBe('the build has no record of its inputs');
    unlinkSync(join(dist, 'index.html'));
    expect(staleReason(root, dist)).toBe('there is no build yet');
  });
});
