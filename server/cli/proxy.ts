// `wslab proxy TARGET`: the web app and the event stream as `wslab start` serves them, and every
// other WebSocket upgrade relayed to TARGET unchanged under the tap (server/proxy/).
import { parseArgs } from 'node:util';
import { intervalProblem, MAX_INTERVAL_MS, MIN_INTERVAL_MS } from '../core/api/heartbeat.ts';
import { splitHost } from '../http/hosts.ts';
import { parseHeaderOption, parseTarget, type HeaderLine } from '../proxy/target.ts';

export async function runProxy(args: string[], help: string): Promise<number> {
  let values, positionals;
  try {
    ({ values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        insecure: { type: 'boolean' },
        header: { type: 'string', multiple: true },
        origin: { type: 'string' },
        heartbeat: { type: 'string' },
        'allow-origin': { type: 'string', multiple: true },
        'allow-host': { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (err) {
    process.stderr.write(`wslab proxy: ${(err as Error).message}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  let port = 8080;
  let heartbeat = 0;
  const headers: HeaderLine[] = [];
  try {
    if (positionals.length !== 1) throw new Error('give exactly one upstream: wslab proxy ws://HOST:PORT[/PATH] (or wss://…)');
    parseTarget(positionals[0]);
    if (values.port !== undefined) {
      if (!/^\d+$/.test(values.port) || Number(values.port) > 65535) throw new Error('--port must be an integer from 0 to 65535');
      port = Number(values.port);
    }
    if (values.heartbeat !== undefined) {
      heartbeat = /^\d+$/.test(values.heartbeat) ? Number(values.heartbeat) : NaN;
      if (!(heartbeat <= MAX_INTERVAL_MS) || intervalProblem(heartbeat)) throw new Error(`--heartbeat must be 0 (off) or from ${MIN_INTERVAL_MS} to ${MAX_INTERVAL_MS} ms`);
    }
    for (const h of values.header ?? []) headers.push(parseHeaderOption(h));
    if (values.origin !== undefined && !/^https?:\/\/[^\s/]+$/.test(values.origin)) throw new Error('--origin must be an origin like https://app.example.com (scheme, host, optional port; no path)');
    for (const h of values['allow-host'] ?? []) if (!splitHost(h)) throw new Error(`--allow-host ${h} is not a host name, address or NAME:PORT`);
  } catch (err) {
    process.stderr.write(`wslab proxy: ${(err as Error).message}\n`);
    return 2;
  }
  const { prepareToServe } = await import('./serve.ts');
  const { startWslab } = await import('../app.ts');
  const { untilSignal } = await import('../process/shutdown.ts');
  if (!(await prepareToServe('proxy'))) return 1;
  let server;
  try {
    server = await startWslab({
      port,
      host: values.host ?? '127.0.0.1',
      allowOrigins: values['allow-origin'],
      allowHosts: values['allow-host'],
      // a proxy adds nothing to the wire unless asked: heartbeats are off by default
      heartbeat: { intervalMs: heartbeat },
      proxy: { target: positionals[0], insecure: values.insecure === true, headers, origin: values.origin },
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const hint = e.code === 'EADDRINUSE' ? ` (port ${port} is taken; try --port 0 for any free port)` : '';
    process.stderr.write(`wslab proxy: cannot listen: ${e.message}${hint}\n`);
    return 1;
  }
  process.stdout.write(`wslab listening on ${server.url}\n`);
  process.stdout.write(`${server.proxy!.describe()}: connect your client to ${server.url.replace(/^http/, 'ws')}/PATH\n`);
  if (values.insecure && server.proxy!.target.secure) process.stderr.write('wslab proxy: --insecure: the upstream\'s TLS certificate is NOT verified; anyone on the path could read and change the traffic.\n');
  await untilSignal(() => server.shutdown());
  return 0;
}
