// Puppet clients: WebSocket clients the server runs on a learner's behalf, for what the browser API
// cannot do — custom handshake headers, sending ping/pong/close frames by hand, turning automatic
// pongs off, pausing reads. A puppet connects to this server's own labs over loopback, so the tap
// shows its frames exactly like a browser's; its client-side readyState is reported as events.
import WebSocket from 'ws';
import { parseHex } from '../core/wire/index.ts';
import type { EventBus } from '../stream/bus.ts';
import type { Registry } from '../connection/registry.ts';
import { HttpError } from '../http/json.ts';
import type { PuppetInfo, PuppetSpec } from '../core/api/playground.ts';
import { socketOf } from '../connection/ws-adapter.ts';

export const MAX_PUPPETS = 32;

/** Handshake headers a puppet may not set: ws owns them, or they would break the upgrade. */
const RESERVED_HEADERS = new Set([
  'host', 'upgrade', 'connection', 'sec-websocket-key', 'sec-websocket-version', 'sec-websocket-accept',
  'sec-websocket-extensions', 'sec-websocket-protocol', 'content-length', 'transfer-encoding', 'x-wslab-client',
]);
/**
 * Credentials a puppet may not carry: the server would present them for whoever asked, so a
 * participant could make a puppet that rides another's session cookie or token.
 */
const CREDENTIAL_HEADERS = new Set(['cookie', 'authorization', 'proxy-authorization']);
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;



interface Puppet {
  id: string;
  ws: WebSocket;
  path: string;
  conn: string | null;
  /** the public session id of whoever made it (server/http/session.ts) */
  owner: string | null;
  state: number;
  /** whether a ping is answered with a pong (the puppet answers, not ws, so the flag is ours) */
  autoPong: boolean;
  /** state changes seen before the server's connection id was known */
  pending: { from: number | null; to: number; cause: string }[];
}

export class PuppetManager {
  private readonly puppets = new Map<string, Puppet>();
  private counter = 0;

  constructor(
    private readonly bus: EventBus,
    private readonly registry: Registry,
    private readonly origin: () => string,
    /** puppets alive at once (default MAX_PUPPETS; a workshop room gets more) */
    private readonly max: number = MAX_PUPPETS,
  ) {}

  get size(): number {
    return this.puppets.size;
  }

  /** Checks a learner's spec; throws HttpError(400) with the reason when it is not acceptable. */
  static validate(spec: unknown): PuppetSpec {
    const s = (spec ?? {}) as Record<string, unknown>;
    if (typeof s.path !== 'string' || !/^\/lab\/[a-z0-9-]+\/?(\?[^\s#]*)?$/.test(s.path)) {
      throw new HttpError(400, 'path must be a lab on this server, like /lab/echo or /lab/echo?deflate=1');
    }
    const protocols = s.protocols ?? [];
    if (!Array.isArray(protocols) || protocols.length > 16 || !protocols.every((p) => typeof p === 'string' && TOKEN.test(p))) {
      throw new HttpError(400, 'protocols must be a list of up to 16 tokens (letters, digits and !#$%&\'*+.^_`|~-)');
    }
    const headers: Record<string, string> = {};
    const raw = s.headers ?? {};
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || Object.keys(raw).length > 32) {
      throw new HttpError(400, 'headers must be an object of at most 32 name: value pairs');
    }
    for (const [name, value] of Object.entries(raw)) {
      if (!TOKEN.test(name)) throw new HttpError(400, `"${name}" is not a valid header name`);
      if (CREDENTIAL_HEADERS.has(name.toLowerCase())) {
        throw new HttpError(400, `a puppet may not send ${name}: credentials would let it act as whoever they belong to (the chat lab's tokens go in the path as ?token= or in protocols as bearer.TOKEN)`);
      }
      if (RESERVED_HEADERS.has(name.toLowerCase())) throw new HttpError(400, `${name} is set by the WebSocket handshake itself and cannot be overridden`);
      if (typeof value !== 'string' || /[\r\n\0]/.test(value) || value.length > 4096) {
        throw new HttpError(400, `the value of ${name} must be one line of text (at most 4096 characters)`);
      }
      headers[name] = value;
    }
    if (s.autoPong !== undefined && typeof s.autoPong !== 'boolean') throw new HttpError(400, 'autoPong must be true or false');
    return {
      path: s.path,
      protocols: protocols as string[],
      headers,
      autoPong: s.autoPong ?? true,
      perMessageDeflate: Boolean(s.perMessageDeflate),
    };
  }

  /** Whose puppet `id` is (null: nobody's, or no such puppet). */
  ownerOf(id: string): string | null {
    return this.puppets.get(id)?.owner ?? null;
  }

  create(spec: PuppetSpec, owner: string | null = null): Promise<PuppetInfo> {
    if (this.puppets.size >= this.max) throw new HttpError(429, `at most ${this.max} puppet clients at a time; close one first`);
    const id = `p${++this.counter}`;
    const url = this.origin().replace(/^http/, 'ws') + spec.path;
    const ws = new WebSocket(url, spec.protocols ?? [], {
      headers: { ...spec.headers, 'x-wslab-client': 'puppet' },
      // pings are answered below, from our own flag: ws's option cannot be changed after creation
      autoPong: false,
      perMessageDeflate: spec.perMessageDeflate ?? false,
      handshakeTimeout: 5000,
    });
    const puppet: Puppet = { id, ws, path: spec.path, conn: null, owner, state: -1, autoPong: spec.autoPong ?? true, pending: [] };
    this.puppets.set(id, puppet);
    // RFC 6455 §5.5.3: a pong answers with the ping's application data
    ws.on('ping', (data) => {
      if (puppet.autoPong && ws.readyState === WebSocket.OPEN) ws.pong(data);
    });
    this.track(puppet, 0, 'new WebSocket(url) called');
    ws.on('error', () => {}); // reported through close and the tap
    ws.on('close', (code, reason) => {
      this.track(puppet, 3, `close event (code ${code}${reason.length ? `, ${reason.toString()}` : ''})`);
      this.puppets.delete(id);
    });
    return new Promise((resolve, reject) => {
      ws.once('open', () => {
        puppet.conn = this.findConn(ws);
        // its server connection is the caller's too (they may change its heartbeat or link)
        if (puppet.conn) this.registry.setOwner(puppet.conn, owner);
        this.track(puppet, 1, 'open event: the 101 response was accepted');
        resolve(this.info(puppet));
      });
      ws.once('unexpected-response', (_req, res) => {
        reject(new HttpError(502, `the server answered the upgrade with ${res.statusCode} ${res.statusMessage}`));
        ws.terminate();
      });
      ws.once('close', () => reject(new HttpError(502, 'the connection closed before it opened')));
    });
  }

  /** The server-side connection of a puppet: the lab socket whose remote port is the puppet's local port. */
  private findConn(ws: WebSocket): string | null {
    const port = socketOf(ws)?.localPort;
    for (const record of this.registry.all()) {
      if (record.meta.remotePort === port && record.meta.client === 'puppet') return record.meta.conn;
    }
    return null;
  }

  private track(p: Puppet, to: number, cause: string): void {
    if (p.state === to) return;
    p.pending.push({ from: p.state < 0 ? null : p.state, to, cause });
    p.state = to;
    if (!p.conn) return; // reported once the server's connection id is known
    for (const change of p.pending.splice(0)) {
      this.bus.publish({
        type: 'state',
        conn: p.conn,
        side: 'client',
        from: change.from as 0 | 1 | 2 | 3 | null,
        to: change.to as 0 | 1 | 2 | 3,
        cause: `puppet ${p.id}: ${change.cause}`,
      });
    }
  }

  private get(id: string): Puppet {
    const p = this.puppets.get(id);
    if (!p) throw new HttpError(404, `no puppet client ${id} (it may have closed)`);
    return p;
  }

  private requireOpen(p: Puppet, what: string): void {
    if (p.ws.readyState !== WebSocket.OPEN) {
      throw new HttpError(409, `cannot ${what}: the socket is ${['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'][p.ws.readyState]}, and sending needs OPEN`);
    }
  }

  info(p: Puppet): PuppetInfo {
    return { id: p.id, conn: p.conn, path: p.path, readyState: p.ws.readyState, autoPong: p.autoPong, paused: p.ws.isPaused };
  }

  list(): PuppetInfo[] {
    return [...this.puppets.values()].map((p) => this.info(p));
  }

  /** One action on a puppet, from the HTTP API. */
  act(id: string, action: string, body: Record<string, unknown>): PuppetInfo {
    const p = this.get(id);
    const data = payloadOf(body);
    switch (action) {
      case 'send':
        this.requireOpen(p, 'send');
        if (data === null) throw new HttpError(400, 'send needs one of text, json or hex');
        p.ws.send(data.bytes, { binary: data.binary });
        break;
      case 'ping':
      case 'pong': {
        this.requireOpen(p, action);
        const bytes = data?.bytes ?? Buffer.alloc(0);
        if (bytes.length > 125) throw new HttpError(400, `a ${action} payload is at most 125 bytes (RFC 6455 §5.5); this one is ${bytes.length}`);
        if (action === 'ping') p.ws.ping(bytes);
        else p.ws.pong(bytes);
        break;
      }
      case 'close': {
        const code = body.code === undefined ? undefined : Number(body.code);
        const reason = typeof body.reason === 'string' ? body.reason : undefined;
        if (code !== undefined && !(code === 1000 || (code >= 3000 && code <= 4999))) {
          throw new HttpError(400, 'close code must be 1000 or 3000-4999 (the codes an application may send)');
        }
        if (reason !== undefined && Buffer.byteLength(reason) > 123) throw new HttpError(400, 'a close reason is at most 123 bytes of UTF-8');
        this.track(p, 2, `close(${code ?? ''}${reason ? `, "${reason}"` : ''}) called`);
        p.ws.close(code, reason);
        break;
      }
      case 'terminate':
        p.ws.terminate();
        break;
      case 'pause':
        p.ws.pause();
        break;
      case 'resume':
        p.ws.resume();
        break;
      case 'autopong':
        if (typeof body.enabled !== 'boolean') throw new HttpError(400, 'autopong needs {"enabled": true} or {"enabled": false}');
        p.autoPong = body.enabled;
        break;
      default:
        throw new HttpError(404, `unknown puppet action ${action}; use send, ping, pong, close, terminate, pause, resume or autopong`);
    }
    return this.info(p);
  }

  closeAll(): void {
    for (const p of this.puppets.values()) p.ws.terminate();
    this.puppets.clear();
  }
}

/** The payload in an API body: {text}, {json} (sent as text) or {hex} (sent as binary). */
function payloadOf(body: Record<string, unknown>): { bytes: Buffer; binary: boolean } | null {
  if (typeof body.text === 'string') return { bytes: Buffer.from(body.text, 'utf8'), binary: false };
  if (body.json !== undefined) return { bytes: Buffer.from(JSON.stringify(body.json), 'utf8'), binary: false };
  if (typeof body.hex === 'string') {
    const parsed = parseHex(body.hex);
    if ('error' in parsed) throw new HttpError(400, parsed.error);
    return { bytes: Buffer.from(parsed.bytes), binary: true };
  }
  return null;
}
