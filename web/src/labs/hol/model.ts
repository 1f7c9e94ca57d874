// The head-of-line blocking lab's arithmetic, apart from WebSocket and fetch so it can be tested
// alone: what a run is, the settings it may have, the time its bytes need at the link's rate, what
// it showed, and the bars of the timeline.
//
// A run sends one bulk message and right after it one small urgent message, either on the same
// WebSocket or on two, and times each until /lab/hol acknowledges it (server/labs/hol/lab.ts).

export type HolMode = 'one' | 'two';

export interface HolSettings {
  mode: HolMode;
  /** the bulk message, bytes */
  bulkBytes: number;
  /** the link's rate client → server, bytes/s, per link connection */
  bytesPerSec: number;
}

/** The urgent message's text: always this many bytes ("urgent 007"). */
export const URGENT_BYTES = 10;
export const BULK_SIZES = [256 * 1024, 512 * 1024, 1024 * 1024, 2 * 1024 * 1024, 4 * 1024 * 1024] as const;
export const MIN_RATE = 10_000;
export const MAX_RATE = 10_000_000;
/** A run whose bulk message would need longer than this at the chosen rate is refused. */
export const MAX_RUN_MS = 30_000;

export function urgentText(run: number): string {
  return `urgent ${String(run % 1000).padStart(3, '0')}`;
}

/** Bytes a browser's frame for a payload of `payload` bytes puts on the wire (masked, one frame). */
export function frameBytes(payload: number): number {
  const length = payload < 126 ? 0 : payload < 65536 ? 2 : 8;
  return 2 + length + 4 + payload;
}

/** ms the link needs to let a message's frame through at `bytesPerSec`, from an idle start. */
export function transferMs(payload: number, bytesPerSec: number): number {
  return (frameBytes(payload) / bytesPerSec) * 1000;
}

/** Why these settings cannot run, or null. */
export function settingsProblem(s: HolSettings): string | null {
  if (!Number.isInteger(s.bytesPerSec) || s.bytesPerSec < MIN_RATE || s.bytesPerSec > MAX_RATE) {
    return `The link rate must be a whole number of bytes/s from ${MIN_RATE.toLocaleString('en-US')} to ${MAX_RATE.toLocaleString('en-US')}.`;
  }
  if (!(BULK_SIZES as readonly number[]).includes(s.bulkBytes)) return 'Pick one of the bulk sizes offered.';
  const ms = transferMs(s.bulkBytes, s.bytesPerSec);
  if (ms > MAX_RUN_MS) return `At this rate the bulk message would take ${(ms / 1000).toFixed(0)} s; pick a faster link or a smaller message (runs stop at ${MAX_RUN_MS / 1000} s).`;
  return null;
}

/** One message of a run, as far as it got. */
export interface Leg {
  bytes: number;
  /** the server conn that carried it (for /inspect) */
  conn: string;
  /** ms from the first send() to its acknowledgement arriving, page clock; null until then */
  ackMs: number | null;
  /** the server's event clock when ws had the whole message (the ack's t) */
  serverT: number | null;
}

export interface HolRun {
  n: number;
  settings: HolSettings;
  bulk: Leg;
  urgent: Leg;
  /** the page's WebSocket.bufferedAmount right after both send() calls, summed over its sockets */
  bufferedAfterSend: number;
  state: 'running' | 'done' | 'failed';
  problem: string | null;
}

export interface Outcome {
  /** the urgent message reached the server after the bulk one had (server clock, one order for both) */
  queued: boolean;
  /** ms the urgent message took beyond what its own bytes need at the link rate */
  waitedMs: number;
}

/** What a finished run showed; null while a message is still on its way. */
export function outcome(run: HolRun): Outcome | null {
  const { bulk, urgent } = run;
  if (urgent.ackMs === null || bulk.serverT === null || urgent.serverT === null) return null;
  return {
    queued: urgent.serverT >= bulk.serverT,
    waitedMs: Math.max(0, urgent.ackMs - transferMs(urgent.bytes, run.settings.bytesPerSec)),
  };
}

export interface Bar {
  label: string;
  kind: 'bulk' | 'urgent';
  /** 0-100: the bar's length on the shared scale; null while in flight */
  percent: number | null;
  ms: number | null;
  /** for the urgent bar: it came back after the bulk message */
  queued: boolean;
}

export interface TimelineRow {
  n: number;
  mode: HolMode;
  bars: [Bar, Bar];
  /** 0-100: where the bulk message's ideal transfer time falls on the scale */
  idealPercent: number;
}

export interface Timeline {
  /** ms at the right-hand edge, rounded up to a readable step */
  scaleMs: number;
  /** tick marks, ms */
  ticks: number[];
  rows: TimelineRow[];
}

/** A round upper bound for the axis: 1, 2 or 5 × a power of ten, at least `ms`. */
export function niceCeil(ms: number): number {
  if (ms <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(ms));
  for (const m of [1, 2, 5, 10]) if (m * p >= ms) return m * p;
  return 10 * p;
}

/** Bars for every run on one scale, so runs with different settings compare at a glance. */
export function timeline(runs: readonly HolRun[]): Timeline {
  const longest = Math.max(1, ...runs.flatMap((r) => [r.bulk.ackMs ?? 0, r.urgent.ackMs ?? 0, transferMs(r.bulk.bytes, r.settings.bytesPerSec)]));
  const scaleMs = niceCeil(longest);
  const step = scaleMs / 5;
  const ticks = Array.from({ length: 6 }, (_, i) => Math.round(i * step));
  const pct = (ms: number | null) => (ms === null ? null : Math.min(100, (ms / scaleMs) * 100));
  const rows = runs.map((r): TimelineRow => {
    const o = outcome(r);
    return {
      n: r.n,
      mode: r.settings.mode,
      bars: [
        { label: `bulk, ${sizeLabel(r.bulk.bytes)}`, kind: 'bulk', percent: pct(r.bulk.ackMs), ms: r.bulk.ackMs, queued: false },
        { label: `urgent, ${r.urgent.bytes} B`, kind: 'urgent', percent: pct(r.urgent.ackMs), ms: r.urgent.ackMs, queued: o?.queued ?? false },
      ],
      idealPercent: pct(transferMs(r.bulk.bytes, r.settings.bytesPerSec))!,
    };
  });
  return { scaleMs, ticks, rows };
}

/** "1 MiB", "256 KiB", "10 B". */
export function sizeLabel(n: number): string {
  if (n >= 1048576 && n % 1048576 === 0) return `${n / 1048576} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} B`;
}

/** "1,966 ms", "2.4 ms", "—". */
export function msLabel(ms: number | null): string {
  if (ms === null) return '—';
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms).toLocaleString('en-US')} ms`;
}
