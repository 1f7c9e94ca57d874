// GET /__wslab/events?since=SEQ: the history as NDJSON, streamed from the bus's ring with a cursor.
// Nothing is copied up front: each step copies at most CHUNK_BYTES of events into one buffer, writes
// it, and waits for the response to drain before the next, so a reader costs the server about one
// chunk whatever the history holds, and a reader that stops reading stops costing CPU. Readers at
// once are capped (503 beyond), and each holds a lease of the server's memory budget while it reads.
//
// The response ends at the head the history had when the request came; events evicted while a slow
// reader was behind are reported as a `gap` line, as the WebSocket stream does.
import type { ServerResponse } from 'node:http';
import type { EventBus, EventFilter } from '../stream/bus.ts';
import type { MemoryBudget } from '../process/budget.ts';
import { sendJson } from './json.ts';

/** Bytes of NDJSON one step writes at most. */
export const CHUNK_BYTES = 64 * 1024;
/** Readers streaming at once; more get a 503. */
export const MAX_HISTORY_READERS = 8;
/** What a reader is charged: its chunk and what the response may buffer beyond it. */
export const READER_BUDGET = 2 * CHUNK_BYTES;

export interface HistoryReaders {
  /** streams the history from `since` to `res`; answers 503 itself when it cannot */
  serve(res: ServerResponse, since: number, filter: EventFilter, until?: number): void;
  readonly active: number;
}

export function createHistoryReaders(bus: EventBus, budget: MemoryBudget | null, maxReaders = MAX_HISTORY_READERS): HistoryReaders {
  let active = 0;
  return {
    get active() {
      return active;
    },
    serve(res, since, filter, until) {
      if (active >= maxReaders) {
        res.setHeader('Retry-After', '1');
        return sendJson(res, 503, {
          error: `${maxReaders} history readers are already streaming GET /__wslab/events (the cap); retry when one finishes, or follow the WebSocket stream instead.`,
        });
      }
      const lease = budget ? budget.lease('history readers', READER_BUDGET) : null;
      if (budget && !lease) {
        res.setHeader('Retry-After', '5');
        return sendJson(res, 503, { error: budget.spent('a history reader (GET /__wslab/events)') });
      }
      active++;
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        active--;
        lease?.release();
      };
      res.once('close', finish);
      try {
        stream(res, bus, since, filter, finish, until);
      } catch (err) {
        finish();
        res.destroy(err as Error);
      }
    },
  };
}

function stream(res: ServerResponse, bus: EventBus, since: number, filter: EventFilter, finish: () => void, until?: number): void {
  // the history as it was when asked, or up to `until` (exclusive: a page scrolling back asks for what it lacks)
  const end = Math.min(bus.headSeq, until ?? Infinity);
  let cursor = Math.max(since, 1);
  const filtered = !!(filter.conn || filter.types || filter.scope);
  res.writeHead(200, {
    'Content-Type': 'application/x-ndjson; charset=utf-8',
    'Cache-Control': 'no-store',
    // what a page scrolling back shows: how far the history goes, and how much of it (in this
    // reader's scope) lies before `since`
    'X-Wslab-Oldest-Seq': String(bus.oldestSeq),
    'X-Wslab-Before': String(countBefore(bus, since, filter, filtered)),
  });
  const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  const step = () => {
    if (res.destroyed) return finish();
    try {
      while (cursor < end) {
        let at = 0;
        const oldest = bus.oldestSeq;
        if (cursor < oldest) {
          const gap = bus.publishPrivate({ type: 'gap', dropped: oldest - cursor, fromSeq: cursor, toSeq: oldest - 1, reason: 'history-evicted' });
          at += chunk.write(JSON.stringify(gap) + '\n', at);
          cursor = oldest;
        }
        while (cursor < end) {
          if (filtered && !bus.matchesAt(cursor, filter)) {
            cursor++;
            continue;
          }
          const json = bus.bytesAt(cursor);
          if (!json) {
            cursor++;
            continue;
          }
          if (at + json.length + 1 > CHUNK_BYTES) {
            if (at > 0) break; // the next chunk
            res.write(Buffer.concat([json, NEWLINE])); // larger than a chunk: a write of its own
            cursor++;
            continue;
          }
          chunk.set(json, at);
          at += json.length;
          chunk[at++] = 0x0a;
          cursor++;
        }
        if (at > 0 && !res.write(Buffer.from(chunk.subarray(0, at)))) {
          res.once('drain', step);
          return;
        }
      }
      res.end();
    } catch (err) {
      finish();
      res.destroy(err as Error);
    }
  };
  step();
}

const NEWLINE = Buffer.from('\n');

/** Events still in the history before `since` that this reader may read (a scan only when filtered). */
export function countBefore(bus: EventBus, since: number, filter: EventFilter, filtered: boolean): number {
  const end = Math.min(since, bus.headSeq);
  const from = bus.oldestSeq;
  if (end <= from) return 0;
  if (!filtered) return end - from;
  let n = 0;
  for (let seq = from; seq < end; seq++) if (bus.matchesAt(seq, filter)) n++;
  return n;
}
