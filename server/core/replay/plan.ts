// `wslab replay`: what a recorded connection's client sent (to send again, at its times) and what
// its server answered (to compare with), from the events of one connection (an import, or a
// session). Data messages are assembled from their frames; a message the recording kept only the
// start of (the history keeps 64 bytes a frame; a HAR keeps messages whole) is named as such. Pure.
import type { TimedBody } from '../import/index.ts';
import { hexBytes } from '../export/connections.ts';

type FrameBody = Extract<TimedBody, { type: 'frame' }>;

export interface RecordedMessage {
  /** ms after the connection's first recorded frame */
  at: number;
  opcode: number;
  data: Uint8Array;
  /** the recording kept only the first bytes: data is a prefix of a message of `length` bytes */
  truncated: boolean;
  length: number;
}

export interface ReplayPlan {
  conn: string;
  path: string;
  subprotocol: string | null;
  client: RecordedMessage[];
  server: RecordedMessage[];
  /** the client's close frame, if it sent one */
  clientClose: { at: number; code: number | null; reason: string } | null;
}

function assemble(frames: FrameBody[], t0: number): RecordedMessage[] {
  const out: RecordedMessage[] = [];
  let parts: FrameBody[] | null = null;
  for (const f of frames) {
    if (f.opcode === 1 || f.opcode === 2) parts = [f];
    else if (f.opcode === 0 && parts) parts.push(f);
    else continue;
    if (!f.fin) continue;
    const first = parts[0];
    const compressed = first.rsv1;
    let data: Uint8Array;
    let truncated = parts.some((p) => p.truncated);
    if (compressed) {
      // the application's message is the inflated text (a preview); binary compressed messages are not known
      data = new TextEncoder().encode(f.inflated ?? '');
      truncated = truncated || f.inflated === null || first.opcode !== 1;
    } else data = hexBytes(parts.map((p) => p.payloadHex).join(''));
    out.push({ at: first.t - t0, opcode: first.opcode, data, truncated, length: compressed ? data.length : parts.reduce((n, p) => n + p.payloadLength, 0) });
    parts = null;
  }
  return out;
}

/** The plan for `conn` (default: the first connection with frames); null when there is none. */
export function replayPlan(events: readonly TimedBody[], conn?: string): ReplayPlan | null {
  const id = conn ?? events.find((e) => e.type === 'frame')?.conn;
  if (id === undefined) return null;
  const mine = events.filter((e) => 'conn' in e && e.conn === id);
  const frames = mine.filter((e): e is FrameBody => e.type === 'frame');
  if (frames.length === 0) return null;
  const open = mine.find((e) => e.type === 'conn.open') as Extract<TimedBody, { type: 'conn.open' }> | undefined;
  const hs = mine.find((e) => e.type === 'handshake') as Extract<TimedBody, { type: 'handshake' }> | undefined;
  const t0 = frames[0].t;
  const close = frames.find((f) => f.dir === 'c2s' && f.opcode === 8);
  return {
    conn: id,
    path: open?.path ?? hs?.request.target ?? '/',
    subprotocol: open?.subprotocol ?? null,
    client: assemble(frames.filter((f) => f.dir === 'c2s'), t0),
    server: assemble(frames.filter((f) => f.dir === 's2c'), t0),
    clientClose: close ? { at: close.t - t0, code: close.closeCode, reason: close.closeReason ?? '' } : null,
  };
}

export interface Difference {
  /** the server's answer, counted from 1 */
  index: number;
  kind: 'differs' | 'missing' | 'extra';
  recorded: string | null;
  got: string | null;
}

/** How a message reads in a report: text as JSON-quoted text, binary as hex; cut at 120 characters. */
export function describeMessage(m: { opcode: number; data: Uint8Array; truncated?: boolean; length?: number }): string {
  let s: string;
  if (m.opcode === 1) {
    s = JSON.stringify(new TextDecoder().decode(m.data));
  } else s = '0x' + [...m.data].map((b) => b.toString(16).padStart(2, '0')).join('');
  if (s.length > 120) s = s.slice(0, 119) + '…';
  return m.truncated ? `${s} (first ${m.data.length} of ${m.length} bytes recorded)` : s;
}

/** The server's answers against the recording, in order. A recorded prefix matches an answer that starts with it. */
export function compareAnswers(recorded: RecordedMessage[], got: { opcode: number; data: Uint8Array }[]): Difference[] {
  const out: Difference[] = [];
  const n = Math.max(recorded.length, got.length);
  for (let i = 0; i < n; i++) {
    const r = recorded[i];
    const g = got[i];
    if (!g) out.push({ index: i + 1, kind: 'missing', recorded: describeMessage(r), got: null });
    else if (!r) out.push({ index: i + 1, kind: 'extra', recorded: null, got: describeMessage(g) });
    else {
      const same = r.opcode === g.opcode && (r.truncated ? g.data.length >= r.data.length && r.data.every((b, k) => g.data[k] === b) : r.data.length === g.data.length && r.data.every((b, k) => g.data[k] === b));
      if (!same) out.push({ index: i + 1, kind: 'differs', recorded: describeMessage(r), got: describeMessage(g) });
    }
  }
  return out;
}
