// The Redis broker (ioredis): three connections per node —
//   cmd     publishes, presence, queues (commands fail fast while Redis is away: no unbounded
//           offline queue in the node)
//   sub     SUBSCRIBE for pub/sub mode (a connection in subscribe mode can do nothing else)
//   reader  XREAD BLOCK for streams mode (a blocking read holds its connection)
// ioredis reconnects by itself with capped exponential backoff; on every reconnect this link
// resubscribes its topics (pub/sub) or resumes from its last ids (streams), and reports the change.
//
// Keys (prefix wslab:):
//   ch:TOPIC            pub/sub channel
//   st:TOPIC            stream, MAXLEN streamLength, one field d = the message
//   sock:NODE/SOCKET    hash: socketId sessionId userId node rooms connectedAt, PEXPIRE ttl
//   user:USER           zset of NODE/SOCKET scored by expiry time
//   room:ROOM           zset of NODE/SOCKET|USER scored by expiry time
//   inbox:USER          list of queued messages, LTRIM to the bound, PEXPIRE ttl
//   inboxes             zset of USER scored by their inbox's expiry (the fleet-wide queue caps)
//   inbox-n, inbox-b    hashes USER → messages, bytes in their inbox
import { Redis, type RedisOptions } from 'ioredis';
import {
  BrokerDownError,
  DEFAULT_QUEUE_CAPS,
  QueueFullError,
  socketKey,
  type QueueCaps,
  type Broker,
  type BrokerHandlers,
  type BrokerOptions,
  type BrokerStatus,
  type DeliveryMode,
  type LinkStatus,
  type PublishResult,
  type QueueResult,
  type SocketPresence,
} from './broker.ts';
import { safeTimeout } from '../process/safe.ts';

const P = 'wslab:';
const READ_BATCH = 500;
const BLOCK_MS = 10_000;
const MAX_SCAN = 10_000;

// Enqueue within the fleet-wide caps, atomically: forget expired inboxes, sum what is queued,
// refuse (-1 users, -2 messages, -3 bytes) or RPUSH + LTRIM + PEXPIRE and keep the tallies.
// KEYS: inbox:USER, inboxes, inbox-n, inbox-b. ARGV: user, entry, max, ttlMs, now, caps (messages, bytes, users).
const ENQUEUE_LUA = `
local now = tonumber(ARGV[5])
for _, u in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)) do
  redis.call('HDEL', KEYS[3], u); redis.call('HDEL', KEYS[4], u); redis.call('ZREM', KEYS[2], u)
end
local user, entry, max = ARGV[1], ARGV[2], tonumber(ARGV[3])
local n, b = 0, 0
for _, v in ipairs(redis.call('HVALS', KEYS[3])) do n = n + tonumber(v) end
for _, v in ipairs(redis.call('HVALS', KEYS[4])) do b = b + tonumber(v) end
local known = redis.call('ZSCORE', KEYS[2], user)
if not known then redis.call('DEL', KEYS[1]) end
if not known and redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[8]) then return {-1, 0} end
local len = redis.call('LLEN', KEYS[1])
local out, outBytes = 0, 0
if len + 1 > max then
  for _, e in ipairs(redis.call('LRANGE', KEYS[1], 0, len - max)) do out = out + 1; outBytes = outBytes + string.len(e) end
end
if n - out + 1 > tonumber(ARGV[6]) then return {-2, 0} end
if b - outBytes + string.len(entry) > tonumber(ARGV[7]) then return {-3, 0} end
redis.call('RPUSH', KEYS[1], entry)
redis.call('LTRIM', KEYS[1], -max, -1)
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[4]), user)
redis.call('HINCRBY', KEYS[3], user, 1 - out)
redis.call('HINCRBY', KEYS[4], user, string.len(entry) - outBytes)
return {redis.call('LLEN', KEYS[1]), out}
`;

// LREM one entry and keep the tallies. KEYS: inbox:USER, inboxes, inbox-n, inbox-b. ARGV: user, entry.
const DEQUEUE_LUA = `
local removed = redis.call('LREM', KEYS[1], 1, ARGV[2])
if removed > 0 then
  redis.call('HINCRBY', KEYS[3], ARGV[1], -1)
  redis.call('HINCRBY', KEYS[4], ARGV[1], -string.len(ARGV[2]))
  if redis.call('LLEN', KEYS[1]) == 0 then
    redis.call('HDEL', KEYS[3], ARGV[1]); redis.call('HDEL', KEYS[4], ARGV[1]); redis.call('ZREM', KEYS[2], ARGV[1])
  end
end
return removed
`;

/** redis://user:secret@host:port → redis://host:port (for status pages and events). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return 'redis (unparsable URL)';
  }
}

function clientOptions(name: string): RedisOptions {
  return {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    autoResubscribe: false, // done here, so the resubscription shows in the events
    connectionName: name,
    connectTimeout: 2000,
    // backoff with a cap and jitter, so a fleet does not reconnect in lockstep
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2000) + Math.floor(Math.random() * 50),
  };
}

export class RedisBroker implements Broker {
  readonly kind = 'redis' as const;
  readonly node: string;
  mode: DeliveryMode;
  private readonly streamLength: number;
  private readonly queueCaps: QueueCaps;
  private readonly cmd: Redis;
  private readonly sub: Redis;
  private readonly reader: Redis;
  private handlers: BrokerHandlers | null = null;
  private linkStatus: LinkStatus = 'down';
  private readonly topics = new Set<string>();
  private readonly cursors = new Map<string, string>();
  private subscribed = false;
  private readerId: number | null = null;
  private reading = false;
  private dirty = false;
  private paused = false;
  private closed = false;
  private everUp = false;
  private reconnects = 0;
  private lastError = '';

  constructor(
    private readonly url: string,
    options: BrokerOptions,
  ) {
    this.node = options.node;
    this.mode = options.mode;
    this.streamLength = options.streamLength;
    this.queueCaps = options.queueCaps ?? DEFAULT_QUEUE_CAPS;
    this.cmd = new Redis(url, clientOptions(`wslab-${options.node}-cmd`));
    this.sub = new Redis(url, clientOptions(`wslab-${options.node}-sub`));
    this.reader = new Redis(url, clientOptions(`wslab-${options.node}-reader`));
    for (const c of [this.cmd, this.sub, this.reader]) {
      c.on('error', (err: Error) => (this.lastError = err.message));
      c.on('close', () => this.onClose());
    }
    this.cmd.on('ready', () => this.update('connected'));
    this.sub.on('ready', () => void this.onSubReady());
    this.reader.on('ready', () => void this.onReaderReady());
    this.sub.on('message', (channel: string, data: string) => this.handlers?.message(channel.slice(P.length + 3), data, null));
  }

  get status(): LinkStatus {
    return this.linkStatus;
  }

  async start(handlers: BrokerHandlers): Promise<void> {
    this.handlers = handlers;
    this.connectAll();
    // wait briefly for the first connection; if Redis is not there the node starts anyway
    const deadline = Date.now() + 3000;
    while (this.linkStatus !== 'up' && Date.now() < deadline && !this.closed) await sleep(20);
    if (this.linkStatus !== 'up') this.setStatus('down', `cannot reach ${redactUrl(this.url)}${this.lastError ? `: ${this.lastError}` : ''}; retrying`);
  }

  private connectAll(): void {
    for (const c of [this.cmd, this.sub, this.reader]) {
      if (c.status === 'wait' || c.status === 'end') c.connect().catch(() => {});
    }
  }

  private setStatus(status: LinkStatus, detail: string): void {
    if (status === this.linkStatus) return;
    this.linkStatus = status;
    this.handlers?.status(status, detail);
  }

  private allReady(): boolean {
    return this.cmd.status === 'ready' && this.sub.status === 'ready' && this.subscribed && this.reader.status === 'ready' && this.readerId !== null;
  }

  private update(detail: string): void {
    if (this.closed || this.paused) return;
    if (this.allReady()) {
      if (this.everUp) this.reconnects++;
      const again = this.everUp;
      this.everUp = true;
      const n = this.topics.size;
      this.setStatus('up', again ? `reconnected to ${redactUrl(this.url)}; ${this.mode === 'pubsub' ? 'resubscribed' : 'resumed'} ${n} topic${n === 1 ? '' : 's'}` : `${detail} to ${redactUrl(this.url)}`);
    }
  }

  private onClose(): void {
    if (this.closed || this.paused) return;
    this.subscribed = this.sub.status === 'ready' && this.subscribed;
    if (this.linkStatus === 'up') this.setStatus('down', `lost the connection to ${redactUrl(this.url)}${this.lastError ? ` (${this.lastError})` : ''}; reconnecting`);
  }

  private async onSubReady(): Promise<void> {
    this.subscribed = false;
    try {
      if (this.mode === 'pubsub' && this.topics.size) await this.sub.subscribe(...[...this.topics].map(channel));
      this.subscribed = true;
    } catch {
      return; // the connection went again; the next 'ready' retries
    }
    this.update('connected');
  }

  private async onReaderReady(): Promise<void> {
    this.readerId = null;
    try {
      this.readerId = Number(await this.reader.client('ID'));
    } catch {
      return;
    }
    this.update('connected');
    void this.readLoop();
  }

  private up(what: string): void {
    if (this.linkStatus !== 'up' || this.cmd.status !== 'ready') throw new BrokerDownError(this.node, what);
  }

  // streams: one blocking reader per node, resuming from the last id of every topic ----------

  private async readLoop(): Promise<void> {
    if (this.reading) return;
    this.reading = true;
    try {
      while (!this.closed && !this.paused && this.mode === 'streams' && this.cursors.size && this.reader.status === 'ready') {
        this.dirty = false;
        const topics = [...this.cursors.keys()];
        const res = (await this.reader.xread('COUNT', READ_BATCH, 'BLOCK', BLOCK_MS, 'STREAMS', ...topics.map(stream), ...topics.map((t) => this.cursors.get(t)!))) as
          | [string, [string, string[]][]][]
          | null;
        if (!res) continue;
        for (const [key, entries] of res) {
          const topic = key.slice(P.length + 3);
          for (const [id, fields] of entries) {
            if (!this.cursors.has(topic)) break; // unsubscribed meanwhile
            this.cursors.set(topic, id);
            this.handlers?.message(topic, fields[1], id);
          }
        }
      }
    } catch {
      // the reader's connection went away: its next 'ready' restarts the loop from the same ids
    } finally {
      this.reading = false;
    }
  }

  /** The topic set changed: make the blocked XREAD return so the loop reads the new set. */
  private wake(): void {
    if (this.mode !== 'streams') return;
    this.dirty = true;
    if (!this.reading) {
      void this.readLoop();
      return;
    }
    const id = this.readerId;
    const poke = (tries: number): void => {
      if (!this.dirty || id === null || this.cmd.status !== 'ready') return;
      this.cmd
        .client('UNBLOCK', id)
        .then((n) => {
          // 0: the XREAD was not blocked yet (in flight with the old topics): try again shortly
          if (Number(n) === 0 && tries > 0) safeTimeout('the redis broker', () => poke(tries - 1), 5);
        })
        .catch(() => {});
    };
    poke(40);
  }

  private async streamHead(topic: string): Promise<string> {
    try {
      const last = (await this.cmd.xrevrange(stream(topic), '+', '-', 'COUNT', 1)) as [string, string[]][];
      return last.length ? last[0][0] : '0-0';
    } catch {
      return '$';
    }
  }

  // Broker ------------------------------------------------------------------------------------

  async publish(topic: string, data: string): Promise<PublishResult> {
    this.up('publish');
    if (this.mode === 'streams') {
      const id = await this.cmd.xadd(stream(topic), 'MAXLEN', String(this.streamLength), '*', 'd', data);
      return { receivers: null, streamId: id };
    }
    return { receivers: await this.cmd.publish(channel(topic), data), streamId: null };
  }

  async subscribe(topic: string): Promise<void> {
    if (this.topics.has(topic)) return;
    this.topics.add(topic);
    if (this.mode === 'streams') {
      this.cursors.set(topic, await this.streamHead(topic));
      this.wake();
    } else if (this.sub.status === 'ready') {
      await this.sub.subscribe(channel(topic)).catch(() => {});
    }
  }

  async unsubscribe(topic: string): Promise<void> {
    if (!this.topics.delete(topic)) return;
    if (this.cursors.delete(topic)) this.wake();
    if (this.sub.status === 'ready') await this.sub.unsubscribe(channel(topic)).catch(() => {});
  }

  async setMode(mode: DeliveryMode): Promise<void> {
    if (mode === this.mode) return;
    this.mode = mode;
    const channels = [...this.topics].map(channel);
    if (mode === 'streams') {
      if (channels.length && this.sub.status === 'ready') await this.sub.unsubscribe(...channels).catch(() => {});
      for (const t of this.topics) this.cursors.set(t, await this.streamHead(t));
      this.wake();
    } else {
      this.cursors.clear();
      this.dirty = true;
      if (this.readerId !== null && this.cmd.status === 'ready') await this.cmd.client('UNBLOCK', this.readerId).catch(() => {});
      if (channels.length && this.sub.status === 'ready') await this.sub.subscribe(...channels).catch(() => {});
    }
  }

  async putPresence(p: SocketPresence, ttlMs: number): Promise<void> {
    await this.refreshPresence([p], ttlMs);
  }

  async refreshPresence(list: readonly SocketPresence[], ttlMs: number): Promise<void> {
    this.up('presence write');
    const exp = Date.now() + ttlMs;
    const m = this.cmd.multi();
    for (const p of list) {
      const key = socketKey(p);
      m.hset(`${P}sock:${key}`, {
        socketId: p.socketId,
        sessionId: p.sessionId ?? '',
        userId: p.userId,
        node: p.node,
        rooms: JSON.stringify(p.rooms),
        connectedAt: String(p.connectedAt),
      });
      m.pexpire(`${P}sock:${key}`, ttlMs);
      m.zadd(`${P}user:${p.userId}`, exp, key);
      m.pexpire(`${P}user:${p.userId}`, ttlMs);
      for (const room of p.rooms) {
        m.zadd(`${P}room:${room}`, exp, `${key}|${p.userId}`);
        m.pexpire(`${P}room:${room}`, ttlMs);
      }
    }
    await m.exec();
  }

  async leavePresence(p: SocketPresence, room: string): Promise<void> {
    this.up('presence write');
    await this.cmd.zrem(`${P}room:${room}`, `${socketKey(p)}|${p.userId}`);
  }

  async removePresence(p: SocketPresence): Promise<void> {
    this.up('presence removal');
    const key = socketKey(p);
    const m = this.cmd.multi();
    m.del(`${P}sock:${key}`);
    m.zrem(`${P}user:${p.userId}`, key);
    for (const room of p.rooms) m.zrem(`${P}room:${room}`, `${key}|${p.userId}`);
    await m.exec();
  }

  async roomUsers(room: string): Promise<string[]> {
    this.up('presence read');
    const now = Date.now();
    const k = `${P}room:${room}`;
    const [, live] = (await this.cmd.multi().zremrangebyscore(k, '-inf', now).zrangebyscore(k, now + 1, '+inf').exec())!;
    const members = (live[1] as string[]) ?? [];
    return [...new Set(members.map((m) => m.slice(m.lastIndexOf('|') + 1)))].sort();
  }

  async userSockets(user: string): Promise<SocketPresence[]> {
    this.up('presence read');
    const now = Date.now();
    const keys = await this.cmd.zrangebyscore(`${P}user:${user}`, now + 1, '+inf');
    return this.readSockets(keys.map((k) => `${P}sock:${k}`));
  }

  async allPresence(): Promise<SocketPresence[]> {
    this.up('presence read');
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.cmd.scan(cursor, 'MATCH', `${P}sock:*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0' && keys.length < MAX_SCAN);
    return this.readSockets(keys.slice(0, MAX_SCAN));
  }

  private async readSockets(keys: string[]): Promise<SocketPresence[]> {
    if (!keys.length) return [];
    const p = this.cmd.pipeline();
    for (const k of keys) p.hgetall(k);
    const out: SocketPresence[] = [];
    for (const [err, h] of (await p.exec()) ?? []) {
      const f = h as Record<string, string> | null;
      if (err || !f || !f.socketId) continue; // expired between the two reads
      out.push({
        socketId: f.socketId,
        sessionId: f.sessionId || null,
        userId: f.userId,
        node: f.node,
        rooms: JSON.parse(f.rooms ?? '[]') as string[],
        connectedAt: Number(f.connectedAt),
      });
    }
    return out;
  }

  async enqueue(user: string, entry: string, max: number, ttlMs: number): Promise<QueueResult> {
    this.up('enqueue');
    const c = this.queueCaps;
    const keys = [`${P}inbox:${user}`, `${P}inboxes`, `${P}inbox-n`, `${P}inbox-b`];
    const [length, dropped] = (await this.cmd.eval(ENQUEUE_LUA, keys.length, ...keys, user, entry, max, ttlMs, Date.now(), c.messages, c.bytes, c.users)) as [number, number];
    if (length === -1) throw new QueueFullError('users', c.users);
    if (length === -2) throw new QueueFullError('messages', c.messages);
    if (length === -3) throw new QueueFullError('bytes', c.bytes);
    return { length, dropped };
  }

  async queued(user: string): Promise<string[]> {
    this.up('queue read');
    return this.cmd.lrange(`${P}inbox:${user}`, 0, -1);
  }

  async dequeue(user: string, entry: string): Promise<boolean> {
    this.up('dequeue');
    const keys = [`${P}inbox:${user}`, `${P}inboxes`, `${P}inbox-n`, `${P}inbox-b`];
    return ((await this.cmd.eval(DEQUEUE_LUA, keys.length, ...keys, user, entry)) as number) > 0;
  }

  /**
   * Earlier versions kept the fleet's JWT secret readable in Redis at wslab:jwt-secret. The
   * secret now lives in a file (server/fanout/secret.ts); a stale copy is deleted so nobody who
   * can read Redis can mint tokens with it. Best effort: Redis may be down.
   */
  async forgetLegacySecret(): Promise<void> {
    if (this.cmd.status !== 'ready') return;
    await this.cmd.del(`${P}jwt-secret`).catch(() => {});
  }

  pause(detail = 'paused from the lab'): void {
    if (this.paused || this.closed) return;
    this.paused = true;
    this.subscribed = false;
    this.readerId = null;
    for (const c of [this.cmd, this.sub, this.reader]) c.disconnect();
    this.setStatus('paused', `${detail}: connections closed, subscriptions gone`);
  }

  resume(): void {
    if (!this.paused || this.closed) return;
    this.paused = false;
    this.setStatus('down', 'resumed: reconnecting');
    this.connectAll();
  }

  describe(): BrokerStatus {
    return {
      kind: 'redis',
      mode: this.mode,
      node: this.node,
      status: this.linkStatus,
      topics: [...this.topics],
      target: redactUrl(this.url),
      reconnects: this.reconnects,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.linkStatus = 'down';
    for (const c of [this.cmd, this.sub, this.reader]) c.disconnect();
  }
}

function channel(topic: string): string {
  return `${P}ch:${topic}`;
}

function stream(topic: string): string {
  return `${P}st:${topic}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
