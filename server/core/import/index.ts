// `wslab open FILE` and /inspect's import: a file's bytes in, wslab event records out, the same
// records the tap publishes for live connections. A pcap or pcapng capture (the frames decoded from
// the captured bytes by the codec), a HAR (Chrome's, Firefox's or Playwright's `_webSocketMessages`:
// messages, so the frames are reconstructed and say which fields are), or a session saved by wslab
// (NDJSON events). Pure: the server and the browser run the same reading.
import type { InflaterFactory } from '../capture/index.ts';
import { importHar } from './har.ts';
import { importPcap } from './pcap.ts';
import { importSession } from './session.ts';
import type { ImportFormat, TimedBody } from './events.ts';

export type { ImportFormat, TimedBody } from './events.ts';
export { HAR_SYNTHESISED_FIELDS } from './har.ts';

/** Largest file read (the whole file is held in memory while it is read). */
export const MAX_IMPORT_BYTES = 64 * 1024 * 1024;

export interface ImportResult {
  format: ImportFormat;
  file: string;
  /** event bodies in time order; `t` is ms after the file's first record */
  events: TimedBody[];
  connections: number;
  frames: number;
  /** what the file does not hold and wslab made up, in sentences (empty: nothing) */
  synthesised: string[];
  /** what could not be read, in sentences */
  problems: string[];
  /** wall-clock time of t = 0, ms since the epoch, when the file has one */
  startedAt: number | null;
}

export type ImportOutcome = ({ ok: true } & ImportResult) | { ok: false; error: string };

export interface ImportOptions {
  /** inflates permessage-deflate in captures; without it, compressed messages are shown compressed */
  inflaterFactory?: InflaterFactory;
  /** names connections; default i1, i2, … */
  nextId?: () => string;
  maxBytes?: number;
}

const PCAP_MAGICS = new Set(['a1b2c3d4', 'd4c3b2a1', 'a1b23c4d', '4d3cb2a1', '0a0d0d0a']);

/** What the file is, from its first bytes; null when none of the four. */
export function sniffFormat(bytes: Uint8Array): 'capture' | 'har' | 'session' | null {
  if (bytes.length >= 4) {
    const magic = [...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join('');
    if (PCAP_MAGICS.has(magic)) return 'capture';
  }
  let i = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) i = 3;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) i++;
  if (bytes[i] !== 0x7b) return null;
  // a HAR is one JSON object whose first key is "log"; a session is one object per line
  const head = new TextDecoder().decode(bytes.subarray(i, Math.min(bytes.length, i + 64 * 1024)));
  if (/^\{\s*"log"\s*:/.test(head)) return 'har';
  const firstLine = head.split('\n', 1)[0].trim();
  if (firstLine.endsWith('}') && /"type"\s*:/.test(firstLine) && /"seq"\s*:/.test(firstLine)) return 'session';
  return /"log"\s*:/.test(head) ? 'har' : 'session';
}

/** "64 MiB", "1.5 MiB", "300 bytes" */
export function sizeText(n: number): string {
  if (n < 1048576) return `${n} byte${n === 1 ? '' : 's'}`;
  const mib = n / 1048576;
  return `${Number.isInteger(mib) ? mib : mib.toFixed(1)} MiB`;
}

function sentence(n: number, one: string, many = one + 's'): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Reads a whole file. Never throws: a file it cannot read gets a sentence saying why. */
export function importFile(bytes: Uint8Array, file: string, opts: ImportOptions = {}): ImportOutcome {
  const max = opts.maxBytes ?? MAX_IMPORT_BYTES;
  if (bytes.length > max) return { ok: false, error: `${file} is ${sizeText(bytes.length)}; wslab reads files up to ${sizeText(max)} (cut a capture with editcap, or save fewer connections)` };
  if (bytes.length === 0) return { ok: false, error: `${file} is empty` };
  let n = 0;
  const nextId = opts.nextId ?? (() => `i${++n}`);
  const kind = sniffFormat(bytes);
  try {
    if (kind === 'capture') {
      const r = importPcap(bytes, file, nextId, { inflaterFactory: opts.inflaterFactory });
      if ('error' in r) return { ok: false, error: r.error };
      if (r.connections === 0) return { ok: false, error: `${file} is a ${r.format} capture with no WebSocket connection in it (wslab finds one by its HTTP upgrade, so the capture must include the handshake)${r.problems.length ? `; ${r.problems[0]}` : ''}` };
      const synthesised = ['close events are summed up from the close frames (a capture has no such record)'];
      return done({ format: r.format, file, events: r.events, connections: r.connections, frames: r.frames, synthesised, problems: r.problems, startedAt: r.startedAt });
    }
    if (kind === null) return { ok: false, error: `${file} is not a pcap or pcapng capture, a HAR or a wslab session (NDJSON events): it starts with neither a capture's magic number nor "{"` };
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      return { ok: false, error: `${file} is not valid UTF-8 text, so neither a HAR nor a wslab session` };
    }
    if (kind === 'har') {
      const r = importHar(text, file, nextId);
      if ('error' in r) return { ok: false, error: r.error };
      if (r.connections === 0) return { ok: false, error: `${file} is a HAR (from ${r.creator}) with no WebSocket entry in it` };
      const synthesised = [
        `a HAR keeps messages, not frames: each of the ${sentence(r.frames, 'message')} is shown as one frame whose payload, opcode, direction and time come from the file, and whose FIN, RSV bits, masking key (00000000), header bytes and stream offset are reconstructed`,
        'no ping, pong or close frames are in a HAR, so none are shown; each connection gets a close event marked as not recorded',
        'the raw request and response heads are rebuilt from the HAR\'s header lists; the client\'s address is not in a HAR',
      ];
      return done({ format: 'har', file, events: r.events, connections: r.connections, frames: r.frames, synthesised, problems: r.problems, startedAt: r.startedAt });
    }
    const r = importSession(text, file, nextId);
    if ('error' in r) return { ok: false, error: r.error };
    return done({ format: 'session', file, events: r.events, connections: r.connections, frames: r.frames, synthesised: [], problems: r.problems, startedAt: null });
  } catch (err) {
    return { ok: false, error: `${file} could not be read: ${(err as Error)?.message ?? String(err)}` };
  }
}

function done(r: ImportResult): ImportOutcome {
  // one timeline: stable by time, so each connection's own order is kept
  const order = r.events.map((e, i) => [e.t, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const events = order.map(([, i]) => r.events[i]);
  return { ok: true, ...r, events };
}

/** One line saying what was loaded, for `wslab open` and the page's banner. */
export function describeImport(r: ImportResult): string {
  const what = r.format === 'session' ? 'wslab session' : r.format === 'har' ? 'HAR' : `${r.format} capture`;
  return `${r.file} (${what}): ${sentence(r.connections, 'connection')}, ${sentence(r.frames, 'frame')}`;
}
