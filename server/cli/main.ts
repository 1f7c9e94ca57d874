// The `wslab` command: start the playground, decode bytes, compute accept keys, watch events.
import { intervalProblem, MAX_INTERVAL_MS, MAX_MISSES, MIN_INTERVAL_MS } from '../core/api/heartbeat.ts';
import { parseArgs } from 'node:util';
import { runDecode } from './decode.ts';
import { runWatch } from './watch.ts';
import { computeAccept } from '../core/wire/index.ts';
import type { WorkshopInfo } from '../app.ts';
import { isLoopbackHost } from '../workshop/lan.ts';

export const HELP = `wslab — a WebSocket playground that shows every byte

Usage:
  wslab start [--port N] [--host H] [--workshop] [--heartbeat MS] [--misses N] [--history N]
              [--max-payload BYTES] [--allow-origin ORIGIN]...
              [--redis URL] [--node-id NAME] [--nodes N] [--broker-mode pubsub|streams]
              [--jwt-secret SECRET]
      Build the web app if needed, then serve it and the WebSocket labs on one port.
      Prints "wslab listening on http://HOST:PORT" once ready.
      --port N           port to listen on; 0 picks any free port (default 8080)
      --host H           interface to bind (default 127.0.0.1; 0.0.0.0 exposes it to your network)
      --workshop         workshop mode for a room: participants join at /workshop with a name;
                         prints a presenter URL holding a secret key (random per start) whose
                         page shows everyone's connections and breaks their network on purpose.
                         Add --host 0.0.0.0 so participants on your network can connect
      --heartbeat MS     server ping interval for lab connections; 0 = off (default 30000)
      --misses N         terminate after N unanswered pings in a row (default 2)
      --history N        events kept for replay (default 100000)
      --max-payload B    largest message a lab accepts (default 65536)
      --allow-origin O   also accept WebSocket upgrades from this page origin (repeatable)
      --redis URL        fan-out broker: Redis at URL (redis://host:port); default the
                         embedded in-process broker (nothing to install)
      --node-id NAME     name this process's chat node (a fleet: one wslab per port, same --redis)
      --nodes N          chat nodes in this process, 1-8 (default 2; 1 with --node-id), each on
                         its own port behind the /lab/chat round-robin balancer
      --broker-mode M    pubsub (at-most-once, default) or streams (resume from the last id)
      --jwt-secret S     HS256 secret for /lab/login tokens, 16 characters or more. Also
                         WSLAB_JWT_SECRET. Default: random per start; with --redis, the fleet's
                         secret from the file jwt-secret in the state directory (WSLAB_STATE_DIR,
                         else $XDG_STATE_HOME/wslab, else ~/.local/state/wslab), written once with
                         mode 0600 by the first node and read by every node on this machine.
                         Never stored in Redis. A --redis node that cannot get a secret it can
                         trust (file unreadable, other users can read it, too short) refuses to
                         start and says why.

  wslab decode (--hex "81 05 48 65 6c 6c 6f" | --file FILE | -) [--direction client|server]
              [--max-payload BYTES]
      Decode WebSocket frames (RFC 6455) and print one JSON object per frame (NDJSON),
      then {"violation":{...}} if the bytes break the protocol, or {"incomplete":{...}}
      if they end inside a frame. --file reads raw bytes; - reads hex text from stdin.
      --direction says who sent them: client frames must be masked, server frames not.
      Exit status: 0 valid, 1 violation (or bytes ending inside a frame), 2 usage error.

  wslab decode --pcap FILE [--max-payload BYTES]
      Decode the WebSocket connections in a packet capture (pcap or pcapng from tcpdump,
      dumpcap, tshark, Wireshark; Ethernet, Linux cooked v1/v2, loopback, raw IP; IPv4/IPv6).
      TCP is reassembled per direction; connections are found by their HTTP upgrade. Prints
      one JSON object per handshake, frame, violation and problem, each with "stream"
      ("CLIENT:PORT -> SERVER:PORT"), "dir" (c2s|s2c) and "t" (ms since the epoch); frames
      carry the fields above, inflated text/hex when permessage-deflate was negotiated.
      Exit status: 0 clean, 1 a violation, unfinished frame or hole in the capture, 2 not a
      capture (or usage error).

  wslab accept KEY
      Print the Sec-WebSocket-Accept value a server must answer for Sec-WebSocket-Key KEY.

  wslab watch [URL] [--json] [--types a,b] [--conn ID] [--since SEQ]
      Follow a running server's event stream in the terminal, one line per event
      (URL default http://127.0.0.1:8080). --json prints the raw events (NDJSON).

  wslab help
      Show this text.
`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(HELP);
      return 0;
    case 'start':
      return runStart(rest);
    case 'decode':
      return runDecode(rest, process.stdin, process.stdout, process.stderr);
    case 'accept': {
      if (rest.length !== 1 || rest[0].startsWith('-')) {
        if (rest[0] === '--help' || rest[0] === '-h') {
          process.stdout.write(HELP);
          return 0;
        }
        process.stderr.write('usage: wslab accept KEY   (KEY is the client\'s Sec-WebSocket-Key, e.g. dGhlIHNhbXBsZSBub25jZQ==)\n');
        return 2;
      }
      process.stdout.write(computeAccept(rest[0]) + '\n');
      return 0;
    }
    case 'watch':
      return runWatch(rest);
    default:
      process.stderr.write(`wslab: unknown command "${command}"\n\n${HELP}`);
      return 2;
  }
}

function intOption(value: string | undefined, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}`);
  }
  return Number(value);
}

export class UsageError extends Error {}

async function runStart(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        heartbeat: { type: 'string' },
        misses: { type: 'string' },
        history: { type: 'string' },
        'max-payload': { type: 'string' },
        'allow-origin': { type: 'string', multiple: true },
        redis: { type: 'string' },
        'node-id': { type: 'string' },
        nodes: { type: 'string' },
        'broker-mode': { type: 'string' },
        'jwt-secret': { type: 'string' },
        workshop: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (err) {
    process.stderr.write(`wslab start: ${(err as Error).message}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  let port, heartbeat, misses, history, maxPayload, nodes;
  try {
    port = intOption(values.port, 'port', 0, 65535) ?? 8080;
    heartbeat = intOption(values.heartbeat, 'heartbeat', 0, MAX_INTERVAL_MS);
    if (heartbeat !== undefined && intervalProblem(heartbeat)) throw new UsageError(`--heartbeat must be 0 (off) or from ${MIN_INTERVAL_MS} to ${MAX_INTERVAL_MS} ms`);
    misses = intOption(values.misses, 'misses', 1, MAX_MISSES);
    history = intOption(values.history, 'history', 1, 10_000_000);
    maxPayload = intOption(values['max-payload'], 'max-payload', 126, 256 * 1024 * 1024);
    nodes = intOption(values.nodes, 'nodes', 1, 8);
    if (values.redis !== undefined && !/^rediss?:\/\//.test(values.redis)) throw new UsageError('--redis must be a redis:// or rediss:// URL');
    if (values['node-id'] !== undefined && !/^[A-Za-z0-9_-]{1,32}$/.test(values['node-id'])) throw new UsageError('--node-id must be 1-32 characters of A-Z a-z 0-9 _ -');
    if (values['broker-mode'] !== undefined && values['broker-mode'] !== 'pubsub' && values['broker-mode'] !== 'streams') throw new UsageError('--broker-mode must be pubsub or streams');
  } catch (err) {
    process.stderr.write(`wslab start: ${(err as Error).message}\n`);
    return 2;
  }
  // With --redis the fleet's secret is settled first: a node that cannot have it does not start
  // (and does not build the web app first only to refuse).
  let jwtSecret = values['jwt-secret'] ?? process.env.WSLAB_JWT_SECRET ?? null;
  let secretLine: string | null = null;
  if (values.redis !== undefined) {
    const { resolveFleetSecret, describeFleetSecret } = await import('../fanout/secret.ts');
    try {
      const fleet = resolveFleetSecret({ flag: values['jwt-secret'] ?? null });
      jwtSecret = fleet.secret;
      secretLine = describeFleetSecret(fleet);
    } catch (err) {
      process.stderr.write(`wslab start: refusing to start a --redis node: ${(err as Error).message}\n`);
      return 1;
    }
  }
  const { ensureWebBuild } = await import('./build.ts');
  const { startWslab } = await import('../app.ts');
  try {
    await ensureWebBuild((line) => process.stderr.write(line + '\n'));
  } catch (err) {
    process.stderr.write(`wslab start: building the web app failed: ${(err as Error).message}\n`);
    return 1;
  }
  let server;
  try {
    server = await startWslab({
      port,
      host: values.host ?? '127.0.0.1',
      historySize: history,
      maxPayload,
      allowOrigins: values['allow-origin'],
      fanout: {
        redis: values.redis ?? null,
        nodeId: values['node-id'],
        nodes,
        mode: values['broker-mode'] as 'pubsub' | 'streams' | undefined,
        jwtSecret,
      },
      heartbeat: { ...(heartbeat !== undefined && { intervalMs: heartbeat }), ...(misses !== undefined && { maxMisses: misses }) },
      workshop: values.workshop ?? false,
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const hint = e.code === 'EADDRINUSE' ? ` (port ${port} is taken; try --port 0 for any free port)` : '';
    process.stderr.write(`wslab start: cannot listen: ${e.message}${hint}\n`);
    return 1;
  }
  process.stdout.write(`wslab listening on ${server.url}\n`);
  if (server.workshop) printWorkshop(server.workshop, server.host);
  if (secretLine) process.stderr.write(secretLine + '\n');
  process.stderr.write(`chat nodes (${server.fanout.brokerKind} broker, ${server.fanout.mode.current}): ${server.fanout.nodes.map((n) => `${n.id} ${n.url}`).join(', ')}\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  const loss = server.fanout.shutdownLoss();
  if (loss) process.stderr.write(`wslab: shutting down: ${loss}\n`);
  await server.close();
  return 0;
}

/** The workshop banner: the presenter URL (once: it holds the key), and where participants go. */
function printWorkshop(w: WorkshopInfo, host: string): void {
  process.stdout.write(`workshop presenter (keep this URL to yourself: it holds the presenter key): ${w.presenterUrl}\n`);
  if (w.joinUrls.length) {
    process.stdout.write(`workshop participants open: ${w.joinUrls.join('  or  ')}\n`);
  } else if (isLoopbackHost(host)) {
    const why = host === '127.0.0.1' ? 'the server listens on 127.0.0.1 only (the safe default)' : `the server listens on ${host} only`;
    process.stderr.write(`workshop: ${why}, so only this machine can join. Participants on your network need --host 0.0.0.0: wslab start --workshop --host 0.0.0.0\n`);
  } else {
    process.stderr.write('workshop: this machine has no network address right now: connect it to the room\'s network, then participants open http://ADDRESS:PORT/workshop\n');
  }
}
