// `wslab conform --serve`: the fuzzing-server side, for testing WebSocket CLIENTS. A client opens
// /runCase?case=N&agent=A; this server completes the handshake itself on the raw socket, sends what
// the case says (unmasked, as a server must, invalid frames included, built with the codec in
// server/core/wire), reads the client's frames with the same codec (they must be masked), and
// judges the run with the same verdict code as the client side (server/core/conform/serve.ts).
// The server behaves as Autobahn's fuzzingserver (autobahn-python's WebSocketServerProtocol with
// failByDrop off): it answers Pings, answers a Close and then ends TCP, ends TCP itself once a
// closing handshake it started is answered, fails the connection with 1001 when a case's timer
// runs out, and gives a closing handshake `closeTimeoutMs` before dropping TCP. Every timer and
// buffer is bounded; a case never outlives `caseCapMs`.
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { computeAccept, createReader, encodeFrame, validateUpgradeRequest } from '../core/wire/index.ts';
import { judgeServed, parseServeRequest, servedCaseWords } from '../core/conform/serve.ts';
import type { CaseResult, ConformCase } from '../core/conform/types.ts';
import { serverDeflateAnswer } from '../core/conform/cases-12-13.ts';
import { CaseDriver, timeScaleOf, type DriverOptions } from './case-driver.ts';
import { DeflateSession } from './deflate.ts';

type DeflateAnswer = ReturnType<typeof serverDeflateAnswer>;
import { refuse } from '../http/refuse.ts';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeAutobahnReports, caseReportFilename } from './report.ts';

export interface ServeOptions {
  /** the cases this server runs, numbered from 1 in this order */
  cases: readonly ConformCase[];
  /** multiplies every timer of the cases and the close timeout (default 1) */
  timeScale?: number;
  /** ms a closing handshake may take before the server drops TCP (default 1000 × timeScale) */
  closeTimeoutMs?: number;
  /** hard cap on one case (default 60 s) */
  caseCapMs?: number;
  /** largest frame or message accepted from the client (default 16 MiB) */
  maxPayload?: number;
  /** where /updateReports writes Autobahn-format reports; none: results are kept in memory only */
  outDir?: string;
  /** agents whose results are kept; past it the one updated longest ago is forgotten (default 32) */
  maxAgents?: number;
  /** cases running at once, all clients together (default 64); past it /runCase is refused with 503 */
  maxRunning?: number;
  /** each judged case, as it is judged */
  onResult?: (agent: string, r: CaseResult) => void;
  /** after /updateReports: the index's path, or the sentence saying why it could not be written */
  onReports?: (agent: string, written: { path: string } | { error: string }) => void;
}

/** /getCaseStatus waits at most this long for a case still running. */
const STATUS_WAIT_MS = 60_000;

/** One case run against one client connection, from the server's side: the upgrade is already answered. */
class ServedCase extends CaseDriver {
  /** `deflate`: what the upgrade answered to the client's permessage-deflate offer, in a case of 12 or 13 */
  constructor(socket: Socket, c: ConformCase, opts: DriverOptions, deflate: DeflateAnswer | null) {
    super('server', c, opts);
    if (deflate?.kind === 'accepted') {
      this.deflate = new DeflateSession(deflate.params, this.frameLimit, 'server');
      this.outcome.deflate = deflate.text;
    } else if (deflate) this.outcome.deflate = false;
    this.attach(socket);
    this.opened();
    socket.on('data', (chunk: Buffer) => this.onBytes(chunk));
  }
}

/** Accepts the upgrade on the raw socket: 101 with the accept key, the extension answer if any, no subprotocol. Returns false after refusing. */
function acceptUpgrade(req: IncomingMessage, socket: Socket, extensions: string | null = null): boolean {
  const check = validateUpgradeRequest(req.method ?? 'GET', req.headers);
  if (!check.ok) {
    refuse(socket, 400, `Not a WebSocket opening handshake: ${check.reason}`);
    return false;
  }
  const key = String(req.headers['sec-websocket-key']);
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${computeAccept(key)}\r\n${extensions ? `Sec-WebSocket-Extensions: ${extensions}\r\n` : ''}Server: wslab-conform\r\n\r\n`);
  return true;
}

/** A server-side WebSocket used only to answer an endpoint: send a text message (maybe), then close 1000. */
function answerAndClose(socket: Socket, head: Buffer, text: string | null): void {
  const reader = createReader({ direction: 'client', maxPayload: 4096 });
  let sentClose = false;
  const close = () => {
    if (sentClose) return;
    sentClose = true;
    if (socket.writable) socket.write(encodeFrame({ opcode: 8, payload: Uint8Array.of(0x03, 0xe8), maskingKey: null }));
  };
  const giveUp = setTimeout(() => socket.destroy(), 5000);
  socket.on('close', () => clearTimeout(giveUp));
  socket.on('error', () => socket.destroy());
  const onBytes = (chunk: Uint8Array) => {
    for (const ev of reader.push(chunk)) {
      if (ev.type === 'violation') return socket.destroy();
      if (ev.frame.opcode === 8) {
        close();
        socket.end();
        return;
      }
      if (ev.frame.opcode === 9 && !sentClose) socket.write(encodeFrame({ opcode: 10, payload: ev.frame.payload, maskingKey: null }));
    }
  };
  socket.on('data', onBytes);
  if (text !== null) socket.write(encodeFrame({ opcode: 1, payload: new TextEncoder().encode(text), maskingKey: null }));
  close();
  if (head.length) onBytes(head);
}

export interface AgentResults {
  agent: string;
  /** by case number (1-based) */
  results: Map<number, CaseResult>;
  updated: number;
}

/**
 * The fuzzing server: endpoints for clients, results by agent. Mount it under any path prefix: a
 * standalone server (`wslab conform --serve`) at "/", the main server at /__wslab/conform/serve.
 */
export class ConformServe {
  readonly cases: readonly ConformCase[];
  private readonly agents = new Map<string, AgentResults>();
  private readonly waiters = new Map<string, Set<(r: CaseResult) => void>>();
  private running = 0;
  private readonly opts: Required<Omit<ServeOptions, 'outDir' | 'onResult' | 'onReports'>> & Pick<ServeOptions, 'outDir' | 'onResult' | 'onReports'>;
  private readonly sockets = new Set<Socket>();

  constructor(options: ServeOptions) {
    const scale = timeScaleOf(options.timeScale);
    this.cases = options.cases;
    this.opts = {
      maxAgents: 32,
      maxRunning: 64,
      caseCapMs: 60_000,
      maxPayload: 16 * 1024 * 1024,
      ...options,
      timeScale: scale,
      closeTimeoutMs: options.closeTimeoutMs ?? 1000 * scale,
    };
  }

  /** Results of one agent, in case order. */
  results(agent: string): CaseResult[] {
    const a = this.agents.get(agent);
    return a ? [...a.results.entries()].sort((x, y) => x[0] - y[0]).map(([, r]) => r) : [];
  }

  agentNames(): string[] {
    return [...this.agents.keys()];
  }

  /** Handles an upgrade to `path` (relative to the mount point). Never throws. */
  handleUpgrade(path: string, query: URLSearchParams, req: IncomingMessage, socket: Socket, head: Buffer): void {
    const r = parseServeRequest(path, query, this.cases.length);
    if ('error' in r) {
      refuse(socket, r.status, r.error);
      return;
    }
    if (r.kind === 'runCase' && this.running >= this.opts.maxRunning) {
      refuse(socket, 503, `${this.opts.maxRunning} cases are already running; run them one after another, as Autobahn's clients do.`, { 'Retry-After': '1' });
      return;
    }
    // a compression case (12, 13) answers the client's permessage-deflate offer as the case says
    const c = r.kind === 'runCase' ? this.cases[r.index - 1] : null;
    const deflate = c?.deflate ? serverDeflateAnswer(c.deflate, req.headers['sec-websocket-extensions']) : null;
    if (!acceptUpgrade(req, socket, deflate?.kind === 'accepted' ? deflate.text : null)) return;
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    switch (r.kind) {
      case 'getCaseCount':
        return answerAndClose(socket, head, JSON.stringify(this.cases.length));
      case 'getCaseInfo': {
        const c = this.cases[r.index - 1];
        return answerAndClose(socket, head, JSON.stringify({ id: c.id, description: servedCaseWords(c).description }));
      }
      case 'getCaseStatus': {
        const known = this.agents.get(r.agent)?.results.get(r.index);
        if (known) return answerAndClose(socket, head, JSON.stringify({ behavior: known.behavior }));
        const key = `${r.agent}\n${r.index}`;
        const set = this.waiters.get(key) ?? new Set();
        if (set.size >= 16) return answerAndClose(socket, head, null);
        this.waiters.set(key, set);
        const cb = (res: CaseResult) => {
          clearTimeout(t);
          answerAndClose(socket, Buffer.alloc(0), JSON.stringify({ behavior: res.behavior }));
        };
        const t = setTimeout(() => {
          set.delete(cb);
          socket.destroy();
        }, STATUS_WAIT_MS);
        set.add(cb);
        socket.once('close', () => {
          clearTimeout(t);
          set.delete(cb);
        });
        return;
      }
      case 'updateReports': {
        const written = this.writeReports(r.agent);
        if (written) this.opts.onReports?.(r.agent, written);
        return answerAndClose(socket, head, null);
      }
      case 'runCase':
        void this.runCase(r.index, r.agent, socket, head, deflate);
    }
  }

  private async runCase(index: number, agent: string, socket: Socket, head: Buffer, deflate: DeflateAnswer | null): Promise<void> {
    const c = this.cases[index - 1];
    this.running++;
    const { timeScale, closeTimeoutMs, caseCapMs, maxPayload } = this.opts;
    const run = new ServedCase(socket, c, { timeScale, closeTimeoutMs, dropTimeoutMs: closeTimeoutMs, caseCapMs, maxPayload }, deflate);
    try {
      await run.run(() => {
        if (head.length) run.onBytes(head);
        return true;
      });
    } finally {
      this.running--;
    }
    const result = run.result(servedCaseWords(c), judgeServed(c, run.received, run.facts, c.echo ? run.outcome : undefined));
    this.store(agent, index, result);
  }

  private store(agent: string, index: number, r: CaseResult): void {
    let a = this.agents.get(agent);
    if (!a) {
      if (this.agents.size >= this.opts.maxAgents) {
        const oldest = [...this.agents.values()].sort((x, y) => x.updated - y.updated)[0];
        this.agents.delete(oldest.agent);
      }
      a = { agent, results: new Map(), updated: 0 };
      this.agents.set(agent, a);
    }
    a.updated = performance.now();
    a.results.set(index, r);
    this.opts.onResult?.(agent, r);
    const key = `${agent}\n${index}`;
    const set = this.waiters.get(key);
    if (set) {
      this.waiters.delete(key);
      for (const cb of set) cb(r);
    }
  }

  /** Writes Autobahn-format reports for every agent seen (index.json keyed by agent); null without an output directory. */
  writeReports(agent: string): { path: string } | { error: string } | null {
    const dir = this.opts.outDir;
    if (dir === undefined) return null;
    try {
      const index: Record<string, Record<string, unknown>> = {};
      for (const name of new Set([...this.agents.keys(), agent])) {
        const results = this.results(name);
        writeAutobahnReports(dir, name, results, { isServer: true });
        index[name] = Object.fromEntries(results.map((r) => [r.id, { behavior: r.behavior, behaviorClose: r.behaviorClose, remoteCloseCode: r.close.remoteCloseCode, duration: r.durationMs, reportfile: caseReportFilename(name, r.id) }]));
      }
      const path = join(dir, 'index.json');
      writeFileSync(path, JSON.stringify(index, null, 3) + '\n');
      return { path };
    } catch (err) {
      return { error: `cannot write the reports to ${dir}: ${(err as Error).message}` };
    }
  }

  /** Ends every connection (shutdown). */
  close(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }
}
