// Stopping on SIGTERM or SIGINT (Ctrl-C): every WebSocket the server holds (lab connections,
// those behind the chaos link, observers) gets a close frame with 1001 "going away", the clients
// get a moment to answer it, and the process is gone within HARD_EXIT_MS whatever happens.
import type WebSocket from 'ws';
import { reportError } from './safe.ts';

/** The reason sent with 1001 when the server stops. */
export const GOING_AWAY_REASON = 'wslab is shutting down';
/** How long clients get to answer the close frame before their sockets are cut. */
export const CLOSE_GRACE_MS = 2_000;
/** The process exits this long after the signal even when something hangs. */
export const HARD_EXIT_MS = 5_000;

/**
 * Sends 1001 on every open socket and resolves when all of them have closed, or after graceMs
 * (the caller then terminates what is left).
 */
export function closeGoingAway(sockets: Iterable<WebSocket | null | undefined>, graceMs = CLOSE_GRACE_MS): Promise<void> {
  const waiting: Promise<void>[] = [];
  for (const ws of sockets) {
    if (!ws || ws.readyState === ws.CLOSED) continue;
    waiting.push(new Promise<void>((resolve) => ws.once('close', () => resolve())));
    try {
      if (ws.readyState === ws.OPEN) ws.close(1001, GOING_AWAY_REASON);
      else ws.terminate();
    } catch (err) {
      reportError('closing a connection on shutdown', err);
      ws.terminate();
    }
  }
  if (waiting.length === 0) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, graceMs);
    timer.unref();
    void Promise.all(waiting).then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Waits for SIGINT or SIGTERM, then runs `stop`. A second signal, or `stop` taking longer than
 * HARD_EXIT_MS, ends the process at once. Resolves with the signal's name once `stop` is done.
 */
export function untilSignal(stop: (signal: string) => Promise<void>, log: (line: string) => void = (l) => process.stderr.write(l + '\n')): Promise<string> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        log(`wslab: ${signal} again: exiting now`);
        process.exit(1);
      }
      stopping = true;
      log(`wslab: ${signal}: closing every connection with 1001 (going away)`);
      const hard = setTimeout(() => {
        log(`wslab: still not stopped ${HARD_EXIT_MS} ms after ${signal}: exiting`);
        process.exit(1);
      }, HARD_EXIT_MS);
      stop(signal)
        .catch((err) => reportError('shutting down', err))
        .finally(() => {
          clearTimeout(hard);
          // anything still holding the event loop open (a client's timer, a broker) must not keep
          // the process alive after the server is closed
          setTimeout(() => process.exit(process.exitCode ?? 0), 250).unref();
          resolve(signal);
        });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

/**
 * The last line of defence: an exception or rejection nothing caught is logged, and the server
 * goes on serving everyone else. Installed by `wslab start` only (a library user decides for their
 * own process).
 */
export function keepServingOnUncaught(log: (line: string) => void = (l) => process.stderr.write(l + '\n')): void {
  process.on('uncaughtException', (err) => reportUncaught('uncaught exception', err, log));
  process.on('unhandledRejection', (reason) => reportUncaught('unhandled rejection', reason, log));
}

let lastUncaught = 0;
let suppressed = 0;
function reportUncaught(kind: string, err: unknown, log: (line: string) => void): void {
  const now = performance.now();
  if (now - lastUncaught < 1000) {
    suppressed++;
    return;
  }
  lastUncaught = now;
  const e = err as Error | undefined;
  const more = suppressed ? ` (${suppressed} more since the last report)` : '';
  suppressed = 0;
  try {
    log(`wslab: ${kind}${more}: ${e?.stack ?? String(err)}\nwslab: the server goes on serving; please report this as a bug.`);
  } catch {
    // stderr gone: nothing to do
  }
}
