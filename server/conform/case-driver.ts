// One conformance case on one open WebSocket, for either role the suite plays: the client testing
// a server (`wslab conform`, runner.ts opens the connection) or the server testing a client
// (`--serve`, serve.ts accepts it). The driver steps the case's frames and write pieces, reads the
// peer's frames with the codec in server/core/wire, answers Pings and Closes, counts and judges the
// echoes of chapters 9, 12 and 13, keeps the close handshake's facts and every timer, as Autobahn's
// WebSocketProtocol does with failByDrop off. What differs by role: the suite masks its frames as
// a client and expects the peer's masked as a server; after a closing handshake the client gives
// the server `dropTimeoutMs` to end TCP while the server ends TCP itself; and every sentence names
// the right side. Every timer and buffer is bounded; a case never outlives its cap.
import type { Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import { createReader, encodeFrame, parseClosePayload, type WireReader } from '../core/wire/index.ts';
import { allExpectedMet, echoMismatch, frameLine } from '../core/conform/verdict.ts';
import { echoPayload } from '../core/conform/cases-12-13.ts';
import { echoSentNote, maskOddity, masksFrames, peerOf, readFrameHead, type Role } from '../core/conform/roles.ts';
import type { CaseResult, CloseFacts, ConformCase, EchoOutcome, Observed, Step, WireRecord } from '../core/conform/types.ts';
import type { DeflateSession } from './deflate.ts';

export type { Role } from '../core/conform/roles.ts';

/** The timers and bounds of one case, already scaled. */
export interface DriverOptions {
  /** multiplies the case's own timers (Autobahn's killAfter, closeAfter, WAITSECS) */
  timeScale: number;
  /** ms a closing handshake the suite started may take before it drops TCP */
  closeTimeoutMs: number;
  /** ms the server has to end TCP after a closing handshake (the client role only) */
  dropTimeoutMs: number;
  /** hard cap on one case, whatever its timers say (an echo case gets its WAITSECS and 10 s more) */
  caseCapMs: number;
  /** largest frame or message accepted from the peer (an echo case's own size always fits) */
  maxPayload: number;
}

/** A time scale as given, or 1 when it is missing, not positive or not finite. */
export function timeScaleOf(t: number | undefined): number {
  return t !== undefined && t > 0 && Number.isFinite(t) ? t : 1;
}

/** Events kept per case: no case expects more than 11; a peer flooding the suite is cut off here. */
const MAX_EVENTS = 1000;
/** Wire records kept per case; later ones are counted, not kept. */
const MAX_WIRE = 2000;

const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

export class CaseDriver {
  state = 0;
  readonly received: Observed[] = [];
  readonly wire: WireRecord[] = [];
  readonly facts: CloseFacts = {
    opened: false, closedByMe: false, failedByMe: false, droppedByMe: false, wasClean: false,
    notCleanReason: null, remoteCloseCode: null, remoteCloseReason: null, localCloseCode: null, serverViolation: null,
  };
  /** an echo case: whether deflate was accepted, how many came back, why not all */
  readonly outcome: EchoOutcome = { deflate: null, echoed: 0, failure: null, elapsedMs: 0 };
  /** the negotiated permessage-deflate, when the case offered it and it was accepted */
  protected deflate: DeflateSession | null = null;
  protected socket: Socket | null = null;
  private reader: WireReader | null = null;
  private readonly start = performance.now();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private readonly peer: Role;
  private fragments: Uint8Array[] = [];
  private fragmentBytes = 0;
  private fragmentOpcode = 0;
  /** the first frame of the message being received had RSV1 set */
  private compressed = false;
  private wireDropped = 0;
  /** the suite ended TCP itself after a closing handshake (the server role) */
  private endedTcp = false;
  private echoExpected: Uint8Array | null = null;
  private echoStart = 0;
  /** the masking key of the frame begun by a `frameStart` step, and how far its payload got */
  private streamKey: Uint8Array | null = null;
  private streamAt = 0;
  private done!: () => void;
  readonly finished = new Promise<void>((resolve) => (this.done = resolve));

  constructor(
    readonly role: Role,
    readonly c: ConformCase,
    readonly opts: DriverOptions,
  ) {
    this.peer = peerOf(role);
  }

  /** The largest frame or message read from the peer: an echo case's own messages always fit. */
  get frameLimit(): number {
    return this.c.echo ? Math.max(this.opts.maxPayload, this.c.echo.length + 1024) : this.opts.maxPayload;
  }

  /** Takes the connection's socket: its errors and its end are the case's from now on. */
  protected attach(socket: Socket): void {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('error', (err) => {
      if (!this.facts.opened) this.facts.notCleanReason = `cannot connect: ${err.message}`;
      else if (this.state !== CLOSED && !this.facts.wasClean) this.facts.notCleanReason ??= `the TCP connection failed: ${err.message}`;
    });
    socket.on('close', () => this.onTcpClosed());
  }

  /** The WebSocket is open: read the peer's frames (RSV1 allowed once permessage-deflate is on). */
  protected opened(): void {
    this.facts.opened = true;
    this.state = OPEN;
    this.reader = createReader({ direction: this.peer, maxPayload: this.frameLimit, isUtf8, perMessageDeflate: this.deflate !== null });
  }

  /** A masking key for a frame the suite sends, or null when its role sends unmasked. */
  private maskingKey(): Uint8Array | null {
    return masksFrames(this.role) ? randomBytes(4) : null;
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

  /**
   * Runs the case: `open` brings the WebSocket up (false: it did not open), then the echoes or the
   * steps and the case's end timer; resolves when TCP is gone or the cap dropped it. Never throws.
   */
  async run(open: () => boolean | Promise<boolean>): Promise<void> {
    const c = this.c;
    // An echo case may take its WAITSECS (up to 1000 s at Autobahn's sizes) before its timer fires.
    const capMs = c.echo ? Math.max(this.opts.caseCapMs, (c.echo.waitSeconds * this.opts.timeScale + 10) * 1000) : this.opts.caseCapMs;
    const cap = setTimeout(() => {
      this.note(`the case ran past its ${capMs} ms cap`);
      this.drop();
    }, capMs);
    try {
      if (await open()) {
        if (c.echo) this.startEcho();
        else {
          await this.runSteps(c.steps);
          if (!this.closed) {
            this.after(c.end.seconds * 1000 * this.opts.timeScale, () => {
              if (c.end.after === 'kill') this.failConnection(1001, `the case's ${c.end.seconds} s ran out`);
              else this.sendClose(1000);
            });
          }
        }
      }
      await this.finished;
    } catch (err) {
      this.note(`${this.role === 'client' ? 'runner' : 'server'} error: ${(err as Error).message}`);
      this.drop();
    } finally {
      clearTimeout(cap);
    }
  }

  /** The case's result once it ran: its words (as the role reads them), its verdicts, what was seen. */
  result(words: Pick<CaseResult, 'description' | 'expectation'>, verdicts: Pick<CaseResult, 'behavior' | 'behaviorClose' | 'expected' | 'observed' | 'why'>): CaseResult {
    return {
      id: this.c.id,
      rfc: this.c.rfc,
      description: words.description,
      expectation: words.expectation,
      ...verdicts,
      durationMs: Math.round(performance.now() - this.start),
      close: this.facts,
      received: this.received,
      wire: this.wire,
    };
  }

  onBytes(chunk: Uint8Array): void {
    if (!this.reader || this.state === CLOSED) return;
    for (const ev of this.reader.push(chunk)) {
      if (ev.type === 'violation') {
        const v = ev.violation;
        this.facts.serverViolation = `${v.reason} (RFC 6455 §${v.rfc})`;
        this.note(`${this.peer} broke a rule: ${v.reason}`);
        this.failConnection(v.closeCode, v.kind);
        return;
      }
      const f = ev.frame;
      const rsv = (f.rsv1 ? 4 : 0) | (f.rsv2 ? 2 : 0) | (f.rsv3 ? 1 : 0);
      this.record('rx', frameLine(f.opcode, f.fin, rsv, f.payloadLength, f.payload, maskOddity(this.peer, f.masked)));
      this.onFrame(f.opcode, f.fin, f.payload, f.rsv1);
      if (this.state === CLOSED) return;
    }
  }

  private peerBrokeRule(violation: string, code: number, why: string): void {
    this.facts.serverViolation = violation;
    this.note(`${this.peer} broke a rule: ${violation}`);
    this.failConnection(code, why);
  }

  private onFrame(opcode: number, fin: boolean, payload: Uint8Array, rsv1: boolean): void {
    if (opcode === 8) return this.onCloseFrame(payload);
    if (opcode === 9) {
      if (this.state === OPEN) this.send(encodeFrame({ opcode: 10, payload, maskingKey: this.maskingKey() }), 'auto-reply');
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
    if (!fin) return;
    let whole: Uint8Array = Buffer.concat(this.fragments, this.fragmentBytes);
    this.fragments = [];
    this.fragmentBytes = 0;
    if (this.compressed && this.deflate) {
      const r = this.deflate.inflate(whole);
      if ('error' in r) return this.peerBrokeRule(`a compressed message does not inflate: ${r.error} (RFC 7692 §7.2.2)`, 1007, 'a compressed message does not inflate');
      whole = r.data;
      if (this.fragmentOpcode === 1 && !isUtf8(whole)) return this.peerBrokeRule('a compressed text message inflates to invalid UTF-8 (RFC 6455 §8.1)', 1007, 'invalid UTF-8 in a text message');
    }
    this.push({ type: 'message', binary: this.fragmentOpcode === 2, payload: new Uint8Array(whole.buffer, whole.byteOffset, whole.length) });
  }

  /** Autobahn's onMessage/onPing/onPong then finishWhenDone; an echo case's messages are counted, not kept. */
  private push(e: Observed): void {
    if (this.c.echo) return this.onEcho(e);
    if (this.received.length >= MAX_EVENTS) {
      this.failConnection(1008, `the ${this.peer} sent more than ${MAX_EVENTS} messages and control frames in one case`);
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
      // The peer started the closing handshake: answer with its code, as autobahn does.
      const reply = this.facts.remoteCloseCode === null ? new Uint8Array(0) : payload.subarray(0, 2);
      this.send(encodeFrame({ opcode: 8, payload: reply, maskingKey: this.maskingKey() }), 'reply');
      this.facts.localCloseCode = this.facts.remoteCloseCode;
      this.state = CLOSING;
    }
    if (this.state === CLOSING && !this.facts.wasClean) {
      this.facts.wasClean = true;
      this.facts.notCleanReason = null;
      if (this.role === 'server') this.endTcp();
      else {
        this.after(this.opts.dropTimeoutMs, () => {
          if (this.state !== CLOSED) {
            this.facts.wasClean = false;
            this.facts.notCleanReason = `the server did not end the TCP connection within ${this.opts.dropTimeoutMs} ms of the closing handshake`;
            this.drop();
          }
        });
      }
    }
  }

  /** After a closing handshake the server ends TCP: a FIN, then the socket is let go. */
  private endTcp(): void {
    this.endedTcp = true;
    this.note('server ends TCP');
    this.socket?.end();
    // a client that never answers the FIN does not hold the case open
    this.after(this.opts.closeTimeoutMs, () => this.socket?.destroy());
  }

  /** Start the closing handshake (autobahn's sendCloseFrame with isReply false). */
  sendCloseFrame(payload: Uint8Array): void {
    if (this.state !== OPEN) return;
    this.send(encodeFrame({ opcode: 8, payload, maskingKey: this.maskingKey() }));
    this.facts.closedByMe = true;
    this.facts.localCloseCode = payload.length >= 2 ? (payload[0] << 8) | payload[1] : null;
    this.state = CLOSING;
    this.after(this.opts.closeTimeoutMs, () => {
      if (this.state === CLOSING && !this.facts.wasClean) {
        this.facts.notCleanReason = `the ${this.peer} did not answer the ${this.role}'s Close within ${this.opts.closeTimeoutMs} ms`;
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
    this.note(`${this.role} fails the connection (${code}): ${why}`);
    if (this.state === OPEN) this.sendClose(code);
    else {
      this.facts.wasClean = false;
      this.facts.notCleanReason = `the ${this.role} dropped the TCP connection while closing`;
      this.drop();
    }
  }

  drop(): void {
    if (this.state === CLOSED) return;
    if (this.facts.opened) this.facts.droppedByMe = true;
    this.note(`${this.role} drops TCP`);
    this.socket?.destroy();
    this.onTcpClosed();
  }

  private onTcpClosed(): void {
    if (this.state === CLOSED) return;
    const wasOpen = this.state === OPEN;
    this.state = CLOSED;
    if (this.facts.opened && !this.facts.wasClean && this.facts.notCleanReason === null) {
      this.facts.notCleanReason = wasOpen
        ? `the ${this.peer} dropped the TCP connection without a closing handshake`
        : `the ${this.peer} dropped the TCP connection without answering the ${this.role}'s Close`;
    }
    if (!this.facts.droppedByMe && !this.endedTcp) this.note(`${this.peer} ended TCP`);
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
    const h = readFrameHead(bytes);
    this.record('tx', frameLine(h.opcode, h.fin, h.rsv, h.length, new Uint8Array(0), maskOddity(this.role, h.masked)) + (label ? ` (${label})` : ''));
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
            maskingKey: step.unmasked ? null : this.maskingKey(),
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
          // The header of a frame whose payload follows in `data` steps, masked (a client's) with the same key.
          const key = this.maskingKey();
          const header = encodeFrame({ opcode: step.opcode, fin: step.fin !== false, maskingKey: key, lengthOverride: step.length });
          this.logTx(header);
          this.streamKey = key;
          this.streamAt = 0;
          await this.write(header, undefined, true);
          break;
        }
        case 'data': {
          const key = this.streamKey;
          let out = step.bytes;
          if (key) {
            out = new Uint8Array(step.bytes.length);
            for (let i = 0; i < out.length; i++) out[i] = step.bytes[i] ^ key[(this.streamAt + i) & 3];
            this.streamAt += out.length;
          }
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
  private startEcho(): void {
    const e = this.c.echo!;
    if (this.outcome.deflate === false) {
      this.note(`the ${this.role === 'client' ? 'server did not accept' : 'client did not offer'} permessage-deflate: the case does not apply`);
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

  /** The next message, in the case's frames (compressed when deflate is on), written in the case's pieces. */
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
        maskingKey: this.maskingKey(),
      }));
    }
    if (i < 3 || i === e.count - 1) {
      this.note(echoSentNote(i, e.count, plain.length, this.deflate ? body.length : null, frames.length, e.chop));
      this.logTx(frames[0]);
    }
    void this.write(frames.length === 1 ? frames[0] : Buffer.concat(frames), e.chop, false);
  }

  private onEcho(ev: Observed): void {
    if (ev.type !== 'message' || this.state !== OPEN || this.echoExpected === null) return;
    const e = this.c.echo!;
    const failure = echoMismatch(e, this.outcome.echoed, ev, this.echoExpected);
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
}
