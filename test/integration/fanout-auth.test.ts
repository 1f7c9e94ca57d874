// Authentication on /lab/chat, with both brokers: POST /lab/login, a token at the handshake (query,
// cookie, bearer subprotocol — never echoed back) or in a first `auth` message; missing tokens
// close with 1008, bad or expired ones with 4001, each reported on the event stream; a cross-site
// Origin is refused with 403 even though the token cookie would be sent. Also: the load balancer's
// round robin, the per-connection rate limit and room cap.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { decodeJwt } from 'jose';
import { startWslab, type WslabServer } from '../../server/app.ts';
import { Auth } from '../../server/labs/chat/auth.ts';
import { collect, rawUpgrade, upgradeRequest, type EventLog } from '../helpers/server.ts';
import { ChatClient, login, nodeUrl } from '../helpers/chat.ts';
import { redisSkip, startRedis, type RedisServer } from '../helpers/redis.ts';

const skipRedis = redisSkip();
const SECRET = 'fanout-auth-test-secret';
const AUTH_TIMEOUT = 300;

for (const broker of ['embedded', 'redis'] as const) {
  describe.skipIf(broker === 'redis' && skipRedis)(`auth on /lab/chat (${broker} broker)`, () => {
    let redis: RedisServer | null = null;
    let s: WslabServer;
    let log: EventLog & { stop(): void };
    const open: ChatClient[] = [];

    beforeAll(async () => {
      if (broker === 'redis') redis = await startRedis();
      s = await startWslab({
        port: 0,
        heartbeat: { intervalMs: 0 },
        fanout: { redis: redis?.url ?? null, jwtSecret: SECRET, limits: { authTimeoutMs: AUTH_TIMEOUT } },
      });
      log = collect(s);
    });
    afterAll(async () => {
      for (const c of open) await c.terminate();
      log?.stop();
      expect(log?.invalid ?? []).toEqual([]);
      await s?.close();
      await redis?.stop();
    });

    async function connect(url: string, opts: Parameters<typeof ChatClient.open>[1] = {}): Promise<ChatClient> {
      const c = await ChatClient.open(url, opts);
      open.push(c);
      return c;
    }

    /** The close a client saw, and the lab error event the server published for its connection. */
    async function refusedWith(c: ChatClient): Promise<{ code: number; reason: string; event: string }> {
      const { code, reason } = await c.closed;
      const meta = await log.waitForType('close', (e) => e.reason === reason && e.code === code);
      const event = await log.waitForType('error', (e) => e.conn === meta.conn && e.source === 'lab');
      return { code, reason, event: event.message };
    }

    test('POST /lab/login returns a 15-minute HS256 JWT for the user and sets the wslab_token cookie', async () => {
      const res = await fetch(`${s.url}/lab/login`, { method: 'POST', body: JSON.stringify({ user: 'ada' }) });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { user: string; token: string; exp: number; expiresIn: number };
      expect(body.user).toBe('ada');
      expect(body.expiresIn).toBe(900);
      const claims = decodeJwt(body.token);
      expect(claims.sub).toBe('ada');
      expect(claims.exp! - claims.iat!).toBe(900);
      expect(res.headers.get('set-cookie')).toBe(`wslab_token=${body.token}; Path=/; HttpOnly; SameSite=Lax; Max-Age=900`);
      const bad = await fetch(`${s.url}/lab/login`, { method: 'POST', body: JSON.stringify({ user: 'no spaces' }) });
      expect(bad.status).toBe(400);
    });

    test('a token in the query authenticates at the handshake and binds the user to the connection', async () => {
      const c = await connect(`${nodeUrl(s, 0)}?token=${await login(s, 'qa')}`);
      const hello = await c.waitFor((m) => m.type === 'system');
      expect(hello.payload).toMatchObject({ text: 'authenticated as qa via handshake (query), on node n1', user: 'qa', node: 'n1' });
      const meta = await log.waitForType('meta', (e) => e.userId === 'qa');
      const conns = (await (await fetch(`${s.url}/__wslab/connections`)).json()) as { connections: { conn: string; userId: string | null }[] };
      expect(conns.connections.find((x) => x.conn === meta.conn)?.userId).toBe('qa');
    });

    test('the wslab_token cookie authenticates at the handshake', async () => {
      const c = await connect(nodeUrl(s, 1), { headers: { Cookie: `wslab_session=s1; wslab_token=${await login(s, 'cookie')}` } });
      expect((await c.waitFor((m) => m.type === 'system')).payload.text).toBe('authenticated as cookie via handshake (cookie), on node n2');
    });

    test('a bearer.<token> subprotocol authenticates, and the server selects wslab.chat instead of echoing the token', async () => {
      const token = await login(s, 'proto');
      const c = await connect(nodeUrl(s, 0), { protocols: ['bearer.' + token, 'wslab.chat'] });
      expect(c.ws.protocol).toBe('wslab.chat');
      expect((await c.waitFor((m) => m.type === 'system')).payload.text).toBe('authenticated as proto via handshake (subprotocol), on node n1');
      const hs = await log.waitForType('handshake', (e) => e.request.headers.some(([k, v]) => k.toLowerCase() === 'sec-websocket-protocol' && v.includes(token)));
      expect(hs.response.headers.filter(([k]) => k.toLowerCase() === 'sec-websocket-protocol')).toEqual([['Sec-WebSocket-Protocol', 'wslab.chat']]);
      expect(hs.response.raw).not.toContain(token);
      // offered alone, the token is still not echoed: no subprotocol is selected at all
      const port = s.fanout.nodes[0].port;
      const res = await rawUpgrade(port, upgradeRequest(port, '/lab/chat', [`Sec-WebSocket-Protocol: bearer.${token}`]));
      res.socket.destroy();
      expect(res.status).toBe(101);
      expect(res.head).not.toMatch(/sec-websocket-protocol/i);
    });

    test('an auth message as the first message authenticates (ack, then the welcome)', async () => {
      const c = await connect(nodeUrl(s, 1));
      const id = c.send('auth', { token: await login(s, 'late') });
      const ack = await c.waitFor((m) => m.type === 'ack');
      expect(ack.payload).toEqual({ ref: id });
      expect((await c.waitFor((m) => m.type === 'system')).payload.text).toBe('authenticated as late via auth message, on node n2');
    });

    test('no token and no auth message within the deadline: close 1008', async () => {
      const c = await connect(nodeUrl(s, 0));
      expect(await refusedWith(c)).toEqual({
        code: 1008,
        reason: `authentication required: no auth message within ${AUTH_TIMEOUT} ms`,
        event: `chat on n1: authentication required: no auth message within ${AUTH_TIMEOUT} ms (close 1008)`,
      });
    });

    test('a first message other than auth: close 1008', async () => {
      const c = await connect(nodeUrl(s, 1));
      c.send('join', { room: 'lobby' });
      expect(await refusedWith(c)).toEqual({
        code: 1008,
        reason: 'the first message must be auth, got join',
        event: 'chat on n2: the first message must be auth, got join (close 1008)',
      });
    });

    test('a malformed token at the handshake: close 4001', async () => {
      const c = await connect(`${nodeUrl(s, 0)}?token=not-a-jwt`);
      expect(await refusedWith(c)).toMatchObject({ code: 4001, reason: 'unauthorized (handshake (query)): the token is malformed (not a signed JWT)' });
    });

    test('a token signed with another secret, in the first message: close 4001', async () => {
      const forged = (await new Auth('some-other-secret').issue('mallory')).token;
      const c = await connect(nodeUrl(s, 0));
      c.send('auth', { token: forged });
      expect(await refusedWith(c)).toEqual({
        code: 4001,
        reason: 'unauthorized (auth message): the token signature does not verify',
        event: 'chat on n1: unauthorized (auth message): the token signature does not verify (close 4001)',
      });
    });

    test('an expired token: close 4001, at the handshake and in the first message', async () => {
      const expired = (await new Auth(SECRET).issue('old', -60)).token;
      const a = await connect(nodeUrl(s, 0), { headers: { Cookie: `wslab_token=${expired}` } });
      expect(await refusedWith(a)).toMatchObject({ code: 4001, reason: 'unauthorized (handshake (cookie)): the token has expired' });
      const b = await connect(nodeUrl(s, 1));
      b.send('auth', { token: expired });
      expect(await refusedWith(b)).toMatchObject({ code: 4001, reason: 'unauthorized (auth message): the token has expired' });
    });

    test('a cross-site Origin is refused with 403 at the balancer and at a node, though the token cookie would be sent', async () => {
      const token = await login(s, 'victim');
      const cookie = `Cookie: wslab_token=${token}`;
      for (const port of [s.port, s.fanout.nodes[0].port]) {
        const res = await rawUpgrade(port, upgradeRequest(port, '/lab/chat', ['Origin: http://evil.example', cookie]));
        res.socket.destroy();
        expect(res.status).toBe(403);
        expect(res.body).toMatch(/^Origin http:\/\/evil\.example may not open WebSockets here \(cross-site WebSocket hijacking is refused\)/);
      }
      // the same cookie from the page's own origin is accepted: it is the Origin check that stops the hijack
      const c = await connect(`ws://127.0.0.1:${s.port}/lab/chat`, { headers: { Cookie: `wslab_token=${token}`, Origin: s.url } });
      expect((await c.waitFor((m) => m.type === 'system')).payload.user).toBe('victim');
    });

    test('the balancer at /lab/chat hands connections to the nodes round robin', async () => {
      const nodes: unknown[] = [];
      for (let i = 0; i < 4; i++) {
        const c = await connect(`ws://127.0.0.1:${s.port}/lab/chat?token=${await login(s, `rr${i}`)}`);
        nodes.push((await c.waitFor((m) => m.type === 'system')).payload.node);
      }
      expect(nodes[0]).not.toBe(nodes[1]);
      expect(nodes.slice(2)).toEqual(nodes.slice(0, 2));
      expect(new Set(nodes)).toEqual(new Set(['n1', 'n2']));
    });
  });
}

describe('per-connection limits', () => {
  let s: WslabServer;
  beforeAll(async () => {
    s = await startWslab({ port: 0, heartbeat: { intervalMs: 0 }, fanout: { limits: { ratePerSecond: 1, burst: 5, maxRooms: 2 } } });
  });
  afterAll(async () => {
    await s?.close();
  });

  test('over the token bucket (burst 5, 1/s) a message gets error rate_limited with its ref, and the connection stays', async () => {
    const c = await ChatClient.signedIn(nodeUrl(s, 0), await login(s, 'fast'));
    const ids = Array.from({ length: 8 }, (_, i) => c.send('broadcast', { text: `b${i}` }, `f${i}`));
    const answers = await c.count((m) => (m.type === 'ack' || m.type === 'error') && ids.includes(m.payload.ref as string), 8);
    const byRef = Object.fromEntries(answers.map((m) => [m.payload.ref, m.type === 'ack' ? 'ack' : m.payload.code]));
    expect(byRef).toEqual({ f0: 'ack', f1: 'ack', f2: 'ack', f3: 'ack', f4: 'ack', f5: 'rate_limited', f6: 'rate_limited', f7: 'rate_limited' });
    expect(answers.find((m) => m.payload.ref === 'f5')!.payload.reason).toBe('more than 1 messages/s (burst 5); message dropped');
    expect(c.ws.readyState).toBe(1);
    await c.close();
  });

  test('a connection may be in at most maxRooms rooms', async () => {
    const c = await ChatClient.signedIn(nodeUrl(s, 1), await login(s, 'roomy'));
    await c.join('a');
    await c.join('b');
    const third = await c.request('join', { room: 'c' });
    expect([third.type, third.payload.code, third.payload.reason]).toEqual(['error', 'too_many_rooms', 'a connection may be in at most 2 rooms']);
    await c.close();
  });
});
