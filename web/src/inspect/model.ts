// The inspector's model: filters, incremental filtering over the store's frames, previews that
// make control characters visible, NDJSON export, the eviction notices, and the Frame the
// anatomy components draw, rebuilt from a frame event. Pure: no React, no DOM.
import { describeCloseCode, isControlOpcode, opcodeName } from '../../../server/core/wire/index.ts';
import type { Frame } from '../../../server/core/wire/types.ts';
import type { FrameEvent } from '../store/store.ts';
import { compileDecodedQuery, type Decoded } from '../../../server/core/decoders/index.ts';

export type { FrameEvent };

export interface FrameFilter {
  /** one connection, or null for all */
  conn: string | null;
  dir: 'c2s' | 's2c' | null;
  /** one opcode, or null for all */
  opcode: number | null;
  /** show control frames (close, ping, pong) */
  control: boolean;
  /** searched in the payload text (text, inflated text, close reason) */
  search: string;
  regex: boolean;
  matchCase: boolean;
  /** decoded subprotocol fields, e.g. "sio.event=chat mqtt.qos=1" (server/core/decoders/query.ts) */
  decoded: string;
}

export const DEFAULT_FILTER: FrameFilter = { conn: null, dir: null, opcode: null, control: true, search: '', regex: false, matchCase: false, decoded: '' };

/** The opcodes the filter offers. */
export const OPCODE_CHOICES: readonly { value: number; label: string }[] = [
  { value: 0x1, label: 'TEXT' },
  { value: 0x2, label: 'BINARY' },
  { value: 0x0, label: 'CONTINUATION' },
  { value: 0x8, label: 'CLOSE' },
  { value: 0x9, label: 'PING' },
  { value: 0xa, label: 'PONG' },
];

export type SearchMatcher = (text: string) => boolean;

/** Compiles the search box: null when empty, an error message for an invalid regular expression. */
export function compileSearch(search: string, regex: boolean, matchCase: boolean): { match: SearchMatcher | null; error: string | null } {
  if (search === '') return { match: null, error: null };
  if (regex) {
    let re: RegExp;
    try {
      re = new RegExp(search, matchCase ? '' : 'i');
    } catch (err) {
      const message = err instanceof Error ? err.message.replace(/^Invalid regular expression: /, '') : String(err);
      return { match: null, error: `Not a valid regular expression: ${message}` };
    }
    return { match: (text) => re.test(text), error: null };
  }
  if (matchCase) return { match: (text) => text.includes(search), error: null };
  const needle = search.toLowerCase();
  return { match: (text) => text.toLowerCase().includes(needle), error: null };
}

export interface CompiledFilter {
  /** identifies the filter: the same key means the same frames match */
  key: string;
  test: (f: FrameEvent) => boolean;
  /** set when the search is an invalid regex; the search is then ignored (the other filters still apply) */
  error: string | null;
  /** set when the decoded-fields query is invalid; it is then ignored */
  decodedError: string | null;
}

/** `decodedOf` gives a frame's decoded subprotocol message (null when none), for the decoded-fields query. */
export function compileFilter(filter: FrameFilter, decodedOf: (f: FrameEvent) => Decoded | null = () => null): CompiledFilter {
  const { match, error } = compileSearch(filter.search, filter.regex, filter.matchCase);
  const { conn, dir, opcode, control } = filter;
  const query = compileDecodedQuery(filter.decoded ?? '');
  const decodedActive = query.error === null && (filter.decoded ?? '').trim() !== '';
  const test = (f: FrameEvent): boolean => {
    if (conn !== null && f.conn !== conn) return false;
    if (decodedActive && !query.test(decodedOf(f))) return false;
    if (dir !== null && f.dir !== dir) return false;
    if (opcode !== null && f.opcode !== opcode) return false;
    if (!control && isControlOpcode(f.opcode)) return false;
    if (match) {
      if (f.text !== null && match(f.text)) return true;
      if (f.inflated !== null && match(f.inflated)) return true;
      if (f.closeReason !== null && f.closeReason !== '' && match(f.closeReason)) return true;
      return false;
    }
    return true;
  };
  const key = JSON.stringify([conn, dir, opcode, control, match ? filter.search : '', filter.regex, filter.matchCase, decodedActive ? filter.decoded.trim() : '']);
  return { key, test, error, decodedError: query.error };
}

/** The index of the first element whose seq is > seq (arrays ordered by seq). */
export function indexAfterSeq(list: readonly { seq: number }[], seq: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid].seq <= seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The index of the element with this seq, or -1. */
export function indexOfSeq(list: readonly { seq: number }[], seq: number): number {
  const i = indexAfterSeq(list, seq - 1);
  return i < list.length && list[i].seq === seq ? i : -1;
}

/**
 * The frames a filter lets through, kept up to date incrementally: new frames are tested once,
 * evicted ones are dropped from the front, and only a new filter rescans everything.
 */
export class FilteredFrames {
  matched: FrameEvent[] = [];
  private key: string | null = null;
  private scannedSeq = -1;
  /** the store's oldest frame at the last update */
  private lowSeq = Infinity;

  /** Brings `matched` up to date with the store's frames (ordered by seq); true when it changed. */
  update(frames: readonly FrameEvent[], filter: CompiledFilter): boolean {
    let changed = false;
    if (filter.key !== this.key) {
      this.key = filter.key;
      this.matched = [];
      this.scannedSeq = -1;
      changed = true;
    }
    const first = frames.length ? frames[0].seq : Infinity;
    if (this.matched.length && this.matched[0].seq < first) {
      this.matched = this.matched.slice(indexAfterSeq(this.matched, first - 1));
      changed = true;
    }
    // older frames merged in at the front (a scroll back): tested once, put before the matched ones
    if (this.scannedSeq >= 0 && first < this.lowSeq) {
      const older: FrameEvent[] = [];
      for (let i = 0; i < frames.length && frames[i].seq < this.lowSeq; i++) if (filter.test(frames[i])) older.push(frames[i]);
      if (older.length) {
        this.matched = older.concat(this.matched);
        changed = true;
      }
    }
    this.lowSeq = first;
    const start = indexAfterSeq(frames, this.scannedSeq);
    for (let i = start; i < frames.length; i++) {
      const f = frames[i];
      if (filter.test(f)) {
        this.matched.push(f);
        changed = true;
      }
    }
    if (frames.length) this.scannedSeq = Math.max(this.scannedSeq, frames[frames.length - 1].seq);
    return changed;
  }
}

/** Control characters, DEL, C1 controls and bidi overrides as visible symbols (␀ ␊ ␛ ␡ ⟨U+202E⟩). */
export function showControls(text: string, { keepNewlines = false }: { keepNewlines?: boolean } = {}): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g, (c) => {
    const code = c.charCodeAt(0);
    if (keepNewlines && (c === '\n' || c === '\t')) return c;
    if (keepNewlines && c === '\r') return '␍';
    if (code < 0x20) return String.fromCharCode(0x2400 + code);
    if (code === 0x7f) return '␡';
    return `⟨U+${code.toString(16).toUpperCase().padStart(4, '0')}⟩`;
  });
}

const PREVIEW_CHARS = 120;

/** One line for the list's preview column. */
export function framePreview(f: FrameEvent): string {
  if (f.opcode === 0x8) {
    if (f.closeCode === null) return f.payloadLength === 0 ? '(no status code)' : '(malformed close payload)';
    const name = describeCloseCode(f.closeCode).name;
    return showControls(`${f.closeCode} ${name}${f.closeReason ? ` · “${f.closeReason}”` : ''}`).slice(0, PREVIEW_CHARS);
  }
  if (f.payloadLength === 0) return '(empty)';
  if (f.rsv1 && f.inflated !== null) return `⇣ ${showControls(f.inflated).slice(0, PREVIEW_CHARS)}`;
  if (f.rsv1) return `(compressed) ${spaced(f.payloadHex, 16)}`;
  if (f.text !== null && (f.opcode === 0x1 || f.opcode === 0x0 || f.opcode === 0x9 || f.opcode === 0xa)) {
    return showControls(f.text.slice(0, PREVIEW_CHARS)) + (f.text.length > PREVIEW_CHARS || f.truncated ? '…' : '');
  }
  return spaced(f.payloadHex, 16) + (f.payloadLength > 16 ? ' …' : '');
}

function spaced(hex: string, bytes: number): string {
  return (hex.slice(0, bytes * 2).match(/../g) ?? []).join(' ');
}

/** "1:02.345" from t in ms since the server started. */
export function formatT(t: number): string {
  const ms = Math.max(0, Math.round(t));
  const m = Math.floor(ms / 60_000);
  const s = (ms % 60_000) / 1000;
  return `${m}:${s.toFixed(3).padStart(6, '0')}`;
}

export function rsvText(f: { rsv1: boolean; rsv2: boolean; rsv3: boolean }): string {
  return `${+f.rsv1}${+f.rsv2}${+f.rsv3}`;
}

/** The filtered frames as NDJSON: one event per line, exactly as the server sent it. */
export function toNdjson(frames: readonly FrameEvent[]): string {
  let out = '';
  for (const f of frames) out += JSON.stringify(f) + '\n';
  return out;
}

export interface NoticeInput {
  evictedFrames: number;
  clearedFrames: number;
  evictedUntil: number | null;
  maxFrames: number;
  missed: number;
  skipped: number;
  paused: boolean;
}

/** What the list must say about frames it does not hold, so nothing disappears silently. */
export function listNotices(s: NoticeInput): string[] {
  const out: string[] = [];
  const n = (x: number) => x.toLocaleString('en-US');
  const plural = (x: number, one: string, many: string) => `${n(x)} ${x === 1 ? one : many}`;
  const capped = s.evictedFrames - s.clearedFrames;
  const until = s.evictedUntil !== null ? ` (everything up to t = ${formatT(s.evictedUntil)})` : '';
  if (capped > 0 && s.clearedFrames > 0) {
    out.push(`${plural(s.evictedFrames, 'older frame is', 'older frames are')} not listed${until}: ${n(s.clearedFrames)} cleared, ${n(capped)} dropped to keep the newest ${n(s.maxFrames)}.`);
  } else if (capped > 0) {
    out.push(`${plural(capped, 'older frame was', 'older frames were')} dropped to keep the newest ${n(s.maxFrames)}${until}.`);
  } else if (s.clearedFrames > 0) {
    out.push(`${plural(s.clearedFrames, 'frame was', 'frames were')} cleared${until}.`);
  }
  if (s.missed > 0) out.push(`The server could not send this page ${plural(s.missed, 'event', 'events')}: the page fell behind the server's history.`);
  if (s.paused) out.push(`Capture paused: ${plural(s.skipped, 'event', 'events')} not kept so far.`);
  else if (s.skipped > 0) out.push(`${plural(s.skipped, 'event was', 'events were')} not kept while capture was paused.`);
  return out;
}

/** Hex ("37fa213d") to bytes; odd or non-hex input yields the bytes that parse. */
export function hexToBytes(hex: string): Uint8Array {
  const clean = hex.replace(/[^0-9a-f]/gi, '');
  const out = new Uint8Array(clean.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** The codec's Frame for a frame event, for the anatomy components: payload = the preview bytes. */
export function eventToFrame(f: FrameEvent): Frame {
  const maskingKey = f.maskingKey ? hexToBytes(f.maskingKey) : null;
  const lenBytes = f.headerLength - 2 - (f.masked ? 4 : 0);
  const lengthBits = lenBytes === 8 ? 64 : lenBytes === 2 ? 16 : 7;
  return {
    offset: f.offset,
    fin: f.fin,
    rsv1: f.rsv1,
    rsv2: f.rsv2,
    rsv3: f.rsv3,
    opcode: f.opcode,
    masked: f.masked,
    maskingKey,
    payloadLength: f.payloadLength,
    headerLength: f.headerLength,
    lengthBits,
    payload: hexToBytes(f.payloadHex),
  };
}

/** A readable name even for reserved opcodes. */
export function frameName(f: FrameEvent): string {
  return f.opcodeName || opcodeName(f.opcode);
}

/** The data opcode of the message a continuation frame belongs to: the last TEXT/BINARY before it, same connection and direction. */
export function messageOpcodeOf(frames: readonly FrameEvent[], index: number, lookback = 2000): number {
  const f = frames[index];
  if (!f || f.opcode !== 0x0) return f ? f.opcode : 0;
  for (let i = index - 1; i >= 0 && i >= index - lookback; i--) {
    const g = frames[i];
    if (g.conn === f.conn && g.dir === f.dir && (g.opcode === 0x1 || g.opcode === 0x2)) return g.opcode;
  }
  return 0x0;
}
