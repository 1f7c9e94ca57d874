// The illustrated connection: one WebSocket session from TCP connect to close, played by a raw
// client built on the codec (server/core/wire) against this server's /lab/echo?deflate=1, and
// recorded from the tap's events (handshake and frame), not from the client's own bytes. The
// client's bytes are kept only to check the tap: a record that differs from what crossed the
// socket is an error, never a trace.
//
// The script: upgrade offering permessage-deflate; a masked text message and its unmasked echo; a
// text message in two fragments with a ping between them (answered by a pong before the second
// fragment is sent); a compressed (RSV1) message; a close from the client and the server's reply;
// the server ends TCP. Each step waits for the server's answer, so the order never varies.
import { connect } from 'node:net';
import { constants, deflateRawSync } from 'node:zlib';
import { encodeFrame, closePayload, parseHex, DEFLATE_TAIL, createReader } from '../core/wire/index.ts';
import type { FrameSpec } from '../core/wire/types.ts';
import type { EventBus } from '../stream/bus.ts';
import type { WslabEvent } from '../core/events/schema.ts';
import { SCRIPT, type Trace, type TraceRecord } from '../core/illustrated/trace.ts';
import { headEnd } from '../connection/tap/http-head.ts';
import { HttpError } from '../http/json.ts';
import { safeTimeout } from '../process/safe.ts';

export const LAB_PATH = '/lab/echo?deflate=1';
/** The whole session takes a few hundred bytes; anything past this is not our echo server. */
export const MAX_SESSION_BYTES = 64 * 1024;
export const SESSION_TIMEOUT_MS = 5000;

export interface SessionTarget {
  /** where to connect */
  host: string;
  port: number;
  bus: EventBus;
}

const utf8 = (s: string) => new TextEncoder().encode(s);

function bytesOf(hex: string): Uint8Array {
  const parsed = parseHex(hex);
  if ('error' in parsed) throw new Error(`bad hex in the session inputs: ${parsed.error}`);
  return parsed.bytes;
}

/** permessage-deflate as a client with a 1 KiB window and no context takeover (RFC 7692 §7.2.1): the trailing 00 00 ff ff removed. */
function deflateMessage(text: string): Uint8Array {
  const out = deflateRawSync(utf8(text), { windowBits: 10, memLevel: 8, finishFlush: constants.Z_SYNC_FLUSH });
  const tail = out.length - DEFLATE_TAIL.length;
  return new Uint8Array(out.subarray(0, tail));
}

/** The upgrade request, byte for byte. */
export function upgradeRequest(hostHeader: string, key: string): string {
  return [
    `GET ${LAB_PATH} HTTP/1.1`,
    `Host: ${hostHeader}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${key}`,
    'Sec-WebSocket-Version: 13',
    'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits',
    '',
    '',
  ].join('\r\n');
}

/** Hex of a frame as it crossed the wire, rebuilt from a tap frame event (its payload is unmasked). */
function wireHex(e: Extract<WslabEvent, { type: 'frame' }>): string {
  const payload = bytesOf(e.payloadHex);
  if (e.truncated || payload.length !== e.payloadLength) throw new Error(`the tap kept only part of frame at ${e.offset}`);
  const key = e.maskingKey ? bytesOf(e.maskingKey) : null;
  const masked = key ? payload.map((b, i) => b ^ key[i % 4]!) : payload;
  return e.headerHex + Buffer.from(masked).toString('hex');
}

/**
 * Plays the session and returns the tap's records of it. `inputs.host` is the Host header sent,
 * `inputs.key` the Sec-WebSocket-Key, `inputs.masks` the client's six masking keys.
 */
export function runSession(target: SessionTarget, inputs: Trace['inputs']): Promise<Trace> {
  const masks = inputs.masks.map(bytesOf);
  if (masks.length !== 6 || masks.some((m) => m.length !== 4)) throw new Error('the session needs six 4-byte masking keys');
  const frame = (i: number, spec: Omit<FrameSpec, 'maskingKey'>) => encodeFrame({ ...spec, maskingKey: masks[i] });
  const steps: { send: Uint8Array[]; until: (op: number, fin: boolean) => boolean }[] = [
    { send: [frame(0, { opcode: 1, payload: utf8(SCRIPT.text) })], until: (op) => op === 1 },
    {
      send: [frame(1, { opcode: 1, fin: false, payload: utf8(SCRIPT.fragments[0]) }), frame(2, { opcode: 9, payload: utf8(SCRIPT.ping) })],
      until: (op) => op === 10,
    },
    { send: [frame(3, { opcode: 0, payload: utf8(SCRIPT.fragments[1]) })], until: (op) => op === 1 },
    { send: [frame(4, { opcode: 1, rsv1: true, payload: deflateMessage(SCRIPT.deflated) })], until: (op) => op === 1 },
    { send: [frame(5, { opcode: 8, payload: closePayload(SCRIPT.closeCode, SCRIPT.closeReason) })], until: (op) => op === 8 },
  ];

  return new Promise((resolve, reject) => {
    // only this session's connection: the one whose client port is ours (a few dozen events)
    const seen: WslabEvent[] = [];
    let localPort = -1;
    let conn: string | undefined;
    const unsubscribe = target.bus.subscribe((e: WslabEvent) => {
      if (e.type === 'conn.open' && conn === undefined && e.remote.port === localPort) conn = e.conn;
      else if ((e.type === 'handshake' || e.type === 'frame' || e.type === 'close') && e.conn === conn) seen.push(e);
    });
    const socket = connect({ host: target.host, port: target.port });
    const request = upgradeRequest(inputs.host, inputs.key);
    const sent: Uint8Array[] = [Buffer.from(request, 'latin1')];
    const received: Buffer[] = [];
    let receivedBytes = 0;
    let head: Buffer | null = Buffer.alloc(0);
    const reader = createReader({ direction: 'server', perMessageDeflate: true });
    let step = -1;
    let done = false;
    /** waits for the tap's close event after the socket closed; ended with the session */
    let stopWaiting = () => {};

    const fail = (err: Error) => {
      if (done) return;
      done = true;
      clearTimeout(deadline);
      unsubscribe();
      stopWaiting();
      socket.destroy();
      reject(err);
    };
    const deadline = safeTimeout('the illustrated session', () => fail(new HttpError(504, `the session did not finish within ${SESSION_TIMEOUT_MS / 1000} s`)), SESSION_TIMEOUT_MS);
    const next = () => {
      step++;
      if (step >= steps.length) return;
      for (const bytes of steps[step]!.send) sent.push(bytes);
      socket.write(Buffer.concat(steps[step]!.send));
    };
    const onFrames = (chunk: Uint8Array) => {
      for (const ev of reader.push(chunk)) {
        if (ev.type === 'violation') return fail(new Error(`the server broke a rule: ${ev.violation.reason}`));
        if (steps[step]?.until(ev.frame.opcode, ev.frame.fin)) next();
      }
    };

    socket.on('connect', () => {
      localPort = socket.localPort ?? -1;
      socket.write(request);
    });
    socket.on('data', (chunk: Buffer) => {
      receivedBytes += chunk.length;
      if (receivedBytes > MAX_SESSION_BYTES) return fail(new HttpError(502, `the server sent more than ${MAX_SESSION_BYTES} bytes`));
      received.push(chunk);
      if (head) {
        head = Buffer.concat([head, chunk]);
        const end = headEnd(head);
        if (end < 0) return;
        const status = head.subarray(0, end).toString('latin1').split(' ')[1];
        if (status !== '101') return fail(new HttpError(502, `the server answered the upgrade with ${status}, not 101`));
        const rest = head.subarray(end);
        head = null;
        next();
        if (rest.length) onFrames(rest);
        return;
      }
      onFrames(chunk);
    });
    socket.on('error', (err) => fail(new HttpError(502, `the session's connection failed: ${err.message}`)));
    socket.on('close', () => {
      if (done) return;
      if (step < steps.length) return fail(new HttpError(502, 'the server closed the connection before the session ended'));
      // the tap publishes the connection's close event once its socket has closed: every record is in by then
      const closed = () => seen.some((e) => e.type === 'close');
      const finish = () => {
        done = true;
        clearTimeout(deadline);
        unsubscribe();
        try {
          resolve(toTrace(inputs, seen, Buffer.concat(sent), Buffer.concat(received)));
        } catch (err) {
          reject(err);
        }
      };
      if (closed()) return finish();
      stopWaiting = target.bus.subscribe(() => {
        if (closed()) {
          stopWaiting();
          finish();
        }
      });
    });
  });
}

/** The tap's events of one connection as trace records, checked against the bytes the client wrote and read. */
function toTrace(inputs: Trace['inputs'], events: WslabEvent[], sent: Buffer, received: Buffer): Trace {
  const records: TraceRecord[] = [{ kind: 'tcp', dir: 'client', step: 'connect' }];
  for (const e of events) {
    if (e.type === 'handshake') {
      records.push({ kind: 'http', dir: 'client', hex: Buffer.from(e.request.raw, 'latin1').toString('hex') });
      records.push({ kind: 'http', dir: 'server', hex: Buffer.from(e.response.raw, 'latin1').toString('hex') });
    } else if (e.type === 'frame') {
      records.push({ kind: 'frame', dir: e.dir === 'c2s' ? 'client' : 'server', hex: wireHex(e), inflated: e.inflated });
    }
  }
  records.push({ kind: 'tcp', dir: 'server', step: 'close' });
  const joined = (dir: 'client' | 'server') => records.filter((r) => r.dir === dir && r.kind !== 'tcp').map((r) => ('hex' in r ? r.hex : '')).join('');
  if (joined('client') !== sent.toString('hex')) throw new Error('the tap\'s client records differ from the bytes the client wrote');
  if (joined('server') !== received.toString('hex')) throw new Error('the tap\'s server records differ from the bytes the client read');
  return { version: 1, inputs, records };
}
