// Timers whose callbacks cannot end the process. A throw inside a setInterval/setTimeout callback
// is an uncaught exception: one bad tick (EMFILE from process.memoryUsage(), a socket that went
// away mid-write) would stop every lab of every user. These wrappers catch, log one line (at most
// one per label every LOG_EVERY_MS, so a failing timer cannot flood the terminal) and go on.
//
// They return Node's own Timeout, so clearInterval/clearTimeout and .unref() work unchanged.

const LOG_EVERY_MS = 10_000;
const lastLogged = new Map<string, number>();
let sink: (line: string) => void = (line) => process.stderr.write(line + '\n');

/** Where caught errors are reported (tests replace it); returns the previous sink. */
export function setErrorSink(fn: (line: string) => void): (line: string) => void {
  const prev = sink;
  sink = fn;
  return prev;
}

/** Logs an error caught at `where`, rate-limited per label; never throws. */
export function reportError(where: string, err: unknown): void {
  try {
    const now = performance.now();
    const at = lastLogged.get(where);
    if (at !== undefined && now - at < LOG_EVERY_MS) return;
    if (lastLogged.size > 1000) lastLogged.clear();
    lastLogged.set(where, now);
    const e = err as NodeJS.ErrnoException | undefined;
    sink(`wslab: ${where}: ${e?.code ? `${e.code} ` : ''}${e?.message ?? String(err)} (caught; the server goes on)`);
  } catch {
    // nothing left to report with
  }
}

/** Runs fn, reporting (not throwing) anything it throws or rejects with. */
export function guard(where: string, fn: () => unknown): void {
  try {
    const r = fn();
    if (r && typeof (r as Promise<unknown>).catch === 'function') (r as Promise<unknown>).catch((err) => reportError(where, err));
  } catch (err) {
    reportError(where, err);
  }
}

export function safeInterval(where: string, fn: () => unknown, ms: number): NodeJS.Timeout {
  return setInterval(() => guard(where, fn), ms);
}

export function safeTimeout(where: string, fn: () => unknown, ms: number): NodeJS.Timeout {
  return setTimeout(() => guard(where, fn), ms);
}

let memAt = -Infinity;
let mem = { rss: 0, heapUsed: 0 };
/**
 * process.memoryUsage(), at most every 50 ms however many callers ask. It reads /proc/self/stat,
 * which needs a free file descriptor: at the open-file limit it throws EMFILE, and then the last
 * reading stands.
 */
export function processMemory(): { rss: number; heapUsed: number } {
  const now = performance.now();
  if (now - memAt > 50) {
    memAt = now;
    try {
      const m = process.memoryUsage();
      mem = { rss: m.rss, heapUsed: m.heapUsed };
    } catch (err) {
      reportError('reading the process memory', err);
    }
  }
  return mem;
}
