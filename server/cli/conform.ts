// `wslab conform URL`: run the conformance cases against a WebSocket echo server and explain each
// verdict. Exit status 0 when no case failed, 1 otherwise (or when the server cannot be reached),
// 2 for usage errors.
import { parseArgs } from 'node:util';
import { buildCases, DEFAULT_SCALE, selectCases } from '../core/conform/cases.ts';
import { caseFailed } from '../core/conform/verdict.ts';
import type { CaseResult } from '../core/conform/types.ts';
import { parseTarget, runCase, runSuite, type Target } from '../conform/runner.ts';
import { startConformServer } from '../conform/serve-server.ts';
import { servedCases } from '../core/conform/serve.ts';
import { caseJson, summaryJson, summaryLines, tableLines, TABLE_HEADER, writeAutobahnReports } from '../conform/report.ts';

export const CONFORM_USAGE =
  'usage: wslab conform URL [--cases PATTERN[,PATTERN]] [--json] [--out DIR] [--agent NAME] [--time-scale N] [--scale F]\n' +
  '       wslab conform --serve [--port N] [--host H] [--cases PATTERN[,PATTERN]] [--out DIR] [--time-scale N] [--scale F] [--allow-origin O]';

interface Io {
  stdout: { write(s: string): unknown; isTTY?: boolean };
  stderr: { write(s: string): unknown };
}

export async function runConform(args: string[], io: Io = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        cases: { type: 'string' },
        json: { type: 'boolean' },
        out: { type: 'string' },
        agent: { type: 'string' },
        'time-scale': { type: 'string' },
        scale: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        serve: { type: 'boolean' },
        port: { type: 'string' },
        host: { type: 'string' },
        'allow-origin': { type: 'string', multiple: true },
      },
      strict: true,
    });
  } catch (err) {
    io.stderr.write(`wslab conform: ${(err as Error).message}\n${CONFORM_USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(`${CONFORM_USAGE}\n`);
    return 0;
  }
  if (values.serve) return runServe(values, positionals, io);
  for (const flag of ['port', 'host', 'allow-origin'] as const) {
    if (values[flag] !== undefined) {
      io.stderr.write(`wslab conform: --${flag} goes with --serve (the fuzzing server that tests clients)\n${CONFORM_USAGE}\n`);
      return 2;
    }
  }
  if (positionals.length !== 1) {
    io.stderr.write(`wslab conform: give exactly one URL, the WebSocket echo server to test (e.g. ws://127.0.0.1:9001/)\n${CONFORM_USAGE}\n`);
    return 2;
  }
  let target: Target;
  try {
    target = parseTarget(positionals[0]);
  } catch (err) {
    io.stderr.write(`wslab conform: ${(err as Error).message}\n`);
    return 2;
  }
  const scale = parseScale(values.scale);
  if (scale === null) {
    io.stderr.write(`wslab conform: ${SCALE_USAGE}\n`);
    return 2;
  }
  const all = buildCases(scale);
  const patterns = (values.cases ?? '*').split(',').map((p) => p.trim()).filter((p) => p !== '');
  const cases = selectCases(patterns, all);
  if (cases.length === 0) {
    io.stderr.write(`wslab conform: no case matches --cases ${values.cases}; case ids look like 1.1.1, 6.4.*, 7.*, 12.*, w.1.1 (${all.length} cases in all)\n`);
    return 2;
  }
  if (values.agent !== undefined && !/^[\w .:/@+-]{1,64}$/.test(values.agent)) {
    io.stderr.write('wslab conform: --agent must be 1-64 characters of letters, digits, space and . : / @ + - _\n');
    return 2;
  }

  const scaleText = values['time-scale'];
  const timeScale = scaleText === undefined ? 1 : Number(scaleText);
  if (!/^\d+(\.\d+)?$/.test(scaleText ?? '1') || !(timeScale >= 0.1 && timeScale <= 20)) {
    io.stderr.write('wslab conform: --time-scale must be a number from 0.1 to 20 (2 doubles every timer of the cases)\n');
    return 2;
  }

  // One handshake first: a server that cannot be reached is one sentence, not a table of failures.
  const probe = await runCase(target, { ...cases[0], echo: undefined, deflate: undefined, id: 'probe', steps: [], expected: { OK: [] }, expectedClose: { closedByMe: true, closeCode: [1000], requireClean: false }, end: { after: 'close', seconds: 0 } }, { caseCapMs: 10_000 });
  if (!probe.close.opened) {
    io.stderr.write(`wslab conform: cannot open a WebSocket to ${target.url.href}: ${probe.close.notCleanReason ?? 'no answer'}\n`);
    return 1;
  }
  const agent = values.agent ?? probe.serverHeader ?? target.url.host;
  const color = Boolean(io.stdout.isTTY) && !process.env.NO_COLOR;
  if (!values.json) io.stdout.write(`Testing ${target.url.href} (agent "${agent}"): ${cases.length} case${cases.length === 1 ? '' : 's'}\n${TABLE_HEADER}\n`);
  let ownHeading = false;
  const started = performance.now();
  const { results } = await runSuite(target, cases, (r: CaseResult) => {
    if (values.json) {
      io.stdout.write(JSON.stringify(caseJson(r)) + '\n');
      return;
    }
    if (r.id.startsWith('w.') && !ownHeading) {
      ownHeading = true;
      io.stdout.write("\nwslab's own chapter (not in Autobahn's numbering)\n");
    }
    io.stdout.write(tableLines(r, color).join('\n') + '\n');
  }, { timeScale });
  const seconds = (performance.now() - started) / 1000;
  if (values.json) io.stdout.write(JSON.stringify(summaryJson(results)) + '\n');
  else io.stdout.write(`\n${summaryLines(results).join('\n')}\n${results.length} cases in ${seconds.toFixed(1)} s (${(results.length / seconds).toFixed(1)} cases/s)\n`);
  if (values.out !== undefined) {
    try {
      const path = writeAutobahnReports(values.out, agent, results);
      io.stderr.write(`wslab conform: Autobahn-format reports in ${path} and ${results.length} case files beside it\n`);
    } catch (err) {
      io.stderr.write(`wslab conform: cannot write the reports to ${values.out}: ${(err as Error).message}\n`);
      return 1;
    }
  }
  return results.some(caseFailed) ? 1 : 0;
}

const SCALE_USAGE = "--scale must be a number from 1/4096 to 1, as 0.25 or 1/64 (1 = Autobahn's sizes in chapters 9, 12 and 13)";

/** --scale F: a fraction or a decimal from 1/4096 to 1 (absent: the default); null when it is not one. */
function parseScale(text: string | undefined): number | null {
  if (text === undefined) return DEFAULT_SCALE;
  if (!/^(\d+(\.\d+)?|\d+\/\d+)$/.test(text)) return null;
  const scale = /^\d+\/\d+$/.test(text) ? Number(text.split('/')[0]) / Number(text.split('/')[1]) : Number(text);
  return scale >= 1 / 4096 && scale <= 1 ? scale : null;
}

interface ServeValues {
  scale?: string;
  cases?: string;
  json?: boolean;
  out?: string;
  agent?: string;
  'time-scale'?: string;
  port?: string;
  host?: string;
  'allow-origin'?: string[];
}

/**
 * `wslab conform --serve`: the fuzzing server that tests clients, until Ctrl-C (or `stop`
 * resolves, for tests). Exit status 0 when it stopped, 1 when it could not listen, 2 for usage.
 */
export async function runServe(values: ServeValues, positionals: string[], io: Io, stop?: Promise<void>): Promise<number> {
  const usage = (msg: string) => {
    io.stderr.write(`wslab conform: ${msg}\n${CONFORM_USAGE}\n`);
    return 2;
  };
  if (positionals.length) return usage('--serve takes no URL: clients connect to it');
  if (values.json || values.agent !== undefined) return usage('--json and --agent are for testing a server; with --serve each client names itself (?agent=NAME)');
  const port = values.port === undefined ? 9001 : Number(values.port);
  if (values.port !== undefined && (!/^\d{1,5}$/.test(values.port) || port > 65535)) return usage('--port must be a port number from 0 to 65535 (0 picks a free one)');
  const host = values.host ?? '127.0.0.1';
  if (!/^[\w.:-]{1,253}$/.test(host)) return usage('--host must be an address to bind, like 127.0.0.1, 0.0.0.0 or ::1');
  const scaleText = values['time-scale'];
  const timeScale = scaleText === undefined ? 1 : Number(scaleText);
  if (!/^\d+(\.\d+)?$/.test(scaleText ?? '1') || !(timeScale >= 0.1 && timeScale <= 20)) return usage('--time-scale must be a number from 0.1 to 20 (2 doubles every timer of the cases)');
  const scale = parseScale(values.scale);
  if (scale === null) return usage(SCALE_USAGE);
  const cases = selectCases((values.cases ?? '*').split(',').map((p) => p.trim()).filter((p) => p !== ''), servedCases(buildCases(scale)));
  if (cases.length === 0) return usage(`no case matches --cases ${values.cases}; case ids look like 1.1.1, 6.4.*, 9.* (--serve runs chapters 1-7, 9, 10, 12 and 13)`);
  const color = Boolean(io.stdout.isTTY) && !process.env.NO_COLOR;
  let server;
  try {
    server = await startConformServer({
      cases, timeScale, port, host, outDir: values.out, allowOrigins: values['allow-origin'],
      onResult: (agent, r) => io.stdout.write(`${agent}: ${tableLines(r, color).join('\n')}\n`),
      onReports: (agent, w) => io.stderr.write('path' in w ? `wslab conform: reports for "${agent}" in ${w.path}\n` : `wslab conform: ${w.error}\n`),
    });
  } catch (err) {
    io.stderr.write(`wslab conform: cannot listen on ${host}:${port}: ${(err as Error).message}\n`);
    return 1;
  }
  io.stdout.write(
    `Fuzzing server for WebSocket clients at ${server.url}/ (${cases.length} cases)\n` +
      `  a client runs case N (1-${cases.length}) at ${server.url}/runCase?case=N&agent=NAME and echoes every message;\n` +
      `  ${server.url}/getCaseCount, /getCaseInfo?case=N, /getCaseStatus?case=N&agent=NAME, /updateReports?agent=NAME` +
      `${values.out === undefined ? ' (add --out DIR to write reports)' : ` (reports go to ${values.out})`}\n${TABLE_HEADER}\n`,
  );
  await (stop ?? new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  }));
  await server.close();
  return 0;
}
