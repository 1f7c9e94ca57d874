// The fleet in one process: N chat nodes (each its own port, HTTP server and ws server, all tapped
// into the one event bus), the broker they share, a round-robin load balancer at /lab/chat on the
// main port, and the HTTP API under /__wslab/nodes and /__wslab/fanout/.
//
// The load balancer is a TCP proxy, as a real L4 balancer is: it checks the Origin (the main
// server's upgrade handler already did) and hands the raw upgrade request and every later byte to
// the next node's port. Browsers do not follow redirects on a WebSocket upgrade, so a redirect
// would not do. The node does the handshake; the balancer never parses a frame. The node sees the
// balancer as the client's address (X-Forwarded-For carries the real one), as behind any LB.
//
// With `--redis URL` and `--node-id NAME` several wslab processes form a real fleet on one Redis;
// each runs its own nodes (one by default when named).
import { connect, type Socket } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EventBus } from '../../stream/bus.ts';
import type { Registry } from '../../connection/registry.ts';
import type { HeartbeatConfig } from '../../core/api/heartbeat.ts';
import { Auth } from './auth.ts';
import { refuse } from '../../http/refuse.ts';
import { DEFAULT_CHAT_LIMITS, type ChatLimits } from './lab.ts';
import { NAME_RE } from '../../fanout/envelope.ts';
import type { HostRule } from '../../http/hosts.ts';
import { ChatNode, type NodeCounters } from './node.ts';
import { EmbeddedHub } from '../../fanout/embedded.ts';
import { DEFAULT_QUEUE_CAPS, type Broker, type DeliveryMode, type QueueCaps } from '../../fanout/broker.ts';
import { RedisBroker, redactUrl } from '../../fanout/redis.ts';
import { resolveFleetSecret, type FleetSecret } from '../../fanout/secret.ts';
import { safeTimeout } from '../../process/safe.ts';

export interface FanoutOptions {
  /** redis://host:port to use Redis; default the embedded broker */
  redis?: string | null;
  /** nodes in this process (1-8; default 2, or 1 when nodeId is given) */
  nodes?: number;
  /** this process's node name; with several nodes, the prefix of NAME1, NAME2, ... (default n) */
  nodeId?: string;
  /** pub/sub (at-most-once, default) or streams (resume from the last id) */
  mode?: DeliveryMode;
  /** entries kept per topic stream (default 1000) */
  streamLength?: number;
  /** presence TTL, refreshed every third of it while the node lives (default 30 s) */
  presenceTtlMs?: number;
  /** offline DMs kept per user (default 100) and their queue's TTL (default 24 h) */
  queueMax?: number;
  queueTtlMs?: number;
  /** the bound on all offline queues together (default 10,000 messages, 8 MiB, 1,000 users) */
  queueCaps?: Partial<QueueCaps>;
  /** JWT secret; default random per start. With Redis: this, else WSLAB_JWT_SECRET, else the state
   * file every node on the machine shares (server/fanout/secret.ts); never stored in Redis */
  jwtSecret?: string | null;
  /** where the fleet's secret file lives (default $WSLAB_STATE_DIR, $XDG_STATE_HOME/wslab, ~/.local/state/wslab) */
  stateDir?: string;
  limits?: Partial<ChatLimits>;
  /** fixed ports for the nodes (default any free port) */
  nodePorts?: number[];
}

export interface ClusterContext {
  bus: EventBus;
  registry: Registry;
  host: string;
  /** the Host names every listener answers to (DNS rebinding); each node adds its port */
  hosts?: HostRule;
  heartbeat: () => HeartbeatConfig;
  /** origins allowed to open sockets: the main page's own and --allow-origin ones */
  allowOrigins: readonly string[];
  maxPayload: number;
  maxConnections: number;
  upgradeRate: { perSecond: number; burst: number };
}

export const MAX_NODES = 8;

type SendJson = (res: ServerResponse, status: number, body: unknown) => void;
type ReadJson = (req: IncomingMessage) => Promise<unknown>;

export class FanoutCluster {
  readonly nodes: ChatNode[] = [];
  readonly mode: { current: DeliveryMode };
  private next = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  /** the embedded broker, when there is no Redis: its queues live and die with this process */
  private hub: EmbeddedHub | null = null;
  /** with Redis: where the fleet's JWT secret came from (never the secret's value in any output) */
  secretSource: FleetSecret | null = null;

  private constructor(
    readonly auth: Auth,
    readonly brokerKind: 'embedded' | 'redis',
    readonly target: string,
    private readonly admin: RedisBroker | null,
    mode: DeliveryMode,
  ) {
    this.mode = { current: mode };
  }

  static async start(ctx: ClusterContext, options: FanoutOptions = {}): Promise<FanoutCluster> {
    const count = options.nodes ?? (options.nodeId ? 1 : 2);
    if (!Number.isInteger(count) || count < 1 || count > MAX_NODES) throw new Error(`nodes must be 1 to ${MAX_NODES}`);
    const name = options.nodeId ?? 'n';
    if (!NAME_RE.test(name)) throw new Error('node id must be 1-32 characters of A-Z a-z 0-9 _ -');
    const ids = options.nodeId && options.nodes === undefined ? [name] : Array.from({ length: count }, (_, i) => `${name}${i + 1}`);
    const mode = options.mode ?? 'pubsub';
    const streamLength = options.streamLength ?? 1000;
    const limits: ChatLimits = { ...DEFAULT_CHAT_LIMITS, ...options.limits };
    const queueCaps: QueueCaps = { ...DEFAULT_QUEUE_CAPS, ...options.queueCaps };

    let connectBroker: (node: string) => Broker;
    let cluster: FanoutCluster;
    if (options.redis) {
      const url = options.redis;
      // A fleet must share one secret to accept each other's tokens. It is settled before Redis is
      // touched (so Redis being down or restarted changes nothing) and never written there; a
      // node that cannot get it throws FleetSecretError and does not start.
      const fleet = resolveFleetSecret({ flag: options.jwtSecret ?? null, dir: options.stateDir });
      const admin = new RedisBroker(url, { node: `${ids[0]}-admin`, mode, streamLength, queueCaps });
      await admin.start({ message() {}, status() {} });
      await admin.forgetLegacySecret();
      cluster = new FanoutCluster(new Auth(fleet.secret), 'redis', redactUrl(url), admin, mode);
      cluster.secretSource = fleet;
      connectBroker = (node) => new RedisBroker(url, { node, mode: cluster.mode.current, streamLength, queueCaps });
    } else {
      const hub = new EmbeddedHub({ streamLength, queueCaps });
      cluster = new FanoutCluster(new Auth(options.jwtSecret), 'embedded', 'embedded (in-process)', null, mode);
      cluster.hub = hub;
      connectBroker = (node) => hub.connect(node, cluster.mode.current);
    }
    for (const [i, id] of ids.entries()) {
      cluster.nodes.push(
        new ChatNode({
          id,
          host: ctx.host,
          hosts: ctx.hosts,
          port: options.nodePorts?.[i] ?? 0,
          bus: ctx.bus,
          registry: ctx.registry,
          auth: cluster.auth,
          connectBroker,
          limits,
          heartbeat: ctx.heartbeat,
          allowOrigins: ctx.allowOrigins,
          maxPayload: ctx.maxPayload,
          maxConnections: ctx.maxConnections,
          upgradeRate: ctx.upgradeRate,
          presenceTtlMs: options.presenceTtlMs ?? 30_000,
          queueMax: options.queueMax ?? 100,
          queueTtlMs: options.queueTtlMs ?? 24 * 3600_000,
        }),
      );
    }
    try {
      // Announced: the stream (and the diagram) learn which port is which node from these events.
      for (const node of cluster.nodes) await node.start();
    } catch (err) {
      await cluster.close();
      throw err;
    }
    return cluster;
  }

  node(id: string): ChatNode | undefined {
    return this.nodes.find((n) => n.id === id);
  }

  /** The load balancer: /lab/chat on the main port goes to the next running node, round robin. */
  route(url: URL, req: IncomingMessage, socket: Socket, head: Buffer): boolean {
    if (url.pathname !== '/lab/chat' && url.pathname !== '/lab/chat/') return false;
    const live = this.nodes.filter((n) => n.running);
    if (live.length === 0) {
      refuse(socket, 503, 'No chat node is running; start one with POST /__wslab/fanout/nodes/ID/start.');
      return true;
    }
    const node = live[this.next++ % live.length];
    proxyUpgrade(req, socket, head, node.connectHost, node.port);
    return true;
  }

  async login(req: IncomingMessage, res: ServerResponse, readJson: ReadJson, sendJson: SendJson): Promise<void> {
    let body: unknown;
    try {
      body = await readJson(req);
    } catch (err) {
      return sendJson(res, (err as { status?: number }).status === 413 ? 413 : 400, { error: (err as Error).message });
    }
    await this.auth.login(req, res, body);
  }

  nodeList(): object[] {
    return this.nodes.map((n) => ({
      id: n.id,
      url: n.url,
      port: n.port,
      running: n.running,
      sockets: n.clientCount,
      users: n.sessionCount,
      broker: n.broker?.describe() ?? null,
      counters: n.counters,
    }));
  }

  async status(): Promise<object> {
    const totals = {} as Record<keyof NodeCounters, number>;
    for (const n of this.nodes) for (const [k, v] of Object.entries(n.counters)) totals[k as keyof NodeCounters] = (totals[k as keyof NodeCounters] ?? 0) + v;
    return { broker: this.brokerKind, mode: this.mode.current, target: this.target, loadBalancer: '/lab/chat', nodes: this.nodeList(), totals };
  }

  /** The broker the lab's reads go to (presence, queues), or null while every link to it is down. */
  brokerForReads(): Broker | null {
    if (this.admin?.status === 'up') return this.admin;
    return this.nodes.find((n) => n.broker?.status === 'up')?.broker ?? null;
  }

  /** Runs `fn` after `ms` unless the cluster closes first. */
  schedule(ms: number, fn: () => void): void {
    const t = safeTimeout('a chat node action', () => {
      this.timers.delete(t);
      fn();
    }, ms);
    t.unref();
    this.timers.add(t);
  }

  /** GET /__wslab/nodes, and everything under /__wslab/fanout. */
  /**
   * What stopping now would lose, as a sentence (null: nothing). The embedded broker keeps offline
   * queues in this process's memory, so its queued DMs end with it; Redis keeps them.
   */
  shutdownLoss(): string | null {
    const t = this.hub?.queueTotals();
    if (!t || t.messages === 0) return null;
    return `${t.messages} queued direct message${t.messages === 1 ? '' : 's'} for ${t.users} offline user${t.users === 1 ? '' : 's'} (${t.bytes} B) ${t.messages === 1 ? 'is' : 'are'} dropped: the embedded broker keeps them in memory only; with --redis they outlive the process`;
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.all(this.nodes.map((n) => n.stop().catch(() => {})));
    await this.admin?.close();
  }
}

/**
 * Hands an upgrade to a node over TCP: the request head as received (plus X-Forwarded-For), the
 * bytes that came with it, then both directions piped as they are (pipe() applies backpressure).
 */
function proxyUpgrade(req: IncomingMessage, client: Socket, head: Buffer, host: string, port: number): void {
  const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
  const raw = req.rawHeaders;
  let forwarded = client.remoteAddress ?? '';
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i].toLowerCase() === 'x-forwarded-for') forwarded = `${raw[i + 1]}, ${forwarded}`;
    else lines.push(`${raw[i]}: ${raw[i + 1]}`);
  }
  lines.push(`X-Forwarded-For: ${forwarded}`, '', '');
  const upstream = connect(port, host);
  let connected = false;
  client.on('error', () => upstream.destroy());
  client.on('close', () => upstream.destroy());
  upstream.on('error', () => {
    if (!connected) refuse(client, 502, `The load balancer could not reach the chat node on port ${port}.`);
    else client.destroy();
  });
  upstream.on('close', () => client.destroy());
  upstream.setNoDelay(true);
  client.setNoDelay(true);
  upstream.once('connect', () => {
    connected = true;
    upstream.write(lines.join('\r\n'));
    if (head.length) upstream.write(head);
    client.pipe(upstream);
    upstream.pipe(client);
  });
}
