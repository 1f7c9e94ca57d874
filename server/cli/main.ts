// The `wslab` command: start the playground, decode bytes, compute accept keys, watch events.
import { intervalProblem, MAX_INTERVAL_MS, MAX_MISSES, MIN_INTERVAL_MS } from '../core/api/heartbeat.ts';
import { parseArgs } from 'node:util';
import { runDecode } from './decode.ts';
import { runWatch } from './watch.ts';
import { computeAccept } from '../core/wire/index.ts';
import type { WorkshopInfo } from '../app.ts';
import { isLoopbackHost } from '../workshop/lan.ts';
import { qrText } from '../workshop/qr.ts';
import { splitHost } from '../http/hosts.ts';
import { parseMemoryBudget } from '../process/budget.ts';

export const HELP = `wslab — a WebSocket playground that shows every byte

Usage:
  wslab start [--port N] [--host H] [--workshop] [--heartbeat MS] [--misses N] [--history N]
              [--max-payload BYTES] [--memory-budget SIZE] [--allow-origin ORIGIN]... [--allow-host NAME[:PORT]]...
              [--redis URL] [--node-id NAME] [--nodes N] [--broker-mode pubsub|streams]
              [--jwt-secret SECRET] [--presenter-name NAME] [--no-state]
      Build the web app if needed, then serve it and the WebSocket labs on one port.
      Prints "wslab listening on http://HOST:PORT" once ready, and the connection caps it
      lowered to fit the open-file limit (ulimit -n), if any. SIGINT/SIGTERM close every
      connection with 1001 and exit within 5 s.
      --port N           port to listen on; 0 picks any free port (default 8080)
      --host H           interface to bind (default 127.0.0.1; 0.0.0.0 exposes it to your network)
      --workshop         workshop mode for a room: participants join at /workshop with a name;
                         prints a presenter URL holding a secret key (random per start) whose
                         page shows everyone's connections and breaks their network on purpose.
                         Add --host 0.0.0.0 so participants on your network can connect; the
                         join URL is printed as text and as a QR code. A participant whose pages
                         are all gone leaves after 30 s (back within it: still in the room)
      --presenter-name N your name in a workshop: no participant may join as it (nor as
                         Presenter, Instructor, Host, Admin or Teacher)
      --heartbeat MS     server ping interval for lab connections; 0 = off (default 30000)
      --misses N         terminate after N unanswered pings in a row (default 2)
      --history N        events kept for replay (default 100000)
      --max-payload B    largest message a lab accepts (default 65536)
      --memory-budget S  what clients may make the server buffer in all (push labs' send
                         buffers, history readers, deflate contexts): MiB, or 512M, 1G
                         (default 256); past it new ones are refused with 503 or close 1013
      --allow-origin O   also accept WebSocket upgrades from this page origin (repeatable)
      --allow-host H     also answer requests whose Host is H (NAME for every port wslab
                         serves, NAME:PORT for that port; repeatable). Without it wslab answers
                         only 127.0.0.1, localhost, [::1], the --host address and, bound to all
                         interfaces, this machine's network addresses: any other Host gets 421
                         (a page reaching wslab under a foreign name is DNS rebinding)
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
      --no-state         keep challenge progress in memory only. Default: each learner's solved
                         challenges are saved to challenges.json in the state directory (as
                         above: WSLAB_STATE_DIR, else $XDG_STATE_HOME/wslab, else
                         ~/.local/state/wslab), mode 0600, up to 2000 learners (the least
                         recently seen dropped), learners kept as a hash of their session id.
                         Delete the file to start everyone afresh; a file wslab cannot read is
                         set aside as challenges.json.bad and said on stderr

  wslab proxy TARGET [--port N] [--host H] [--insecure] [--header "Name: value"]... [--origin O]
              [--heartbeat MS] [--allow-origin ORIGIN]... [--allow-host NAME[:PORT]]...
      Put your own app's WebSocket traffic under the lens. Serves the web app and the event
      stream as start does, and relays every WebSocket upgrade whose path is not wslab's own
      (/__wslab/…, /lab/…) to TARGET (ws:// or wss://): the request's path is appended to
      TARGET's path, its query kept. The upgrade and then every byte go through unchanged
      (masking keys, fragmentation, permessage-deflate agreed end to end), decoded both ways
      in /inspect, the diagram, the connection view and wslab watch. Add ?link=TAG to the
      URL for the chaos link. An upstream that refuses, fails or does not answer within 10 s
      gets the client the matching status (502 unreachable or TLS error, 504 timeout, the
      upstream's own 4xx/5xx) with a sentence, and an error event. Prints "wslab listening on
      http://HOST:PORT" and what it proxies where. Intercept rules (POST /__wslab/intercept, or
      the /intercept page) drop, rewrite, delay or hold messages and inject new ones; a
      connection opened while a rule is in force is carried as two WebSocket sessions.
      --insecure         accept any certificate from a wss:// upstream (default: verified
                         against the system's CAs); says so on screen
      --header "N: v"    send this header to the upstream, replacing the client's (repeatable)
      --origin O         send Origin: O to the upstream instead of the client's
      --heartbeat MS     ping the client every MS ms between the upstream's frames (default 0: off)
      --port, --host, --allow-origin, --allow-host   as for start (browser pages on another
                         origin need --allow-origin to open sockets through the proxy)

  wslab decode (--hex "81 05 48 65 6c 6c 6f" | --file FILE | -) [--direction client|server]
              [--max-payload BYTES]
      Decode WebSocket frames (RFC 6455) and print one JSON object per frame (NDJSON),
      then {"violation":{...}} if the bytes break the protocol, or {"incomplete":{...}}
      if they end inside a frame. --file reads raw bytes; - reads hex text from stdin.
      --direction says who sent them: client frames must be masked, server frames not.
      Exit status: 0 valid, 1 violation (or bytes ending inside a frame), 2 usage error, 3 the decoder itself failed (a bug in wslab).

  wslab decode --pcap FILE [--max-payload BYTES]
      Decode the WebSocket connections in a packet capture (pcap or pcapng from tcpdump,
      dumpcap, tshark, Wireshark; Ethernet, Linux cooked v1/v2, loopback, raw IP; IPv4/IPv6).
      TCP is reassembled per direction; connections are found by their HTTP upgrade. Prints
      one JSON object per handshake, frame, violation and problem, each with "stream"
      ("CLIENT:PORT -> SERVER:PORT"), "dir" (c2s|s2c) and "t" (ms since the epoch); frames
      carry the fields above, inflated text/hex when permessage-deflate was negotiated.
      Exit status: 0 clean, 1 a violation, unfinished frame or hole in the capture, 2 not a
      capture (or usage error).

  wslab open FILE [--port N] [--host H]
      Look at traffic recorded elsewhere: serve the web app with FILE loaded as its history
      and no live traffic (heartbeats off). FILE is a pcap or pcapng capture (frames decoded
      from the captured bytes, as decode --pcap does), a HAR with _webSocketMessages
      (Chrome's, Firefox's or Playwright's; a HAR keeps messages, not frames, so each message
      is shown as one frame whose FIN, RSV bits, masking key, header bytes and offset are
      reconstructed and marked so), or a session saved by wslab (the NDJSON of
      GET /__wslab/events, or /inspect's export). Files up to 64 MiB. Prints "wslab listening
      on http://HOST:PORT", then what it loaded (connections, frames), what it synthesised
      and what it could not read. Connections are named i1, i2, …; /inspect, the diagram and
      the connection view show them. Exit status: 1 when the file cannot be read, 2 usage.

  wslab export (--har FILE | --pcapng FILE) [--conn ID] [URL | HOST:PORT | PORT | FILE]
      Write a running server's history (default http://127.0.0.1:8080), or a file wslab open
      reads (a session, a capture, a HAR), as a HAR in Chrome's shape (_webSocketMessages;
      control frames, frame bits and masking keys under _-prefixed keys) or as pcapng with
      synthesised TCP that Wireshark's WebSocket dissector reads. --conn ID: one connection.
      The history keeps the first 64 payload bytes of each frame: longer
      ones are marked _truncated in the HAR and written cut in the pcapng.
      Exit status: 1 nothing to export or the source cannot be read, 2 usage.

  wslab replay FILE --target URL [--speed X] [--conn ID]
      Play the client side of a recorded connection (FILE as for open: a capture, a HAR or
      a session; --conn ID picks one, default the first) against the server at URL (ws://
      or wss://), with the recorded timing divided by X (default 1; 2 is twice as fast),
      then compare the server's answers with the recorded ones, in order: each answer that
      differs, is missing or is extra gets a line. A message recorded cut (the history keeps
      64 bytes of a frame) is sent as far as it is known, and said so.
      Exit status: 0 every answer matches, 1 a difference (or no connection), 2 usage.

  wslab accept KEY
      Print the Sec-WebSocket-Accept value a server must answer for Sec-WebSocket-Key KEY.
      A KEY that is not base64 of 16 bytes (RFC 6455 §4.1) gets a warning on stderr; the
      value is still printed.

  wslab watch [URL] [--json] [--summary] [--types a,b] [--conn ID] [--since SEQ]
      Follow a running server's event stream in the terminal, one line per event.
      URL: http(s)://, ws(s)://, HOST:PORT or PORT (default http://127.0.0.1:8080).
      --json prints the raw events (NDJSON); --summary prints one line per second instead
      (connections, frames/s per opcode, bytes/s); --since SEQ replays from SEQ (0: the
      oldest kept). When the server stops, watch says so on stderr and reconnects with
      backoff, resuming after the last event it printed; it exits only on Ctrl-C (or 1
      when no server answers the first time).

  wslab conform URL [--cases PATTERN[,PATTERN]] [--json] [--out DIR] [--agent NAME]
                    [--time-scale N] [--scale F]
      Test a WebSocket server that echoes what it receives against the conformance cases of
      Autobahn|Testsuite (chapters 1-7: framing, pings, reserved bits, opcodes, fragmentation,
      UTF-8, closing; 9: limits and performance; 10: auto-fragmentation; 12-13:
      permessage-deflate, UNIMPLEMENTED when the server does not accept it) and wslab's own
      chapter w.1 (unmasked client frames, control frames that lie about their length). Prints
      a table, each verdict with the RFC rule behind it.
      --cases P,P    only cases whose id matches a pattern; * matches anything (6.4.*, w.*)
      --json         one NDJSON object per case, then {"summary":{...}}
      --out DIR      also write Autobahn-format reports: DIR/index.json and one file per case
      --agent NAME   the name in the reports (default: the server's Server header, or HOST:PORT)
      --time-scale N multiply the cases' timers (Autobahn's: 0.5-10 s) by N for a slow server
      --scale F      chapter 9's message sizes and round trips and chapters 12-13's message
                     counts are Autobahn's times F (default 1/64; 1 = Autobahn's, 16 MiB messages)
      Exit status: 0 no case failed, 1 a case failed (or the server cannot be reached), 2 usage.

  wslab conform --serve [--port N] [--host H] [--cases P,P] [--out DIR] [--time-scale N]
                        [--scale F] [--allow-origin O]
      The fuzzing server, to test WebSocket clients (Autobahn's fuzzingserver): a client reads
      /getCaseCount, connects to /runCase?case=N&agent=NAME for each case and echoes every
      message, then opens /updateReports?agent=NAME. Chapters 1-7, 9, 10, 12 and 13, the
      roles swapped: the server sends each case's frames or messages (in 12-13 compressed,
      accepting the client's permessage-deflate offer as the case says), the client's
      reactions and echoes are judged. Prints each verdict.
      --port N  default 9001 (0: any free port); --host H  default 127.0.0.1
      --out DIR  write Autobahn-format reports there on /updateReports

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
      const problem = keyProblem(rest[0]);
      if (problem) process.stderr.write(`wslab accept: warning: ${problem}. RFC 6455 §4.1 requires Sec-WebSocket-Key to be a base64 value that decodes to 16 bytes (24 characters ending in ==); a conforming server refuses this handshake with 400. The value below is computed anyway.\n`);
      process.stdout.write(computeAccept(rest[0]) + '\n');
      return 0;
    }
    case 'watch':
      return runWatch(rest);
    case 'proxy':
      return (await import('./proxy.ts')).runProxy(rest, HELP);
    case 'conform':
      return (await import('./conform.ts')).runConform(rest);
    case 'open':
      return (await import('./open.ts')).runOpen(rest, HELP);
    case 'export':
      return (await import('./export.ts')).runExport(rest, HELP);
    case 'replay':
      return (await import('./replay.ts')).runReplay(rest, HELP);
    default:
      process.stderr.write(`wslab: unknown command "${command}"\n\n${HELP}`);
      return 2;
  }
}

/** Why `key` is not a valid Sec-WebSocket-Key (RFC 6455 §4.1), or null when it is one. */
export function keyProblem(key: string): string | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(key) || key.length % 4 !== 0) return `"${key}" is not base64`;
  const bytes = Buffer.from(key, 'base64').length;
  if (bytes !== 16) return `"${key}" decodes to ${bytes} byte${bytes === 1 ? '' : 's'}, not 16`;
  return null;
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
        'memory-budget': { type: 'string' },
        'allow-origin': { type: 'string', multiple: true },
        'allow-host': { type: 'string', multiple: true },
        redis: { type: 'string' },
        'node-id': { type: 'string' },
        nodes: { type: 'string' },
        'broker-mode': { type: 'string' },
        'jwt-secret': { type: 'string' },
        workshop: { type: 'boolean' },
        'presenter-name': { type: 'string' },
        'no-state': { type: 'boolean' },
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
  let port, heartbeat, misses, history, maxPayload, nodes, memoryBudget;
  try {
    port = intOption(values.port, 'port', 0, 65535) ?? 8080;
    heartbeat = intOption(values.heartbeat, 'heartbeat', 0, MAX_INTERVAL_MS);
    if (heartbeat !== undefined && intervalProblem(heartbeat)) throw new UsageError(`--heartbeat must be 0 (off) or from ${MIN_INTERVAL_MS} to ${MAX_INTERVAL_MS} ms`);
    misses = intOption(values.misses, 'misses', 1, MAX_MISSES);
    history = intOption(values.history, 'history', 1, 10_000_000);
    maxPayload = intOption(values['max-payload'], 'max-payload', 126, 256 * 1024 * 1024);
    nodes = intOption(values.nodes, 'nodes', 1, 8);
    if (values['memory-budget'] !== undefined) {
      try {
        memoryBudget = parseMemoryBudget(values['memory-budget']);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
    }
    if (values.redis !== undefined && !/^rediss?:\/\//.test(values.redis)) throw new UsageError('--redis must be a redis:// or rediss:// URL');
    for (const h of values['allow-host'] ?? []) if (!splitHost(h)) throw new UsageError(`--allow-host ${h} is not a host name, address or NAME:PORT`);
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
  const { prepareToServe } = await import('./serve.ts');
  const { startWslab } = await import('../app.ts');
  const { untilSignal } = await import('../process/shutdown.ts');
  const { describeReduced } = await import('../process/limits.ts');
  const { stateDir } = await import('../process/state-dir.ts');
  if (!(await prepareToServe('start'))) return 1;
  let server;
  try {
    server = await startWslab({
      port,
      host: values.host ?? '127.0.0.1',
      historySize: history,
      maxPayload,
      memoryBudget,
      allowOrigins: values['allow-origin'],
      allowHosts: values['allow-host'],
      fanout: {
        redis: values.redis ?? null,
        nodeId: values['node-id'],
        nodes,
        mode: values['broker-mode'] as 'pubsub' | 'streams' | undefined,
        jwtSecret,
      },
      heartbeat: { ...(heartbeat !== undefined && { intervalMs: heartbeat }), ...(misses !== undefined && { maxMisses: misses }) },
      workshop: values.workshop ? { presenterName: values['presenter-name'] } : false,
      stateDir: values['no-state'] ? undefined : stateDir(),
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
  const reduced = describeReduced(server.limits);
  if (reduced.length) {
    process.stderr.write(
      `wslab: this process may open ${server.limits.fdLimit} files (ulimit -n), so it accepts at most: ${reduced.join(', ')}. ` +
        `Raise the limit (ulimit -n 65536) before wslab start for the defaults.\n`,
    );
  }
  // SIGINT/SIGTERM: every connection gets 1001, and the process is gone within 5 s; queued direct
  // messages the embedded broker drops are said out loud first
  await untilSignal(async () => {
    const loss = server.fanout.shutdownLoss();
    if (loss) process.stderr.write(`wslab: shutting down: ${loss}\n`);
    await server.shutdown();
  });
  return 0;
}

/** The workshop banner: the presenter URL (once: it holds the key), and where participants go. */
function printWorkshop(w: WorkshopInfo, host: string): void {
  process.stdout.write(`workshop presenter (keep this URL to yourself: it holds the presenter key): ${w.presenterUrl}\n`);
  if (w.joinUrls.length) {
    process.stdout.write(`workshop participants open: ${w.joinUrls.join('  or  ')}\n`);
    process.stdout.write(`${qrText(w.joinUrls[0])}\n`);
  } else if (isLoopbackHost(host)) {
    const why = host === '127.0.0.1' ? 'the server listens on 127.0.0.1 only (the safe default)' : `the server listens on ${host} only`;
    process.stderr.write(`workshop: ${why}, so only this machine can join. Participants on your network need --host 0.0.0.0: wslab start --workshop --host 0.0.0.0\n`);
  } else {
    process.stderr.write('workshop: this machine has no network address right now: connect it to the room\'s network, then participants open http://ADDRESS:PORT/workshop\n');
  }
}
