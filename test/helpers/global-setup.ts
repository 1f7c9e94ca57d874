// Runs once before the suites: the e2e tests drive the built app, so build it when stale.
import { ensureWebBuild } from '../../server/cli/build.ts';

export default async function setup(): Promise<void> {
  await ensureWebBuild((line) => console.log(line));
}
