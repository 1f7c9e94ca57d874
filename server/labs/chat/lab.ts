// /lab/chat: rooms, direct messages and broadcasts across a fleet of nodes (server/fanout), in the
// envelope format { type, id, meta: { timestamp }, payload }.
//
// One ChatSession per connection: it authenticates the client (a JWT at the handshake, or an `auth`
// message first, within a deadline), validates every message (server/fanout/envelope.ts), applies a
// token bucket, and routes by type (server/fanout/router.ts) to its node, which does the fan-out.
// Messages are handled one at a time, in the order they arrived, so a sender's messages are
// published in order.
import type { WebSocket } from 'ws';
import type { Lab, LabContext } from '../../connection/lab.ts';
import type { EventBus } from '../../stream/bus.ts';
import type { Registry } from '../../connection/registry.ts';
import { RateLimiter } from '../../http/rate-limit.ts';
import { Auth, CLOSE_POLICY, CLOSE_UNAUTHORIZED, tokenFromHandshake } from './auth.ts';
import { encodeEnvelope, parseClientMessage, type ClientMessage, type ErrorCode, type ServerEnvelope } from '../../fanout/envelope.ts';
import { createRouter } from '../../fanout/router.ts';
import { safeTimeout } from '../../process/safe.ts';

export interface ChatLimits {
  /** rooms one connection may be in at once */
  maxRooms: number;
  /** token bucket per connection: messages per second, and the burst allowed */
  ratePerSecond: number;
  burst: number;
  /** ms an unauthenticated connection has to send `auth` */
  authTimeoutMs: number;
  /** bytes above which a message gets error too_large (ws closes 1009 only above maxPayload) */
  maxEnvelopeBytes: number;
  /** bufferedAmount above which a slow client's deliveries are dropped (counted) */
  sendHighWater: number;
}

export const DEFAULT_CHAT_LIMITS: ChatLimits = {
  maxRooms: 10,
  ratePerSecond: 20,
  burst: 40,
  authTimeoutMs: 5000,
  maxEnvelopeBytes: 8 * 1024,
  sendHighWater: 1024 * 1024,
};

/** What a session needs from the node it lives on (server/labs/chat/node.ts implements it). */
export interface ChatNodeApi {
  readonly id: string;
  readonly auth: Auth;
  readonly limits: ChatLimits;
  readonly bus: EventBus;
  readonly registry: Registry;
  /** now signed in: presence, the user's topic, queued DMs */
  attach(s: ChatSession): Promise<void>;
  join(s: ChatSession, room: string): Promise<void>;
  leave(s: ChatSession, room: string): Promise<void>;
  /** sends the room's member list to its members on every node */
  announce(room: string): Promise<void>;
  /** `lost`: the broker was down, so only this node's members got it (the ack tells the sender) */
  chat(s: ChatSession, room: string, text: string, ref: string): Promise<{ id: string; lost?: string }>;
  dm(s: ChatSession, to: string, text: string, ref: string): Promise<{ id: string; queued: boolean }>;
  broadcast(s: ChatSession, text: string, ref: string): Promise<{ id: string; lost?: string }>;
  /** the client acknowledged a message delivered from its offline queue */
  ackQueued(s: ChatSession, ref: string): Promise<void>;
  /** the connection closed: leave rooms, unsubscribe what nobody else here needs, drop presence */
  detach(s: ChatSession): void;
}

export class ChatError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

let replies = 0;

export class ChatSession {
  user: string | null = null;
  readonly rooms = new Set<string>();
  /** queued DMs sent to this connection and not yet acknowledged: envelope id → queue entry */
  readonly pendingAcks = new Map<string, string>();
  readonly connectedAt = Date.now();
  readonly sessionId: string | null;
  /** deliveries dropped because this client was too slow (bufferedAmount over the high-water mark) */
  dropped = 0;
  private chain: Promise<void> = Promise.resolve();
  private readonly bucket: RateLimiter;
  private authTimer: NodeJS.Timeout | null = null;
  private closing = false;

  constructor(
    readonly ws: WebSocket,
    readonly conn: string,
    private readonly node: ChatNodeApi,
    ctx: LabContext,
  ) {
    this.sessionId = ctx.record.meta.sessionId;
    const { limits } = node;
    this.bucket = new RateLimiter(limits.ratePerSecond, limits.burst);
    ws.on('message', (data: Buffer, isBinary: boolean) => this.onMessage(data, isBinary));
    ws.once('close', () => {
      this.closing = true;
      if (this.authTimer) clearTimeout(this.authTimer);
      this.node.detach(this);
    });
    const presented = tokenFromHandshake(ctx.url, ctx.headers ?? {});
    if (presented) this.serially(() => this.authenticate(presented.token, `handshake (${presented.via})`, null));
    else {
      this.authTimer = safeTimeout('the chat lab', 
        () => this.fail(CLOSE_POLICY, `authentication required: no auth message within ${limits.authTimeoutMs} ms`),
        limits.authTimeoutMs,
      );
      this.authTimer.unref();
    }
  }

  /** Sends one text message (a Buffer: UTF-8 encoded once for many sockets) unless the client is too far behind; false when dropped. */
  send(text: string | Buffer): boolean {
    if (this.ws.readyState !== 1) return false;
    if (this.ws.bufferedAmount > this.node.limits.sendHighWater) {
      this.dropped++;
      return false;
    }
    this.ws.send(text, { binary: false });
    return true;
  }

  reply(type: ServerEnvelope['type'], payload: Record<string, unknown>): void {
    this.send(encodeEnvelope({ type, id: `${this.node.id}-r${++replies}`, meta: { timestamp: Date.now(), node: this.node.id }, payload }));
  }

  error(code: ErrorCode, reason: string, ref: string | null): void {
    this.reply('error', { code, reason, ref });
  }

  /** Closes with a policy (1008) or unauthorized (4001) code and says so on the event stream. */
  fail(code: number, reason: string): void {
    if (this.closing) return;
    this.closing = true;
    if (this.authTimer) clearTimeout(this.authTimer);
    this.node.bus.publish({ type: 'error', conn: this.conn, source: 'lab', message: `chat on ${this.node.id}: ${reason} (close ${code})` });
    this.ws.close(code, reason.slice(0, 120));
  }

  private serially(task: () => Promise<void>): void {
    this.chain = this.chain.then(task).catch((err: unknown) => {
      // a lab bug must not take the server down; say what happened and keep the connection
      this.node.bus.publish({ type: 'error', conn: this.conn, source: 'lab', message: `chat on ${this.node.id}: ${(err as Error).message}` });
    });
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (this.closing) return;
    if (!this.bucket.take('')) {
      const parsed = parseClientMessage(isBinary ? null : data.toString('utf8'), data.length, Infinity);
      const ref = parsed.ok ? parsed.message.id : parsed.error.ref;
      this.error('rate_limited', `more than ${this.node.limits.ratePerSecond} messages/s (burst ${this.node.limits.burst}); message dropped`, ref);
      return;
    }
    const parsed = parseClientMessage(isBinary ? null : data.toString('utf8'), data.length, this.node.limits.maxEnvelopeBytes);
    if (!parsed.ok) {
      this.error(parsed.error.code, parsed.error.reason, parsed.error.ref);
      return;
    }
    const message = parsed.message;
    this.serially(async () => {
      if (this.closing) return;
      if (!this.user) {
        if (message.type !== 'auth') return this.fail(CLOSE_POLICY, `the first message must be auth, got ${message.type}`);
        return this.authenticate(message.payload.token, 'auth message', message.id);
      }
      try {
        await route(message, this);
      } catch (err) {
        if (err instanceof ChatError) this.error(err.code, err.message, message.id);
        else throw err;
      }
    });
  }

  private async authenticate(token: string, via: string, ref: string | null): Promise<void> {
    const result = await this.node.auth.verify(token);
    if (this.closing) return;
    if (!result.ok) return this.fail(CLOSE_UNAUTHORIZED, `unauthorized (${via}): ${result.detail}`);
    if (this.authTimer) clearTimeout(this.authTimer);
    this.authTimer = null;
    this.user = result.user;
    this.node.registry.bindUser(this.conn, result.user);
    if (ref !== null) this.reply('ack', { ref });
    this.reply('system', { text: `authenticated as ${result.user} via ${via}, on node ${this.node.id}`, user: result.user, node: this.node.id, exp: result.exp });
    await this.node.attach(this);
  }

  // handlers, one per type ------------------------------------------------------------------

  async auth(m: Extract<ClientMessage, { type: 'auth' }>): Promise<void> {
    throw new ChatError('already_authenticated', `already authenticated as ${this.user}`);
    void m;
  }

  async join({ id, payload: { room } }: Extract<ClientMessage, { type: 'join' }>): Promise<void> {
    if (!this.rooms.has(room) && this.rooms.size >= this.node.limits.maxRooms) {
      throw new ChatError('too_many_rooms', `a connection may be in at most ${this.node.limits.maxRooms} rooms`);
    }
    const joined = !this.rooms.has(room);
    if (joined) await this.node.join(this, room);
    this.reply('ack', { ref: id, room });
    if (joined) await this.node.announce(room);
  }

  async leave({ id, payload: { room } }: Extract<ClientMessage, { type: 'leave' }>): Promise<void> {
    if (!this.rooms.has(room)) throw new ChatError('not_in_room', `not in room ${room}`);
    await this.node.leave(this, room);
    this.reply('ack', { ref: id, room });
    await this.node.announce(room);
  }

  async chat({ id, payload: { room, text } }: Extract<ClientMessage, { type: 'chat' }>): Promise<void> {
    if (!this.rooms.has(room)) throw new ChatError('not_in_room', `join ${room} before sending to it`);
    const sent = await this.node.chat(this, room, text, id);
    this.reply('ack', { ref: id, id: sent.id, ...(sent.lost && { delivery: 'local-only', lost: sent.lost }) });
  }

  async dm({ id, payload: { to, text } }: Extract<ClientMessage, { type: 'dm' }>): Promise<void> {
    const sent = await this.node.dm(this, to, text, id);
    this.reply('ack', { ref: id, id: sent.id, queued: sent.queued });
  }

  async broadcast({ id, payload: { text } }: Extract<ClientMessage, { type: 'broadcast' }>): Promise<void> {
    const sent = await this.node.broadcast(this, text, id);
    this.reply('ack', { ref: id, id: sent.id, ...(sent.lost && { delivery: 'local-only', lost: sent.lost }) });
  }

  async ack({ payload: { ref } }: Extract<ClientMessage, { type: 'ack' }>): Promise<void> {
    await this.node.ackQueued(this, ref); // acknowledging an ack would never end: no reply
  }
}

const route = createRouter<ClientMessage, ChatSession, Promise<void>>({
  auth: (m, s) => s.auth(m),
  join: (m, s) => s.join(m),
  leave: (m, s) => s.leave(m),
  chat: (m, s) => s.chat(m),
  dm: (m, s) => s.dm(m),
  broadcast: (m, s) => s.broadcast(m),
  ack: (m, s) => s.ack(m),
});

export const CHAT_DESCRIPTION =
  'Rooms, DMs and broadcasts across N nodes and a broker; JWT auth (POST /lab/login); envelopes {type,id,meta,payload}.';

/** The chat lab as served by one node. */
export function createChatLab(node: ChatNodeApi): Lab {
  return {
    name: 'chat',
    description: CHAT_DESCRIPTION,
    wsOptions(_url, defaults) {
      return defaults;
    },
    onConnection(ws, ctx) {
      new ChatSession(ws, ctx.conn, node, ctx);
    },
  };
}
