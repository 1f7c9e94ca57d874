// `wslab watch --summary`: one line per second instead of one per event, for labs busy enough that
// a line per frame floods the screen. Pure: events in, lines out; the clock and the printing are
// the caller's (server/cli/watch.ts).

/** The few fields of an event the summary reads (any event of the schema has them or lacks them). */
export interface SummaryEvent {
  seq: number;
  type: string;
  conn?: string;
  dir?: string;
  opcode?: number;
  headerLength?: number;
  payloadLength?: number;
}

/** Opcode names in the order the line lists them (RFC 6455 §5.2); others print as OP0xN. */
const OPCODE_NAMES: Record<number, string> = { 0: 'CONT', 1: 'TEXT', 2: 'BINARY', 8: 'CLOSE', 9: 'PING', 10: 'PONG' };
const ORDER = [1, 2, 0, 9, 10, 8];

export interface SummaryWindow {
  /** lab connections open at the end of the window */
  connections: number;
  /** frames in the window by opcode */
  frames: Map<number, number>;
  /** wire bytes (header + payload) client → server and server → client */
  bytesIn: number;
  bytesOut: number;
}

export class SummaryAggregator {
  /** connections the server reported when the baseline was taken, minus those closed since */
  private base = 0;
  /** events with seq below this are already counted in `base` */
  private baseSeq = 0;
  private readonly opened = new Set<string>();
  private frames = new Map<number, number>();
  private bytesIn = 0;
  private bytesOut = 0;

  /**
   * The server's own count (GET /__wslab/health `connections`) at its `headSeq`: events before that
   * seq are already in the count, so only later conn.open/close events move it.
   */
  setBaseline(connections: number, headSeq: number): void {
    this.base = connections;
    this.baseSeq = headSeq;
    this.opened.clear();
  }

  add(e: SummaryEvent): void {
    if (e.type === 'frame') {
      const op = e.opcode ?? -1;
      this.frames.set(op, (this.frames.get(op) ?? 0) + 1);
      const bytes = (e.headerLength ?? 0) + (e.payloadLength ?? 0);
      if (e.dir === 'c2s') this.bytesIn += bytes;
      else this.bytesOut += bytes;
      return;
    }
    if (e.seq < this.baseSeq || e.conn === undefined) return;
    if (e.type === 'conn.open') this.opened.add(e.conn);
    else if (e.type === 'close') {
      if (!this.opened.delete(e.conn)) this.base = Math.max(0, this.base - 1);
    }
  }

  get connections(): number {
    return this.base + this.opened.size;
  }

  /** The window so far, and a fresh one started. */
  take(): SummaryWindow {
    const w = { connections: this.connections, frames: this.frames, bytesIn: this.bytesIn, bytesOut: this.bytesOut };
    this.frames = new Map();
    this.bytesIn = 0;
    this.bytesOut = 0;
    return w;
  }
}

export function opcodeLabel(op: number): string {
  return OPCODE_NAMES[op] ?? `OP0x${op.toString(16).toUpperCase()}`;
}

const n = (x: number) => Math.round(x).toLocaleString('en-US');

/**
 * One window as a line, rates per second over `seconds`:
 * `12:00:01  conns 3  frames/s 122 (TEXT 120, PING 1, PONG 1)  bytes/s 4,812 (in 1,200, out 3,612)`.
 * "in" is client → server, "out" server → client, as the server sees them.
 */
export function formatSummary(w: SummaryWindow, clock: string, seconds = 1): string {
  const ops = [...w.frames.keys()].sort((a, b) => rank(a) - rank(b));
  let total = 0;
  for (const c of w.frames.values()) total += c;
  const per = ops.map((op) => `${opcodeLabel(op)} ${n(w.frames.get(op)! / seconds)}`).join(', ');
  const bytes = (w.bytesIn + w.bytesOut) / seconds;
  return `${clock}  conns ${w.connections}  frames/s ${n(total / seconds)}${per ? ` (${per})` : ''}  bytes/s ${n(bytes)} (in ${n(w.bytesIn / seconds)}, out ${n(w.bytesOut / seconds)})`;
}

function rank(op: number): number {
  const i = ORDER.indexOf(op);
  return i < 0 ? 100 + op : i;
}

/** HH:MM:SS of a date, local time. */
export function clockOf(d: Date): string {
  const p = (x: number) => String(x).padStart(2, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
