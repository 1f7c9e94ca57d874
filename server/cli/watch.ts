// `wslab watch`: follow a running server's event stream in a terminal.
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { formatEvent } from '../core/events/format.ts';
import { renderBatch } from '../core/events/records.ts';
import { parseEvent } from '../core/events/schema.ts';
import { escapeBidi } from '../core/events/bidi.ts';
import { follow, serverUrl } from './watch-follow.ts';
import { runSummary } from './watch-summary-run.ts';

const COLORS: Record<string, string> = {
  frame: '36', message: '32', state: '35', handshake: '34', 'conn.open': '34', close: '33',
  ping: '90', pong: '90', heartbeat: '90', buffer: '90', error: '31', gap: '31', meta: '34',
  link: '33', sim: '90', flow: '90', fanout: '35', broker: '34', node: '34',
};

export async function runWatch(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        json: { type: 'boolean' },
        types: { type: 'string' },
        conn: { type: 'string' },
        since: { type: 'string' },
        summary: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    process.stderr.write(`wslab watch: ${(err as Error).message}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(WATCH_USAGE);
    return 0;
  }
  if (positionals.length > 1) {
    process.stderr.write('wslab watch: give at most one URL\n');
    return 2;
  }
  let base: URL;
  try {
    base = serverUrl(positionals[0]);
  } catch (err) {
    process.stderr.write(`wslab watch: ${(err as Error).message}\n`);
    return 2;
  }
  let since: number | null = null;
  if (values.since !== undefined) {
    if (!/^\d+$/.test(values.since)) {
      process.stderr.write('wslab watch: --since must be a sequence number (0 or 1: from the oldest event kept)\n');
      return 2;
    }
    since = Number(values.since);
  }
  const color = !values.json && process.stdout.isTTY && !process.env.NO_COLOR;
  const say = (line: string) => process.stderr.write(line + '\n');

  if (values.summary) {
    if (values.json) {
      say('wslab watch: --summary and --json do not go together (--json prints every event)');
      return 2;
    }
    return runSummary(base, { types: values.types, conn: values.conn, since }, say);
  }

  {
    const following = follow({ base, types: values.types, conn: values.conn, since, onEvent: printEvent, say });
    process.once('SIGINT', () => following.stop());
    return following.done;
    function printEvent(text: string): void {
      if (values.json) {
        // still valid JSON with the same values: a bidi control can only be inside a string
        process.stdout.write(escapeBidi(text) + '\n');
        return;
      }
      let parsedJson: unknown;
      try {
        parsedJson = JSON.parse(text);
      } catch {
        return;
      }
      const result = parseEvent(parsedJson);
      if (!result.ok) {
        process.stdout.write(`(unrecognised event) ${text.slice(0, 200)}\n`);
        return;
      }
      const line = formatEvent(result.event);
      const c = COLORS[result.event.type];
      process.stdout.write(color && c ? `\x1b[${c}m${line}\x1b[0m\n` : line + '\n');
    }
  }
}

export const WATCH_USAGE = `usage: wslab watch [URL | HOST:PORT | PORT] [--json] [--summary] [--types a,b] [--conn ID] [--since SEQ]
  Follows a running server's event stream (default http://127.0.0.1:8080), one line per event.
  --json        the raw events, one JSON object per line (NDJSON)
  --summary     one line per second instead: connections, frames/s per opcode, bytes/s
  --types a,b   only these event types (e.g. frame,close)
  --conn ID     only this connection's events
  --since SEQ   start from this seq in the server's history (0 or 1: the oldest kept); default: live
  When the server stops, watch says so on stderr and reconnects (backoff up to 8 s), then resumes
  after the last event it printed (from the first event when the server started again).
`;
