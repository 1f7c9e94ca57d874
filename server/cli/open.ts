// `wslab open FILE`: a pcap/pcapng capture, a HAR or a session saved by wslab, read by the pure
// import (server/core/import) and published into a fresh server's history, so /inspect, the
// diagram and the connection view show it as they show live traffic. Heartbeats are off: nothing
// is added to what the file holds.
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { describeImport, importFile, MAX_IMPORT_BYTES, sizeText, type ImportResult } from '../core/import/index.ts';
import type { EventBody } from '../core/events/schema.ts';
import type { EventBus } from '../stream/bus.ts';
import { TapInflater } from '../connection/tap/inflate.ts';

/** Reads FILE from disk (bounded by MAX_IMPORT_BYTES before reading) and imports it. */
export function readImport(path: string): { ok: true; result: ImportResult } | { ok: false; error: string } {
  const name = basename(path);
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) return { ok: false, error: `${path} is not a file` };
    size = st.size;
  } catch (err) {
    return { ok: false, error: `cannot read ${path}: ${(err as Error).message}` };
  }
  if (size > MAX_IMPORT_BYTES) return { ok: false, error: `${name} is ${sizeText(size)}; wslab opens files up to ${sizeText(MAX_IMPORT_BYTES)} (cut a capture with editcap, or save fewer connections)` };
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    return { ok: false, error: `cannot read ${path}: ${(err as Error).message}` };
  }
  const r = importFile(bytes, name, { inflaterFactory: (takeover, maxOutput) => new TapInflater(takeover, maxOutput) });
  if (!r.ok) return { ok: false, error: r.error };
  const { ok: _ok, ...result } = r;
  return { ok: true, result };
}

/**
 * Publishes an import's events into the history, each at its time in the file after `offset` ms
 * on the bus's clock (default now, so `t` keeps growing with seq: the file's times shifted, their
 * differences kept).
 */
export function publishImport(bus: EventBus, result: ImportResult, offset = Math.ceil(bus.now())): void {
  for (const e of result.events) {
    const { t, ...body } = e;
    bus.publish(body as EventBody, offset + t);
  }
}

/** The lines `wslab open` prints after the URL: what was loaded, made up, and left out. */
export function describeLoaded(result: ImportResult): string[] {
  const lines = [`loaded ${describeImport(result)}`];
  for (const s of result.synthesised) lines.push(`synthesised: ${s}`);
  for (const p of result.problems.slice(0, 10)) lines.push(`not read: ${p}`);
  if (result.problems.length > 10) lines.push(`not read: … and ${result.problems.length - 10} more problems`);
  return lines;
}

export async function runOpen(args: string[], help: string): Promise<number> {
  let values, positionals;
  try {
    ({ values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { port: { type: 'string' }, host: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }));
  } catch (err) {
    process.stderr.write(`wslab open: ${(err as Error).message}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  let port = 8080;
  if (positionals.length !== 1) {
    process.stderr.write('wslab open: give exactly one file: wslab open FILE (a .pcap, .pcapng, .har, or a wslab session .ndjson)\n');
    return 2;
  }
  if (values.port !== undefined) {
    if (!/^\d+$/.test(values.port) || Number(values.port) > 65535) {
      process.stderr.write('wslab open: --port must be an integer from 0 to 65535\n');
      return 2;
    }
    port = Number(values.port);
  }
  const loaded = readImport(positionals[0]);
  if (!loaded.ok) {
    process.stderr.write(`wslab open: ${loaded.error}\n`);
    return 1;
  }
  const { prepareToServe } = await import('./serve.ts');
  const { startWslab } = await import('../app.ts');
  const { untilSignal } = await import('../process/shutdown.ts');
  if (!(await prepareToServe('open'))) return 1;
  let server;
  try {
    server = await startWslab({
      port,
      host: values.host ?? '127.0.0.1',
      historySize: Math.max(100_000, loaded.result.events.length + 1000),
      heartbeat: { intervalMs: 0 },
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const hint = e.code === 'EADDRINUSE' ? ` (port ${port} is taken; try --port 0 for any free port)` : '';
    process.stderr.write(`wslab open: cannot listen: ${e.message}${hint}\n`);
    return 1;
  }
  publishImport(server.bus, loaded.result);
  process.stdout.write(`wslab listening on ${server.url}\n`);
  process.stdout.write(`open ${server.url}/inspect to see it (the diagram at ${server.url}/playground, a connection at ${server.url}/inspect?conn=i1)\n`);
  for (const line of describeLoaded(loaded.result)) process.stdout.write(line + '\n');
  await untilSignal(() => server.shutdown());
  return 0;
}
