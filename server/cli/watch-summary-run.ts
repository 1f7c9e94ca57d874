// `wslab watch --summary`: follows the stream (watch-follow.ts) and prints one line a second from
// the aggregator (watch-summary.ts).
import { follow } from './watch-follow.ts';
import { clockOf, formatSummary, SummaryAggregator, type SummaryEvent } from './watch-summary.ts';

/** The events a summary needs; the server sends only these unless --types says otherwise. */
const SUMMARY_TYPES = 'frame,conn.open,close';

export function runSummary(base: URL, query: { types?: string; conn?: string; since: number | null }, say: (line: string) => void): Promise<number> {
  const agg = new SummaryAggregator();
  const following = follow({
    base,
    types: query.types ?? SUMMARY_TYPES,
    conn: query.conn,
    since: query.since,
    say,
    onOpen: (_url, health) => {
      if (health) agg.setBaseline(health.connections, health.headSeq);
    },
    onEvent: (text) => {
      let e: SummaryEvent;
      try {
        e = JSON.parse(text) as SummaryEvent;
      } catch {
        return;
      }
      agg.add(e);
    },
  });
  let last = Date.now();
  const tick = setInterval(() => {
    const now = Date.now();
    const seconds = Math.max(0.001, (now - last) / 1000);
    last = now;
    process.stdout.write(formatSummary(agg.take(), clockOf(new Date(now)), seconds) + '\n');
  }, 1000);
  process.once('SIGINT', () => following.stop());
  return following.done.finally(() => clearInterval(tick));
}
