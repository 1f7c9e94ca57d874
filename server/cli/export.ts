// `wslab export --har FILE | --pcapng FILE [--conn ID] [SOURCE]`: a running server's history (its
// GET /__wslab/events) or a file (a wslab session, and also a capture or a HAR, read by the import)
// written as a HAR in Chrome's shape or a pcapng capture (server/core/export).
import { existsSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { exportHar, exportPcapng } from '../core/export/index.ts';
import type { WslabEvent } from '../core/events/schema.ts';
import { serverUrl } from './watch-follow.ts';
import { readImport } from './open.ts';

/** Most bytes of history read from a server (its history is bounded; this bounds what we hold). */
const MAX_HISTORY_BYTES = 512 * 1024 * 1024;

async function fromServer(input: string | undefined): Promise<{ events: WslabEvent[]; wallClockAtZero: number; what: string }> {
  const base = serverUrl(input);
  base.protocol = base.protocol === 'wss:' || base.protocol === 'https:' ? 'https:' : 'http:';
  const health = (await (await fetch(new URL('/__wslab/health', base), { signal: AbortSignal.timeout(10_000) })).json()) as { uptimeMs?: number };
  const asked = Date.now();
  const res = await fetch(new URL('/__wslab/events', base), { signal: AbortSignal.timeout(120_000) });
  if (!res.ok) throw new Error(`${base.origin}/__wslab/events answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
  const text = await res.text();
  if (text.length > MAX_HISTORY_BYTES) throw new Error(`the history is larger than ${MAX_HISTORY_BYTES / 1048576} MiB`);
  const events = text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as WslabEvent);
  return { events, wallClockAtZero: asked - (health.uptimeMs ?? 0), what: `${base.origin}'s history` };
}

export async function runExport(args: string[], help: string): Promise<number> {
  let values, positionals;
  try {
    ({ values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { har: { type: 'string' }, pcapng: { type: 'string' }, conn: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }));
  } catch (err) {
    process.stderr.write(`wslab export: ${(err as Error).message}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  if ((values.har === undefined) === (values.pcapng === undefined) || positionals.length > 1) {
    process.stderr.write('usage: wslab export (--har FILE | --pcapng FILE) [--conn ID] [URL | HOST:PORT | PORT | SESSION-FILE]\n');
    return 2;
  }
  let source: { events: WslabEvent[]; wallClockAtZero: number; what: string };
  const input = positionals[0];
  try {
    if (input !== undefined && existsSync(input)) {
      const r = readImport(input);
      if (!r.ok) throw new Error(r.error);
      const events = r.result.events.map((e, i) => ({ v: 1, seq: i + 1, ...e }) as WslabEvent);
      source = { events, wallClockAtZero: r.result.startedAt ?? Date.now() - Math.max(0, ...events.map((e) => e.t)), what: input };
    } else {
      source = await fromServer(input);
    }
  } catch (err) {
    process.stderr.write(`wslab export: ${(err as Error).message}\n`);
    return 1;
  }
  const opts = { wallClockAtZero: source.wallClockAtZero, ...(values.conn !== undefined && { conn: values.conn }) };
  try {
    if (values.har !== undefined) {
      const r = exportHar(source.events, opts);
      if (r.connections === 0) throw new Error(values.conn ? `no connection ${values.conn} with a handshake in ${source.what}` : `no connection with a handshake in ${source.what}`);
      writeFileSync(values.har, r.json);
      process.stderr.write(`wslab export: wrote ${values.har}: ${r.connections} connection${r.connections === 1 ? '' : 's'} from ${source.what} as a HAR\n`);
    } else {
      const r = exportPcapng(source.events, opts);
      if (r.connections === 0) throw new Error(values.conn ? `no connection ${values.conn} with a handshake in ${source.what}` : `no connection with a handshake in ${source.what}`);
      writeFileSync(values.pcapng!, r.bytes);
      const cut = r.cutFrames ? `; ${r.cutFrames} frame${r.cutFrames === 1 ? ' is' : 's are'} cut after the first 64 payload bytes the history keeps (written as a snapshot length cuts a capture)` : '';
      process.stderr.write(`wslab export: wrote ${values.pcapng}: ${r.connections} connection${r.connections === 1 ? '' : 's'}, ${r.packets} packets from ${source.what} as pcapng${cut}\n`);
    }
  } catch (err) {
    process.stderr.write(`wslab export: ${(err as Error).message}\n`);
    return 1;
  }
  return 0;
}
