// `wslab watch`: follow a running server's event stream in a terminal.
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { formatEvent } from '../core/events/format.ts';
import { renderBatch } from '../core/events/records.ts';
import { parseEvent } from '../core/events/schema.ts';
import { escapeBidi } from '../core/events/bidi.ts';

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
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    process.stderr.write(`wslab watch: ${(err as Error).message}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write('usage: wslab watch [URL] [--json] [--types a,b] [--conn ID] [--since SEQ]\n');
    return 0;
  }
  if (positionals.length > 1) {
    process.stderr.write('wslab watch: give at most one URL\n');
    return 2;
  }
  let url: URL;
  try {
    url = new URL(positionals[0] ?? 'http://127.0.0.1:8080');
  } catch {
    process.stderr.write(`wslab watch: not a URL: ${positionals[0]}\n`);
    return 2;
  }
  url.protocol = url.protocol === 'https:' || url.protocol === 'wss:' ? 'wss:' : 'ws:';
  url.pathname = '/__wslab/events';
  if (values.types) url.searchParams.set('types', values.types);
  if (values.conn) url.searchParams.set('conn', values.conn);
  if (values.since) url.searchParams.set('since', values.since);
  // Records as the server keeps them; the JSON is written here (events/records.ts), not by the server.
  url.searchParams.set('format', 'bin');
  const color = !values.json && process.stdout.isTTY && !process.env.NO_COLOR;

  return new Promise<number>((resolve) => {
    const ws = new WebSocket(url);
    ws.on('open', () => process.stderr.write(`wslab watch: following ${url.href}\n`));
    ws.on('message', (data: Buffer, isBinary) => {
      const lines = isBinary ? renderBatch(new Uint8Array(data.buffer, data.byteOffset, data.length)) : data.toString();
      for (const text of lines.split('\n')) if (text) printEvent(text);
    });
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
    ws.on('error', (err) => {
      process.stderr.write(`wslab watch: ${err.message}\n`);
      resolve(1);
    });
    ws.on('close', () => resolve(0));
    process.once('SIGINT', () => ws.close(1000, 'watch stopped'));
  });
}
