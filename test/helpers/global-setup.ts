// Runs once before the suites: the e2e tests drive the built app, so build it when stale. Every
// test process, and every wslab a test spawns, gets a state directory of its own
// (WSLAB_STATE_DIR), removed afterwards: no test reads or writes the real ~/.local/state/wslab.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureWebBuild } from '../../server/cli/build.ts';

export default async function setup(): Promise<() => void> {
  const state = mkdtempSync(join(tmpdir(), 'wslab-test-state-'));
  process.env.WSLAB_STATE_DIR = state;
  await ensureWebBuild((line) => console.log(line));
  return () => rmSync(state, { recursive: true, force: true });
}
