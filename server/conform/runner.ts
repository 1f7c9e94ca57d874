// The case runner of `wslab conform`: one raw TCP (or TLS) connection per case, the opening
// handshake and every frame built with the codec in server/core/wire, invalid ones included, and
// the server's frames read with the same codec. The client behaves as Autobahn's fuzzing client
// (autobahn-python's WebSocketProtocol with failByDrop off): it answers Pings, answers a Close,
// starts the closing handshake when a case says so, fails the connection with 1001 when a case's
// timer runs out, gives a closing handshake `closeTimeoutMs` to finish and the server
// `dropTimeoutMs` to end TCP after it. Every timer is bounded; a case never outlives `caseCapMs`.
// Echo cases (chapters 9, 12, 13) send their messages one at a time, each once the previous came
// back; with permessage-deflate offered and accepted (12, 13) the client compresses what it sends
// and inflates what it receives (node:zlib, deflate.ts).
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { randomBytes } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import { createReader, encodeFrame, validateUpgradeResponse, parseClosePayload, type WireReader } from '../core/wire/index.ts';
import { allExpectedMet, echoMismatch, frameLine, judge, judgeEcho } from '../core/conform/verdict.ts';
import { checkDeflateAnswer, echoPayload, offerHeader } from '../core/conform/cases-12-13.ts';
import type { CaseResult, CloseFacts, ConformCase, EchoOutcome, Observed, Step, WireRecord } from '../core/conform/types.ts';
import { DeflateSession } from './deflate.ts';

export interface RunOptions {
  /**
   * Multiplies every timer of the cases (Autobahn's killAfter and closeAfter) and the default close
   * and drop timeouts: for slow or distant servers, or a loaded machine. The pauses inside a case
   * (6.4.x, 5.19) are part of what it tests and stay as they are. Default 1.
   */
  timeScale?: number;
  /** ms the closing handshake may take before the client drops TCP (autobahn: 1 s, times timeScale) */
  closeTimeoutMs?: number;
  /** ms the server has to end TCP after the closing handshake (autobahn: 1 s, times timeScale) */
  dropTimeoutMs?: number;
  /** ms the opening handshake may take */
  openTimeoutMs?: number;
  /** hard cap on one case, whatever its timers say */
  caseCapMs?: number;
  /** largest frame or message accepted from the server */
  maxPayload?: number;
  /** sees every byte the case's socket writes (c2s) and reads (s2c), the HTTP heads included */
  tap?: ((dir: 'c2s' | 's2c', bytes: Uint8Array) => void) | null;
}

export interface Target {
  url: URL;
  secure: boolean;
  host: string;
  port: number;
  /** path and query for the request line */
  resource: string;
}

/** Parses a ws:// or wss:// URL; throws a sentence for anything else. */
export function parseTarget(raw: string): Target {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`"${raw}" is not a URL; give one like ws://127.0.0.1:9001/`);
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new Error(`the URL must start with ws:// or wss://, got ${url.protocol}//`);
  const secure = url.protocol === 'wss:';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return { url, secure, host, port: url.port ? Number(url.port) : secure ? 443 : 80, resource: (url.pathname || '/') + url.search };
}

const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

/** A header block larger than this is refused (the handshake answer of a real server is < 1 KiB). */
const MAX_HANDSHAKE = 16 * 1024;
/** Events kept per case: no case expects more than 11; a server flooding the client is cut off here. */
const MAX_EVENTS = 1000;
/** Wire records kept per case; later ones are counted, not kept. */
const MAX_WIRE = 2000;

class CaseConnection {
  state = 0;
  readonly received: Observed[] = [];
  readonly wire: WireRecord[] = [];
  readonly facts: CloseFacts = {
    opened: false, closedByMe: false, failedByMe: false, droppedByMe: false, wasClean: false,
    notCleanReason: null, remoteCloseCode: null, remoteCloseReason: null, localCloseCode: null, serverViolation: null,
  };
  serverHeader: string | null = null;
  private socket: Socket | null = null;
  private reader: WireReader | null = null;
  private readonly start = performance.now();
  private timers = new Set<ReturnType<typeof setTimeout>>();
  private fragments: Uint8Array[] = [];
  private fragmentBytes = 0;
  private fragmentOpcode = 0;
  private done!: () => void;
  readonly finished = new Promise<void>((resolve) => (this.done = resolve));
  private handshakeBuf = Buffer.alloc(0);
  private key = randomBytes(16).toString('base64');
  /** the negotiated permessage-deflate, when the case offered it and the server accepted */
  private deflate: DeflateSession | null = null;
  /** the first frame of the message being received had RSV1 set */
  private compressed = false;
  readonly outcome: EchoOutcome = { deflate: null, echoed: 0, failure: null, elapsedMs: 0 };
  private echoExpected: Uint8Array | null = null;
  private echoStart = 0;

  constructor(
    readonly target: Target,
    readonly c: ConformCase,
    readonly opts: Required<RunOptions>,
  ) {}

  private wireDropped = 0;

  record(dir: WireRecord['dir'], text: string): void {
    if (this.wire.length < MAX_WIRE) this.wire.push({ t: Math.round(performance.now() - this.start), dir, text });
    else if (++this.wireDropped === 1) this.wire.push({ t: Math.round(performance.now() - this.start), dir: 'note', text: `wire log full: later records are not kept` });
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

  /** Opens TCP and does the handshake; resolves true when the WebSocket is open. */
  open(): Promise<boolean> {
    return new Promise((resolve) => {
      const { host, port, secure, resource, url } = this.target;
      const s = secure ? tlsConnect({ host, port, servername: host }) : netConnect({ host, port });
      this.socket = s;
      s.setNoDelay(true);
      const tap = this.opts.tap;
      if (tap) {
        s.on('data', (b: Buffer) => tap('s2c', b));
        const write = s.write.bind(s) as (chunk: Uint8Array, cb?: () => void) => boolean;
        s.write = ((chunk: Uint8Array | string, cb?: () => void) => {
          const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk;
          tap('c2s', bytes);
          return write(bytes, cb);
        }) as typeof s.write;
      }
      let settled = false;
      const settle = (ok: boolean) => {
        if (!settled) {
          settled = true;
          resolve(ok);
        }
      };
      this.after(this.opts.openTimeoutMs, () => {
        if (!this.facts.opened) {
          this.facts.notCleanReason = `the opening handshake did not complete within ${this.opts.openTimeoutMs} ms`;
          this.drop();
          settle(false);
        }
      });
      s.on(secure ? 'secureConnect' : 'connect', () => {
        const hostHeader = url.port ? `${url.hostname}:${url.port}` : url.hostname;
        s.write(
          `GET ${resource} HTTP/1.1\r\nHost: ${hostHeader}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            `Sec-WebSocket-Key: ${this.key}\r\nSec-WebSocket-Version: 13\r\nUser-Agent: wslab-conform\r\n` +
            (this.c.deflate ? `Sec-WebSocket-Extensions: ${offerHeader(this.c.deflate)}\r\n` : '') +
            '\r\n',
        );
      });
      s.on('data', (chunk: Buffer) => {
        if (this.facts.opened) return this.onBytes(chunk);
        this.handshakeBuf = Buffer.concat([this.handshakeBuf, chunk]);
        const end = this.handshakeBuf.indexOf('\r\n\r\n');
        if (end < 0) {
          if (this.handshakeBuf.length > MAX_HANDSHAKE) {
            this.facts.notCleanReason = `the server's handshake answer exceeded ${MAX_HANDSHAKE} bytes without ending`;
            this.drop();
            settle(false);
          }
          return;
        }
        const head = this.handshakeBuf.subarray(0, end).toString('latin1').split('\r\n');
        const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head[0])?.[1] ?? 0);
        const headers: Record<string, string> = {};
        for (const line of head.slice(1)) {
          const i = line.indexOf(':');
          if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
        }
        const check = validateUpgradeResponse(status, headers, this.key);
        if (!check.ok) {
          this.facts.notCleanReason = `the opening handshake failed: ${check.reason}`;
          this.drop();
          settle(false);
          return;
        }
        let maxPayload = this.opts.maxPayload;
        if (this.c.echo) maxPayload = Math.max(maxPayload, this.c.echo.length + 1024);
        if (this.c.deflate) {
          const answer = checkDeflateAnswer(this.c.deflate, headers['sec-websocket-extensions']);
          if (answer.kind === 'invalid') {
            this.facts.notCleanReason = `the opening handshake failed: ${answer.reason} (RFC 7692 §7.1)`;
            this.drop();
            settle(false);
            return;
          }
          if (answer.kind === 'accepted') {
            this.deflate = new DeflateSession(answer.params, maxPayload);
            this.outcome.deflate = answer.text;
          } else this.outcome.deflate = false;
        }
        this.serverHeader = headers.server ?? null;
        this.facts.opened = true;
        this.state = OPEN;
        // Without permessage-deflate accepted, RSV bits from the server are errors too.
        this.reader = createReader({ direction: 'server', maxPayload, isUtf8, perMessageDeflate: this.deflate !== null });
        this.note(`handshake: ${head[0]}`);
        settle(true);
        const rest = this.handshakeBuf.subarray(end + 4);
        this.handshakeBuf = Buffer.alloc(0);
        if (rest.length) this.onBytes(rest);
      });
      s.on('error', (err) => {
        if (!this.facts.opened) this.facts.notCleanReason = `cannot connect: ${err.message}`;
        else if (this.state !== CLOSED && !this.facts.wasClean) this.facts.notCleanReason ??= `the TCP connection failed: ${err.message}`;
        settle(false);
      });
      s.on('close', () => {
        this.onTcpClosed();
        settle(false);
      });
    });
  }

  private onBytes(chunk: Uint8Array): void {
    if (!this.reader) return;
    for (const ev of this.reader.push(chunk)) {
      if (ev.type === 'violation') {
        const v = ev.violation;
        this.facts.serverViolation = `${v.reason} (RFC 6455 §${v.rfc})`;
        this.note(`server broke a rule: ${v.reason}`);
        this.failConnection(v.closeCode, v.kind);
        return;
      }
      const f = ev.frame;
      const rsv = (f.rsv1 ? 4 : 0) | (f.rsv2 ? 2 : 0) | (f.rsv3 ? 1 : 0);
      this.record('rx', frameLine(f.opcode, f.fin, rsv, f.payloadLength, f.payload, f.masked ? 'masked' : null));
      this.onFrame(f.opcode, f.fin, f.payload, f.rsv1);
      if (this.state === CLOSED) return;
    }
  }

  private onFrame(opcode: number, fin: boolean, payload: Uint8Array, rsv1 = false): void {
    if (opcode === 8) return this.onCloseFrame(payload);
    if (opcode === 9) {
      if (this.state === OPEN) this.send(encodeFrame({ opcode: 10, payload, maskingKey: randomBytes(4) }), 'auto-reply');
      this.push({ type: 'ping', payload: payload.slice() });
      return;
    }
    if (opcode === 10) return this.push({ type: 'pong', payload: payload.slice() });
    if (opcode !== 0) {
      this.compressed = rsv1;
      this.fragmentOpcode = opcode;
      this.fragments = [];
      this.fragmentBytes = 0;
    }
    this.fragments.push(payload.slice());
    this.fragmentBytes += payload.length;
    if (fin) {
      let whole: Uint8Array = Buffer.concat(this.fragments, this.fragmentBytes);
      this.fragments = [];
      this.fragmentBytes = 0;
      if (this.compressed && this.deflate) {
        const r = this.deflate.inflate(whole);
        if ('error' in r) {
          this.facts.serverViolation = `a compressed message does not inflate: ${r.error} (RFC 7692 §7.2.2)`;
          this.note(`server broke a rule: ${this.facts.serverViolation}`);
          this.failConnection(1007, 'a compressed message does not inflate');
          return;
        }
        whole = r.data;
        if (this.fragmentOpcode === 1 && !isUtf8(whole)) {
          this.facts.serverViolation = 'a compressed text message inflates to invalid UTF-8 (RFC 6455 §8.1)';
          this.note(`server broke a rule: ${this.facts.serverViolation}`);
          this.failConnection(1007, 'invalid UTF-8 in a text message');
          return;
        }
      }
      this.push({ type: 'message', binary: this.fragmentOpcode === 2, payload: new Uint8Array(whole.buffer, whole.byteOffset, whole.length) });
    }
  }

  /** Autobahn's onMessage/onPing/onPong then finishWhenDone. */
  private push(e: Observed): void {
    if (this.c.echo) return this.onEcho(e);
    if (this.received.length >= MAX_EVENTS) {
      this.failConnection(1008, `the server sent more than ${MAX_EVENTS} messages and control frames in one case`);
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
      // The server started the closing handshake: answer with its code, as autobahn does.
      const reply = this.facts.remoteCloseCode === null ? new Uint8Array(0) : payload.subarray(0, 2);
      this.send(encodeFrame({ opcode: 8, payload: reply, maskingKey: randomBytes(4) }), 'reply');
      this.facts.localCloseCode = this.facts.remoteCloseCode;
      this.state = CLOSING;
    }
    if (this.state === CLOSING && !this.facts.wasClean) {
      this.facts.wasClean = true;
      this.facts.notCleanReason = null;
      this.after(this.opts.dropTimeoutMs, () => {
        if (this.state !== CLOSED) {
          this.facts.wasClean = false;
          this.facts.notCleanReason = `the server did not end the TCP connection within ${this.opts.dropTimeoutMs} ms of the closing handshake`;
          this.drop();
        }
      });
    }
  }

  /** Start the closing handshake (autobahn's sendCloseFrame with isReply false). */
  sendCloseFrame(payload: Uint8Array): void {
    if (this.state !== OPEN) return;
    this.send(encodeFrame({ opcode: 8, payload, maskingKey: randomBytes(4) }));
    this.facts.closedByMe = true;
    this.facts.localCloseCode = payload.length >= 2 ? (payload[0] << 8) | payload[1] : null;
    this.state = CLOSING;
    this.after(this.opts.closeTimeoutMs, () => {
      if (this.state === CLOSING && !this.facts.wasClean) {
        this.facts.notCleanReason = `the server did not answer the client's Close within ${this.opts.closeTimeoutMs} ms`;
        this.drop();
      }
    });
  }

  sendClose(code: number): void {
    this.sendCloseFrame(Uint8Array.of(code >>> 8, code & 0xff));
  }

  /** autobahn's failConnection: Close with `code` when open, else drop TCP. */
  failConnection(code: number, why: string): void {
    if (this.state === CLOSED) return;
    this.facts.failedByMe = true;
    this.note(`client fails the connection (${code}): ${why}`);
    if (this.state === OPEN) this.sendClose(code);
    else {
      this.facts.wasClean = false;
      this.facts.notCleanReason = 'the client dropped the TCP connection while closing';
      this.drop();
    }
  }

  drop(): void {
    if (this.state === CLOSED) return;
    if (this.facts.opened) this.facts.droppedByMe = true;
    this.note('client drops TCP');
    this.socket?.destroy();
    this.onTcpClosed();
  }

  private onTcpClosed(): void {
    if (this.state === CLOSED) return;
    const wasOpen = this.state === OPEN;
    this.state = CLOSED;
    if (this.facts.opened && !this.facts.wasClean && this.facts.notCleanReason === null) {
      this.facts.notCleanReason = wasOpen
        ? 'the server dropped the TCP connection without a closing handshake'
        : "the server dropped the TCP connection without answering the client's Close";
    }
    if (!this.facts.droppedByMe) this.note('server ended TCP');
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.socket?.destroy();
    this.done();
  }

  get closed(): boolean {
    return this.state === CLOSED;
  }

  send(bytes: Uint8Array, label?: string): void {
    const s = this.socket;
    if (!s || s.destroyed || !s.writable) return;
    if (label !== undefined || bytes.length >= 2) this.logTx(bytes, label);
    s.write(bytes);
  }

  logTx(bytes: Uint8Array, label?: string): void {
    const op = bytes[0] & 0x0f;
    const len7 = bytes[1] & 0x7f;
    const len = len7 < 126 ? len7 : len7 === 126 ? (bytes[2] << 8) | bytes[3] : Number(Buffer.from(bytes.subarray(2, 10)).readBigUInt64BE());
    const masked = (bytes[1] & 0x80) !== 0;
    this.record('tx', frameLine(op, (bytes[0] & 0x80) !== 0, (bytes[0] >> 4) & 7, len, new Uint8Array(0), masked ? null : 'unmasked') + (label ? ` (${label})` : ''));
  }

  /** Write in pieces, each its own write, waiting for each to leave (chop) or for the whole (sync). */
  async write(bytes: Uint8Array, chop: number | undefined, sync: boolean): Promise<void> {
    const s = this.socket;
    if (!s || s.destroyed || !s.writable) return;
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
            maskingKey: step.unmasked ? null : randomBytes(4),
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
          // The header of a masked frame; its payload follows in `data` steps, masked with the same key.
          const key = randomBytes(4);
          const header = encodeFrame({ opcode: step.opcode, fin: step.fin !== false, maskingKey: key, lengthOverride: step.length });
          this.logTx(header);
          this.streamKey = key;
          this.streamAt = 0;
          await this.write(header, undefined, true);
          break;
        }
        case 'data': {
          const out = new Uint8Array(step.bytes.length);
          for (let i = 0; i < out.length; i++) out[i] = step.bytes[i] ^ this.streamKey[(this.streamAt + i) & 3];
          this.streamAt += out.length;
          this.note(`payload part of ${out.length} bytes`);
          await this.write(out, undefined, true);
          break;
        }
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

  /** Starts an echo case: UNIMPLEMENTED when its deflate offer was declined, else the first message and WAITSECS. */
  startEcho(): void {
    const e = this.c.echo!;
    if (this.outcome.deflate === false) {
      this.note('the server did not accept permessage-deflate: the case does not apply');
      this.sendClose(1000);
      return;
    }
    if (this.deflate) this.note(`permessage-deflate accepted: ${this.outcome.deflate}`);
    this.after(e.waitSeconds * 1000 * this.opts.timeScale, () => {
      if (this.state !== OPEN) return;
      this.outcome.failure = `Only ${this.outcome.echoed} of ${e.count} messages came back within ${e.waitSeconds} s.`;
      this.sendClose(1000);
    });
    this.echoStart = performance.now();
    this.sendEcho();
  }

  private sendEcho(): void {
    const e = this.c.echo!;
    const i = this.outcome.echoed;
    const plain = echoPayload(e, i);
    this.echoExpected = plain;
    const body = this.deflate ? this.deflate.compress(plain) : plain;
    const size = e.fragmentSize && e.fragmentSize > 0 ? e.fragmentSize : Math.max(body.length, 1);
    const frames: Uint8Array[] = [];
    for (let at = 0; at === 0 || at < body.length; at += size) {
      frames.push(encodeFrame({
        opcode: at === 0 ? (e.binary ? 2 : 1) : 0,
        fin: at + size >= body.length,
        rsv1: at === 0 && this.deflate !== null,
        payload: body.subarray(at, at + size),
        maskingKey: randomBytes(4),
      }));
    }
    if (i < 3 || i === e.count - 1) {
      this.note(`message ${i + 1} of ${e.count}: ${plain.length} bytes${this.deflate ? `, ${body.length} compressed` : ''}, in ${frames.length} frame${frames.length === 1 ? '' : 's'}${e.chop ? ` written in pieces of ${e.chop} bytes` : ''}`);
      this.logTx(frames[0]);
    }
    const bytes = frames.length === 1 ? frames[0] : Buffer.concat(frames);
    void this.write(bytes, e.chop, false);
  }

  private onEcho(ev: Observed): void {
    if (ev.type !== 'message' || this.state !== OPEN || this.echoExpected === null) return;
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

  private streamKey: Uint8Array = new Uint8Array(4);
  private streamAt = 0;
}

const DEFAULTS: Required<RunOptions> = {
  timeScale: 1,
  closeTimeoutMs: 1000,
  dropTimeoutMs: 1000,
  openTimeoutMs: 5000,
  caseCapMs: 60_000,
  maxPayload: 16 * 1024 * 1024,
  tap: null,
};

/** Runs one case against the target and judges it. Never throws. */
export async function runCase(target: Target, c: ConformCase, options: RunOptions = {}): Promise<CaseResult & { serverHeader: string | null }> {
  const scale = options.timeScale !== undefined && options.timeScale > 0 && Number.isFinite(options.timeScale) ? options.timeScale : 1;
  const opts: Required<RunOptions> = {
    ...DEFAULTS,
    ...options,
    timeScale: scale,
    closeTimeoutMs: options.closeTimeoutMs ?? DEFAULTS.closeTimeoutMs * scale,
    dropTimeoutMs: options.dropTimeoutMs ?? DEFAULTS.dropTimeoutMs * scale,
  };
  // An echo case may take its WAITSECS (up to 1000 s at Autobahn's sizes) before its timer fires.
  if (c.echo) opts.caseCapMs = Math.max(opts.caseCapMs, (c.echo.waitSeconds * opts.timeScale + 10) * 1000);
  const conn = new CaseConnection(target, c, opts);
  const started = performance.now();
  const cap = setTimeout(() => {
    conn.note(`the case ran past its ${opts.caseCapMs} ms cap`);
    conn.drop();
  }, opts.caseCapMs);
  try {
    if (c.echo) {
      if (await conn.open()) conn.startEcho();
    } else if (await conn.open()) {
      await conn.runSteps(c.steps);
      if (!conn.closed) {
        conn.after(c.end.seconds * 1000 * opts.timeScale, () => {
          if (c.end.after === 'kill') conn.failConnection(1001, `the case's ${c.end.seconds} s ran out`);
          else conn.sendClose(1000);
        });
      }
    }
    await conn.finished;
  } catch (err) {
    conn.note(`runner error: ${(err as Error).message}`);
    conn.drop();
  } finally {
    clearTimeout(cap);
  }
  const verdicts = c.echo ? judgeEcho(c, conn.outcome, conn.facts) : judge(c, conn.received, conn.facts);
  return {
    id: c.id,
    rfc: c.rfc,
    description: c.description,
    expectation: c.expectation,
    ...verdicts,
    durationMs: Math.round(performance.now() - started),
    close: conn.facts,
    received: conn.received,
    wire: conn.wire,
    serverHeader: conn.serverHeader,
  };
}

/** Runs cases one after another (as Autobahn does), reporting each result as it is judged. */
export async function runSuite(
  target: Target,
  cases: readonly ConformCase[],
  onResult: (r: CaseResult) => void = () => {},
  options: RunOptions = {},
): Promise<{ results: CaseResult[]; serverHeader: string | null }> {
  const results: CaseResult[] = [];
  let serverHeader: string | null = null;
  for (const c of cases) {
    const r = await runCase(target, c, options);
    serverHeader ??= r.serverHeader;
    const { serverHeader: _, ...result } = r;
    results.push(result);
    onResult(result);
  }
  return { results, serverHeader };
}
