// Regenerates web/src/illustrated/trace.json, the committed trace of the illustrated connection:
//   node bin/run-ts.js server/cli/illustrated-trace.ts [--check]
// Starts a wslab on a free loopback port that also answers to Host "localhost" (port 80, the
// Host the fixed session names, so the bytes do not depend on the port), plays the session with
// the fixed key and masking keys, and writes what the tap recorded. --check only compares.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startWslab } from '../app.ts';
import { ROOT } from '../paths.ts';
import { FIXED_INPUTS, type Trace } from '../core/illustrated/trace.ts';
import { runSession } from '../illustrated/session.ts';

export const TRACE_FILE = join(ROOT, 'web', 'src', 'illustrated', 'trace.json');

/** The committed file's text for a trace: two-space JSON, one record a line block, a final newline. */
export function traceText(trace: Trace): string {
  return JSON.stringify(trace, null, 2) + '\n';
}

/** Plays the fixed session against a fresh server and returns the file's text. */
export async function generateTrace(): Promise<string> {
  const server = await startWslab({ host: '127.0.0.1', port: 0, allowHosts: [`${FIXED_INPUTS.host}:80`] });
  try {
    return traceText(await runSession({ host: '127.0.0.1', port: server.port, bus: server.bus }, FIXED_INPUTS));
  } finally {
    await server.close();
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const text = await generateTrace();
  if (process.argv.includes('--check')) {
    const same = readFileSync(TRACE_FILE, 'utf8') === text;
    console.log(same ? 'trace.json is up to date' : 'trace.json differs from a fresh run');
    process.exitCode = same ? 0 : 1;
  } else {
    writeFileSync(TRACE_FILE, text);
    console.log(`wrote ${TRACE_FILE}`);
  }
}
