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
import { isUtf8 } from 'node:buffer';
import { computeAccept, createReader, encodeFrame, parseClosePayload, validateUpgradeRequest, type WireReader } from '../core/wire/index.ts';
import { allExpectedMet, echoMismatch, frameLine } from '../core/conform/verdict.ts';
import { judgeServed, parseServeRequest, servedCaseWords } from '../core/conform/serve.ts';
import type { CaseResult, CloseFacts, ConformCase, EchoOutcome, Observed, Step, WireRecord } from '../core/conform/types.ts';
import { echoPayload } from '../core/conform/cases-12-13.ts';
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

const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;
/** Events kept per case: no case expects more than 11; a client flooding the server is cut off here. */
const MAX_EVENTS = 1000;
const MAX_WIRE = 2000;
/** /getCaseStatus waits at most this long for a case still running. */
const STATUS_WAIT_MS = 60_000;

/** One case run against one client connection, from the server's side. */
class ServedCase {
  state = OPEN;
  readonly received: Observed[] = [];
  readonly wire: WireRecord[] = [];
  readonly facts: CloseFacts = {
    opened: true, closedByMe: false, failedByMe: false, droppedByMe: false, wasClean: false,
    notCleanReason: null, remoteCloseCode: null, remoteCloseReason: null, localCloseCode: null, serverViolation: null,
  };
  private readonly reader: WireReader;
  private readonly start = performance.now();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private fragments: Uint8Array[] = [];
  private fragmentBytes = 0;
  private fragmentOpcode = 0;
  private wireDropped = 0;
  private done!: () => void;
  readonly finished = new Promise<void>((resolve) => (this.done = resolve));
  /** an echo case (chapter 9): how many came back, as the client side counts them */
  readonly outcome: EchoOutcome = { deflate: null, echoed: 0, failure: null, elapsedMs: 0 };
  private echoExpected: Uint8Array | null = null;
  private echoStart = 0;

  constructor(
    private readonly socket: Socket,
    readonly c: ConformCase,
    private readonly closeTimeoutMs: number,
    maxPayload: number,
  ) {
    this.reader = createReader({ direction: 'client', maxPayload, isUtf8 });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onBytes(chunk));
    socket.on('error', (err) => {
      if (this.state !== CLOSED && !this.facts.wasClean) this.facts.notCleanReason ??= `the TCP connection failed: ${err.message}`;
    });
    socket.on('close', () => this.onTcpClosed());
  }

  record(dir: WireRecord['dir'], text: string): void {
    const t = Math.round(performance.now() - this.start);
    if (this.wire.length < MAX_WIRE) this.wire.push({ t, dir, text });
    else if (++this.wireDropped === 1) this.wire.push({ t, dir: 'note', text: 'wire log full: later records are not kept' });
  }

  note(text: string): void {
    this.record('note', text);
  }

  after(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  onBytes(chunk: Uint8Array): void {
    if (this.state === CLOSED) return;
    for (const ev of this.reader.push(chunk)) {
      if (ev.type === 'violation') {
        const v = ev.violation;
        this.facts.serverViolation = `${v.reason} (RFC 6455 §${v.rfc})`;
        this.note(`client broke a rule: ${v.reason}`);
        this.failConnection(v.closeCode, v.kind);
        return;
      }
      const f = ev.frame;
      const rsv = (f.rsv1 ? 4 : 0) | (f.rsv2 ? 2 : 0) | (f.rsv3 ? 1 : 0);
      this.record('rx', frameLine(f.opcode, f.fin, rsv, f.payloadLength, f.payload, f.masked ? null : 'unmasked'));
      this.onFrame(f.opcode, f.fin, f.payload);
    }
  }

  private onFrame(opcode: number, fin: boolean, payload: Uint8Array): void {
    if (opcode === 8) return this.onCloseFrame(payload);
    if (opcode === 9) {
      if (this.state === OPEN) this.send(encodeFrame({ opcode: 10, payload, maskingKey: null }), 'auto-reply');
      this.push({ type: 'ping', payload: payload.slice() });
      return;
    }
    if (opcode === 10) return this.push({ type: 'pong', payload: payload.slice() });
    if (opcode !== 0) {
      this.fragmentOpcode = opcode;
      this.fragments = [];
      this.fragmentBytes = 0;
    }
    this.fragments.push(payload.slice());
    this.fragmentBytes += payload.length;
    if (fin) {
      const whole = Buffer.concat(this.fragments, this.fragmentBytes);
      this.fragments = [];
      this.fragmentBytes = 0;
      this.push({ type: 'message', binary: this.fragmentOpcode === 2, payload: new Uint8Array(whole) });
    }
  }

  private push(e: Observed): void {
    // an echo case's messages are counted, not kept (9.7 sends up to 1000)
    if (this.c.echo && e.type === 'message') return this.onEcho(e);
    if (this.received.length >= MAX_EVENTS) {
      this.failConnection(1008, `the client sent more than ${MAX_EVENTS} messages and control frames in one case`);
      return;
    }
    this.received.push(e);
    if (this.c.expectedClose.closedByMe && !this.c.suppressClose && allExpectedMet(this.c, this.received)) this.sendClose(1000);
  }

  private onCloseFrame(payload: Uint8Array): void {
    const parsed = parseClosePayload(payload);
    this.facts.remoteCloseCode = parsed ? parsed.code : null;
    this.facts.remoteCloseReason = parsed ? parsed.reason : null;
    if (this.state === OPEN) {
      // The client started the closing handshake: answer with its code, then end TCP (the server's job).
      const reply = this.facts.remoteCloseCode === null ? new Uint8Array(0) : payload.subarray(0, 2);
      this.send(encodeFrame({ opcode: 8, payload: reply, maskingKey: null }), 'reply');
      this.facts.localCloseCode = this.facts.remoteCloseCode;
      this.state = CLOSING;
    }
    if (this.state === CLOSING && !this.facts.wasClean) {
      this.facts.wasClean = true;
      this.facts.notCleanReason = null;
      this.endTcp();
    }
  }

  /** After a closing handshake the server ends TCP: a FIN, then the socket is let go. */
  private endTcp(): void {
    this.note('server ends TCP');
    this.socket.end();
    // a client that never answers the FIN does not hold the case open
    this.after(this.closeTimeoutMs, () => this.socket.destroy());
  }

  sendCloseFrame(payload: Uint8Array): void {
    if (this.state !== OPEN) return;
    this.send(encodeFrame({ opcode: 8, payload, maskingKey: null }));
    this.facts.closedByMe = true;
    this.facts.localCloseCode = payload.length >= 2 ? (payload[0] << 8) | payload[1] : null;
    this.state = CLOSING;
    this.after(this.closeTimeoutMs, () => {
      if (this.state === CLOSING && !this.facts.wasClean) {
        this.facts.notCleanReason = `the client did not answer the server's Close within ${this.closeTimeoutMs} ms`;
        this.drop();
      }
    });
  }

  sendClose(code: number): void {
    this.sendCloseFrame(Uint8Array.of(code >>> 8, code & 0xff));
  }

  failConnection(code: number, why: string): void {
    if (this.state === CLOSED) return;
    this.facts.failedByMe = true;
    this.note(`server fails the connection (${code}): ${why}`);
    if (this.state === OPEN) this.sendClose(code);
    else {
      this.facts.wasClean = false;
      this.facts.notCleanReason = 'the server dropped the TCP connection while closing';
      this.drop();
    }
  }

  drop(): void {
    if (this.state === CLOSED) return;
    this.facts.droppedByMe = true;
    this.note('server drops TCP');
    this.socket.destroy();
    this.onTcpClosed();
  }

  private onTcpClosed(): void {
    if (this.state === CLOSED) return;
    const wasOpen = this.state === OPEN;
    this.state = CLOSED;
    if (!this.facts.wasClean && this.facts.notCleanReason === null) {
      this.facts.notCleanReason = wasOpen
        ? 'the client dropped the TCP connection without a closing handshake'
        : "the client dropped the TCP connection without answering the server's Close";
    }
    if (!this.facts.droppedByMe && !this.facts.wasClean) this.note('client ended TCP');
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.socket.destroy();
    this.done();
  }

  get closed(): boolean {
    return this.state === CLOSED;
  }

  send(bytes: Uint8Array, label?: string): void {
    const s = this.socket;
    if (s.destroyed || !s.writable) return;
    this.logTx(bytes, label);
    s.write(bytes);
  }

  logTx(bytes: Uint8Array, label?: string): void {
    const op = bytes[0] & 0x0f;
    const len7 = bytes[1] & 0x7f;
    const len = len7 < 126 ? len7 : len7 === 126 ? (bytes[2] << 8) | bytes[3] : Number(Buffer.from(bytes.subarray(2, 10)).readBigUInt64BE());
    const masked = (bytes[1] & 0x80) !== 0;
    this.record('tx', frameLine(op, (bytes[0] & 0x80) !== 0, (bytes[0] >> 4) & 7, len, new Uint8Array(0), masked ? 'masked' : null) + (label ? ` (${label})` : ''));
  }

  async write(bytes: Uint8Array, chop: number | undefined, sync: boolean): Promise<void> {
    const s = this.socket;
    if (s.destroyed || !s.writable) return;
    if (!chop && !sync) {
      s.write(bytes);
      return;
    }
    const size = chop ?? bytes.length;
    for (let at = 0; at < bytes.length; at += size) {
      if (s.destroyed || !s.writable) return;
      await new Promise<void>((resolve) => s.write(bytes.subarray(at, at + size), () => resolve()));
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** Starts an echo case (chapter 9): the first message, and Autobahn's WAITSECS for all of them. */
  startEcho(timeScale: number): void {
    const e = this.c.echo!;
    this.after(e.waitSeconds * 1000 * timeScale, () => {
      if (this.state !== OPEN) return;
      this.outcome.failure = `Only ${this.outcome.echoed} of ${e.count} messages came back within ${e.waitSeconds} s.`;
      this.sendClose(1000);
    });
    this.echoStart = performance.now();
    this.sendEcho();
  }

  /** The next message, unmasked, in the case's frames, written in the case's pieces. */
  private sendEcho(): void {
    const e = this.c.echo!;
    const i = this.outcome.echoed;
    const plain = echoPayload(e, i);
    this.echoExpected = plain;
    const size = e.fragmentSize && e.fragmentSize > 0 ? e.fragmentSize : Math.max(plain.length, 1);
    const frames: Uint8Array[] = [];
    for (let at = 0; at === 0 || at < plain.length; at += size) {
      frames.push(encodeFrame({ opcode: at === 0 ? (e.binary ? 2 : 1) : 0, fin: at + size >= plain.length, payload: plain.subarray(at, at + size), maskingKey: null }));
    }
    if (i < 3 || i === e.count - 1) {
      this.note(`message ${i + 1} of ${e.count}: ${plain.length} bytes in ${frames.length} frame${frames.length === 1 ? '' : 's'}${e.chop ? ` written in pieces of ${e.chop} bytes` : ''}`);
      this.logTx(frames[0]);
    }
    void this.write(frames.length === 1 ? frames[0] : Buffer.concat(frames), e.chop, false);
  }

  private onEcho(ev: Observed & { type: 'message' }): void {
    if (this.state !== OPEN || this.echoExpected === null) return;
    const e = this.c.echo!;
    const want = this.echoExpected;
    const failure = echoMismatch(e, this.outcome.echoed, ev, want);
    if (failure) {
      this.outcome.failure = failure;
      this.echoExpected = null;
      this.note(failure);
      this.sendClose(1000);
      return;
    }
    this.outcome.echoed++;
    this.outcome.elapsedMs = Math.round(performance.now() - this.echoStart);
    if (this.outcome.echoed < e.count) this.sendEcho();
    else {
      this.echoExpected = null;
      this.note(`all ${e.count} messages came back in ${this.outcome.elapsedMs} ms`);
      this.sendClose(1000);
    }
  }

  async runSteps(steps: readonly Step[]): Promise<void> {
    for (const step of steps) {
      if (this.closed) return;
      switch (step.kind) {
        case 'frame': {
          const b = encodeFrame({
            opcode: step.opcode,
            fin: step.fin !== false,
            rsv1: ((step.rsv ?? 0) & 4) !== 0,
            rsv2: ((step.rsv ?? 0) & 2) !== 0,
            rsv3: ((step.rsv ?? 0) & 1) !== 0,
            payload: step.payload,
            maskingKey: null,
            lengthOverride: step.lengthOverride,
            lengthBits: step.lengthBits,
          });
          this.logTx(b);
          await this.write(b, step.chop, step.sync === true);
          break;
        }
        case 'close':
          this.sendCloseFrame(step.payload);
          break;
        case 'frameStart': {
          const header = encodeFrame({ opcode: step.opcode, fin: step.fin !== false, maskingKey: null, lengthOverride: step.length });
          this.logTx(header);
          await this.write(header, undefined, true);
          break;
        }
        case 'data':
          this.note(`payload part of ${step.bytes.length} bytes`);
          await this.write(step.bytes, undefined, true);
          break;
        case 'wait':
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, step.seconds * 1000);
            void this.finished.then(() => {
              clearTimeout(t);
              resolve();
            });
          });
          if (this.state !== OPEN) return;
          if (step.tag !== undefined) this.received.push({ type: 'timeout', tag: step.tag });
          break;
      }
    }
  }
}

/** Accepts the upgrade on the raw socket: 101 with the accept key, no extension, no subprotocol. Returns false after refusing. */
function acceptUpgrade(req: IncomingMessage, socket: Socket): boolean {
  const check = validateUpgradeRequest(req.method ?? 'GET', req.headers);
  if (!check.ok) {
    refuse(socket, 400, `Not a WebSocket opening handshake: ${check.reason}`);
    return false;
  }
  const key = String(req.headers['sec-websocket-key']);
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${computeAccept(key)}\r\nServer: wslab-conform\r\n\r\n`);
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
    const scale = options.timeScale !== undefined && options.timeScale > 0 && Number.isFinite(options.timeScale) ? options.timeScale : 1;
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
    if (!acceptUpgrade(req, socket)) return;
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
        void this.runCase(r.index, r.agent, socket, head);
    }
  }

  private async runCase(index: number, agent: string, socket: Socket, head: Buffer): Promise<void> {
    const c = this.cases[index - 1];
    this.running++;
    const started = performance.now();
    const run = new ServedCase(socket, c, this.opts.closeTimeoutMs, this.opts.maxPayload);
    // an echo case may take its WAITSECS (up to 1000 s at Autobahn's sizes) before its timer fires
    const capMs = c.echo ? Math.max(this.opts.caseCapMs, (c.echo.waitSeconds * this.opts.timeScale + 10) * 1000) : this.opts.caseCapMs;
    const cap = setTimeout(() => {
      run.note(`the case ran past its ${capMs} ms cap`);
      run.drop();
    }, capMs);
    try {
      if (head.length) run.onBytes(head);
      if (c.echo) run.startEcho(this.opts.timeScale);
      else await run.runSteps(c.steps);
      if (!run.closed && !c.echo) {
        run.after(c.end.seconds * 1000 * this.opts.timeScale, () => {
          if (c.end.after === 'kill') run.failConnection(1001, `the case's ${c.end.seconds} s ran out`);
          else run.sendClose(1000);
        });
      }
      await run.finished;
    } catch (err) {
      run.note(`server error: ${(err as Error).message}`);
      run.drop();
    } finally {
      clearTimeout(cap);
      this.running--;
    }
    const words = servedCaseWords(c);
    const result: CaseResult = {
      id: c.id,
      rfc: c.rfc,
      description: words.description,
      expectation: words.expectation,
      ...judgeServed(c, run.received, run.facts, c.echo ? run.outcome : undefined),
      durationMs: Math.round(performance.now() - started),
      close: run.facts,
      received: run.received,
      wire: run.wire,
    };
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
