// The /conform page's API: runs `wslab conform`'s cases from this server against a URL and hands
// each case to the page as it is judged.
//
//   POST   /__wslab/conform             {url, cases?} → 202 {id, ...}: start a run
//   GET    /__wslab/conform             the caller's runs (newest first, without their cases)
//   GET    /__wslab/conform/cases       every case by chapter (id, RFC section, description)
//   GET    /__wslab/conform/:id         one run with every case judged so far
//   GET    /__wslab/conform/:id/stream  NDJSON: the run, each case (past ones first), then the end
//   DELETE /__wslab/conform/:id         cancel (the case under way finishes, no later one starts)
//
// The server opens the connections itself, so the URL is untrusted input: ws:// and wss:// only,
// one run per session and MAX_RUNS at once, every case bounded by the runner's timers. In a
// workshop (bound to the room's network) a URL other than this server's own needs the presenter
// key: otherwise any participant could make the server probe the room's network. Cross-site POSTs
// and foreign Hosts are refused before this module (server/app.ts).
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, readJson, sendJson } from '../http/json.ts';
import type { Route } from '../http/routes.ts';
import { requestOwner } from '../http/session.ts';
import type { RoomGuard } from '../http/presenter-guard.ts';
import { CASES, selectCases } from '../core/conform/cases.ts';
import { caseFailed, summarize } from '../core/conform/verdict.ts';
import type { ConformCase } from '../core/conform/types.ts';
import { ConformRunRequest, type ConformCaseView, type ConformRunInfo, type ConformStreamLine, type RunStatus } from '../core/api/conform.ts';
import { parseTarget, runCase, type RunOptions, type Target } from './runner.ts';
import { CaseFrames } from './frames.ts';

/** Runs under way at once, over all sessions: each holds one connection at a time. */
export const MAX_RUNS = 2;
/** Finished runs kept for GET (the oldest finished one goes first). */
export const MAX_KEPT_RUNS = 16;
/** Readers of one run's stream at once. */
export const MAX_STREAMS_PER_RUN = 8;
/** A stream reader this far behind is ended (it can GET the run instead). */
const MAX_STREAM_BACKLOG = 8 * 1024 * 1024;

/** Autobahn|Testsuite's chapter names, and wslab's own. */
export const CHAPTER_TITLES: Record<string, string> = {
  '1': 'Framing',
  '2': 'Pings and Pongs',
  '3': 'Reserved bits',
  '4': 'Opcodes',
  '5': 'Fragmentation',
  '6': 'UTF-8 handling',
  '7': 'Close handling',
  '9': 'Limits and performance',
  '10': 'Miscellaneous',
  '12': 'Compression (payloads)',
  '13': 'Compression (parameters)',
  w: "wslab's own (rules Autobahn cannot test)",
};

export interface ConformApiOptions {
  /** this server's address, known once it listens */
  target(): { host: string; port: number };
  /** in a workshop: the presenter's key for a URL other than this server's own */
  roomGuard: RoomGuard;
  /** runner options (tests shorten the timers) */
  runOptions?: RunOptions;
}

interface Run {
  id: string;
  owner: string;
  url: string;
  status: RunStatus;
  cases: readonly ConformCase[];
  results: ConformCaseView[];
  stopped: string | null;
  startedAt: number;
  cancel: boolean;
  streams: Set<ServerResponse>;
}

function ownerOf(req: IncomingMessage): string {
  return requestOwner(req) ?? `address ${req.socket.remoteAddress ?? '?'}`;
}

function info(run: Run): ConformRunInfo {
  return {
    id: run.id,
    url: run.url,
    status: run.status,
    cases: run.cases.map((c) => ({ id: c.id, rfc: c.rfc, description: c.description })),
    done: run.results.length,
    summary: summarize(run.results),
    stopped: run.stopped,
    startedAt: run.startedAt,
  };
}

function writeLine(res: ServerResponse, line: ConformStreamLine): void {
  if (res.destroyed || res.writableEnded) return;
  if (res.writableLength > MAX_STREAM_BACKLOG) {
    res.end(JSON.stringify({ type: 'error', error: 'This reader fell more than 8 MiB behind the run; GET the run to read the rest.' }) + '\n');
    return;
  }
  res.write(JSON.stringify(line) + '\n');
}

export function conformRoutes({ target, roomGuard, runOptions = {} }: ConformApiOptions): Route[] {
  const runs = new Map<string, Run>();
  let running = 0;

  /**
   * Is the URL this server itself: a loopback name with this server's port, or exactly the Host the
   * request came to (already checked against the Hosts this server answers: server/http/hosts.ts),
   * which is what the page's default URL names in a workshop room.
   */
  const isSelf = (t: Target, req: IncomingMessage): boolean => {
    const self = target();
    if (t.secure || t.port !== self.port) return false;
    if (new Set(['127.0.0.1', 'localhost', '::1', self.host]).has(t.host)) return true;
    return req.headers.host !== undefined && t.url.host === req.headers.host.toLowerCase();
  };

  function keep(run: Run): void {
    runs.set(run.id, run);
    while (runs.size > MAX_KEPT_RUNS) {
      const oldest = [...runs.values()].find((r) => r.status !== 'running');
      if (!oldest) break;
      runs.delete(oldest.id);
    }
  }

  function finish(run: Run, status: RunStatus, stopped: string | null): void {
    run.status = status;
    run.stopped = stopped;
    running--;
    for (const res of run.streams) {
      writeLine(res, { type: 'end', run: info(run) });
      res.end();
    }
    run.streams.clear();
  }

  async function execute(run: Run, t: Target, timeScale: number | undefined): Promise<void> {
    try {
      for (const c of run.cases) {
        if (run.cancel) return finish(run, 'cancelled', `Cancelled after ${run.results.length} of ${run.cases.length} cases.`);
        const frames = new CaseFrames(`conform-${c.id}`);
        const r = await runCase(t, c, { ...runOptions, ...(timeScale !== undefined ? { timeScale } : {}), tap: frames.tap });
        if (run.results.length === 0 && !r.close.opened) {
          return finish(run, 'done', `Cannot open a WebSocket to ${run.url}: ${r.close.notCleanReason ?? 'no answer'}. The server connects from itself, so the URL must be reachable from the machine wslab runs on.`);
        }
        const view: ConformCaseView = {
          id: r.id,
          rfc: r.rfc,
          description: r.description,
          rule: c.rule,
          behavior: r.behavior,
          behaviorClose: r.behaviorClose,
          failed: caseFailed(r),
          expected: r.expected,
          observed: r.observed,
          why: r.why,
          durationMs: r.durationMs,
          remoteCloseCode: r.close.remoteCloseCode,
          wire: r.wire,
          frames: frames.frames,
          framesDropped: frames.dropped,
        };
        run.results.push(view);
        for (const res of run.streams) writeLine(res, { type: 'case', case: view });
      }
      finish(run, 'done', null);
    } catch (err) {
      finish(run, 'done', `The run stopped: ${(err as Error).message}`);
    }
  }

  function get(id: string): Run {
    const run = runs.get(id);
    if (!run) throw new HttpError(404, `No conformance run ${id} (finished runs are kept ${MAX_KEPT_RUNS} at most).`);
    return run;
  }

  return [
    {
      method: 'POST',
      path: '/__wslab/conform',
      handle: async ({ req, res }) => {
        const body = ConformRunRequest.parse(await readJson(req));
        let t: Target;
        try {
          t = parseTarget(body.url.trim());
        } catch (err) {
          throw new HttpError(400, `${(err as Error).message.replace(/^./, (c) => c.toUpperCase())}.`);
        }
        if (t.url.username || t.url.password) throw new HttpError(400, 'The URL may not carry a user name or password.');
        const cases = selectCases(body.cases && body.cases.length ? body.cases : ['*']);
        if (cases.length === 0) throw new HttpError(400, `No case matches ${body.cases!.join(', ')}; case ids look like 1.1.1, 6.4.*, 7.*, w.1.1 (${CASES.length} cases in all).`);
        if (!isSelf(t, req) && !roomGuard(req, res, "run the conformance cases against another server than this one (the server connects from itself, inside the room's network)")) return;
        const owner = ownerOf(req);
        const mine = [...runs.values()].find((r) => r.owner === owner && r.status === 'running');
        if (mine) throw new HttpError(409, `Your run ${mine.id} against ${mine.url} is still under way; cancel it (DELETE /__wslab/conform/${mine.id}) or wait for it to end.`);
        if (running >= MAX_RUNS) throw new HttpError(503, `${MAX_RUNS} conformance runs are already under way on this server; try again when one has finished.`);
        running++;
        const run: Run = {
          id: randomBytes(9).toString('base64url'),
          owner,
          url: t.url.href,
          status: 'running',
          cases,
          results: [],
          stopped: null,
          startedAt: Date.now(),
          cancel: false,
          streams: new Set(),
        };
        keep(run);
        void execute(run, t, body.timeScale);
        sendJson(res, 202, info(run));
      },
    },
    {
      method: 'GET',
      path: '/__wslab/conform',
      handle: ({ req, res }) => {
        const owner = ownerOf(req);
        const mine = [...runs.values()].filter((r) => r.owner === owner).reverse();
        sendJson(res, 200, { runs: mine.map(info), maxRuns: MAX_RUNS, running });
      },
    },
    {
      method: 'GET',
      path: '/__wslab/conform/cases',
      handle: ({ res }) => {
        const chapters: { chapter: string; title: string; cases: { id: string; rfc: string; description: string }[] }[] = [];
        for (const c of CASES) {
          const chapter = c.id.split('.')[0]!;
          let ch = chapters.find((x) => x.chapter === chapter);
          if (!ch) chapters.push((ch = { chapter, title: CHAPTER_TITLES[chapter] ?? `Chapter ${chapter}`, cases: [] }));
          ch.cases.push({ id: c.id, rfc: c.rfc, description: c.description });
        }
        sendJson(res, 200, { chapters });
      },
    },
    {
      method: 'GET',
      path: '/__wslab/conform/:id',
      handle: ({ res, params }) => {
        const run = get(params.id!);
        sendJson(res, 200, { ...info(run), results: run.results });
      },
    },
    {
      method: 'GET',
      path: '/__wslab/conform/:id/stream',
      handle: ({ req, res, params }) => {
        const run = get(params.id!);
        if (run.status === 'running' && run.streams.size >= MAX_STREAMS_PER_RUN) {
          throw new HttpError(503, `${MAX_STREAMS_PER_RUN} readers already follow run ${run.id}; GET /__wslab/conform/${run.id} reads it whole.`);
        }
        res.writeHead(200, { 'Content-Type': 'application/x-ndjson; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
        writeLine(res, { type: 'run', run: info(run) });
        for (const c of run.results) writeLine(res, { type: 'case', case: c });
        if (run.status !== 'running') {
          writeLine(res, { type: 'end', run: info(run) });
          res.end();
          return;
        }
        run.streams.add(res);
        const drop = () => run.streams.delete(res);
        req.on('close', drop);
        res.on('close', drop);
      },
    },
    {
      method: 'DELETE',
      path: '/__wslab/conform/:id',
      handle: ({ req, res, params }) => {
        const run = get(params.id!);
        if (run.owner !== ownerOf(req)) throw new HttpError(403, `Run ${run.id} was started by another session; only that session may cancel it.`);
        if (run.status === 'running') run.cancel = true;
        sendJson(res, 202, { ...info(run), cancelling: run.status === 'running' });
      },
    },
  ];
}
