// A hostile chat participant against the fan-out lab (issue 12, items 5 and 8):
// - DMs to ever new user names grew the offline queues without bound (+87 MB in 30 s). Now all
//   queues together are capped (messages, bytes, users) and a DM past a cap is refused with
//   `queue_full`, which the sender sees; acknowledged entries make room again.
// - A chat accepted while the broker is down was acknowledged like any other. Now the ack says it
//   reached this node's members only and is lost for everyone else.
// - SIGTERM with the embedded broker dropped queued DMs without a word. Now wslab says how many.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ROOT } from '../../server/paths.ts';
import { startWslab, type WslabServer } from '../../server/app.ts';
import { collect, type EventLog } from '../helpers/server.ts';
import { ChatClient, api, login, nodeUrl } from '../helpers/chat.ts';
import { redisSkip, startRedis, type RedisServer } from '../helpers/redis.ts';

const skipRedis = redisSkip();
const SECRET = 'attack-chat-queues-secret';
const FAST = { ratePerSecond: 10_000, burst: 10_000 };

for (const broker of ['embedded', 'redis'] as const) {
  describe.skipIf(broker === 'redis' && skipRedis)(`offline queues are capped in all (${broker} broker)`, () => {
    let redis: RedisServer | null = null;
    const servers: WslabServer[] = [];
    const clients: ChatClient[] = [];

    beforeAll(async () => {
      if (broker === 'redis') redis = await startRedis();
    });
    afterAll(async () => {
      for (const c of clients) await c.terminate();
      for (const s of servers) await s.close();
      await redis?.stop();
    });

    async function server(queueCaps: { messages?: number; bytes?: number; users?: number }): Promise<WslabServer> {
      if (redis) await redis.restart(); // each test starts with empty queues
      const s = await startWslab({ port: 0, heartbeat: { intervalMs: 0 }, fanout: { redis: redis?.url ?? null, nodes: 1, jwtSecret: SECRET, queueCaps, limits: FAST } });
      servers.push(s);
      return s;
    }

    async function user(s: WslabServer, name: string): Promise<ChatClient> {
      const c = await ChatClient.signedIn(nodeUrl(s, 0), await login(s, name));
      clients.push(c);
      return c;
    }

    test('DMs to new user names: refused with queue_full once the queues hold the most users, and no further queue is made', async () => {
      const s = await server({ users: 3 });
      const mallory = await user(s, 'mallory');
      for (const to of ['new1', 'new2', 'new3']) {
        const r = await mallory.request('dm', { to, text: 'hi' });
        expect(r).toMatchObject({ type: 'ack', payload: { queued: true } });
      }
      const refused = await mallory.request('dm', { to: 'new4', text: 'hi' });
      expect(refused.type).toBe('error');
      expect(refused.payload).toEqual({
        code: 'queue_full',
        reason: 'new4 is offline and offline queues are held for at most 3 users at once, and that many are waiting: the message was not queued; try again when they are online',
        ref: refused.payload.ref,
      });
      expect((await api(s, '/__wslab/fanout/queue?user=new4')).json).toEqual({ user: 'new4', queued: [] });
      // a user who already has a queue still gets DMs
      expect((await mallory.request('dm', { to: 'new1', text: 'again' })).payload.queued).toBe(true);
    });

    test('past the message cap a DM is refused, and a recipient acknowledging theirs makes room again', async () => {
      const s = await server({ messages: 4 });
      const mallory = await user(s, 'mallory');
      for (let i = 0; i < 4; i++) expect((await mallory.request('dm', { to: 'away', text: `m${i}` })).type).toBe('ack');
      const refused = await mallory.request('dm', { to: 'other', text: 'one more' });
      expect(refused.payload.code).toBe('queue_full');
      expect(refused.payload.reason).toBe('other is offline and the offline queues hold at most 4 messages in all, and they are full: the message was not queued; try again when they are online');
      const away = await user(s, 'away');
      const queued = await away.count((m) => m.type === 'dm' && m.meta.queued === true, 4);
      for (const m of queued) away.send('ack', { ref: m.id });
      // the acks are not answered; the queue empties as they are processed
      await expect.poll(async () => (await api(s, '/__wslab/fanout/queue?user=away')).json.queued.length, { timeout: 10_000 }).toBe(0);
      expect((await mallory.request('dm', { to: 'other', text: 'now it fits' })).payload).toMatchObject({ queued: true });
    });

    test('past the byte cap a DM is refused', async () => {
      const s = await server({ bytes: 3000 });
      const mallory = await user(s, 'mallory');
      const text = 'x'.repeat(1000);
      expect((await mallory.request('dm', { to: 'big', text })).type).toBe('ack');
      expect((await mallory.request('dm', { to: 'big', text })).type).toBe('ack');
      const refused = await mallory.request('dm', { to: 'big', text });
      expect(refused.payload.code).toBe('queue_full');
      expect(refused.payload.reason).toBe('big is offline and the offline queues hold at most 3000 bytes in all, and this message does not fit: the message was not queued; try again when they are online');
    });
  });
}

describe('the default caps hold against a flood of DMs to new names (embedded broker)', () => {
  let s: WslabServer;
  beforeAll(async () => {
    s = await startWslab({ port: 0, heartbeat: { intervalMs: 0 }, fanout: { nodes: 1, jwtSecret: SECRET, limits: FAST } });
  });
  afterAll(() => s?.close());

  test('1,200 new names: 1,000 queues are made, the last 200 DMs are refused with queue_full', async () => {
    const c = await ChatClient.signedIn(nodeUrl(s, 0), await login(s, 'flooder'));
    const ids: string[] = [];
    for (let i = 0; i < 1200; i++) ids.push(c.send('dm', { to: `victim${i}`, text: 'x'.repeat(1000) }));
    const last = ids[ids.length - 1];
    await c.waitFor((m) => (m.type === 'ack' || m.type === 'error') && m.payload.ref === last, 30_000);
    const acks = c.received.filter((m) => m.type === 'ack' && m.payload.queued === true).length;
    const refusals = c.received.filter((m) => m.type === 'error' && m.payload.code === 'queue_full').length;
    expect({ acks, refusals }).toEqual({ acks: 1000, refusals: 200 });
    await c.terminate();
  });
});

describe('a chat accepted while the broker is down is acknowledged as delivered on this node only', () => {
  let s: WslabServer;
  let log: EventLog & { stop(): void };
  beforeAll(async () => {
    s = await startWslab({ port: 0, heartbeat: { intervalMs: 0 }, fanout: { nodes: 2, jwtSecret: SECRET } });
    log = collect(s);
  });
  afterAll(async () => {
    log?.stop();
    await s?.close();
  });

  test('chat and broadcast acks say lost for other nodes while the broker is down, and nothing when it is up', async () => {
    const ada = await ChatClient.signedIn(nodeUrl(s, 0), await login(s, 'ada'));
    const bob = await ChatClient.signedIn(nodeUrl(s, 1), await login(s, 'bob'));
    await ada.join('lobby');
    await bob.join('lobby');
    const up = await ada.request('chat', { room: 'lobby', text: 'fine' });
    expect(up.payload).toEqual({ ref: up.payload.ref, id: up.payload.id });
    const mark = s.bus.headSeq;
    expect((await api(s, '/__wslab/fanout/broker/outage', { ms: 60_000 })).json).toEqual({ outageMs: 60_000 });
    await log.waitForType('broker', (e) => e.node === 'n1' && e.status !== 'up' && e.seq >= mark);
    const chat = await ada.request('chat', { room: 'lobby', text: 'into the void' });
    expect(chat.type).toBe('ack');
    expect(chat.payload).toEqual({
      ref: chat.payload.ref,
      id: chat.payload.id,
      delivery: 'local-only',
      lost: 'the broker is down: delivered to 1 local socket on node n1 only; members of lobby on other nodes did not get it and will not',
    });
    const all = await ada.request('broadcast', { text: 'anyone?' });
    expect(all.payload.lost).toBe('the broker is down: delivered to 1 local socket on node n1 only; users on other nodes did not get it and will not');
    expect(bob.received.some((m) => m.payload.text === 'into the void' || m.payload.text === 'anyone?')).toBe(false);
    await ada.terminate();
    await bob.terminate();
  });
});

describe('SIGTERM with the embedded broker says which queued DMs it drops', () => {
  test('wslab start, a DM to an offline user, SIGTERM: the shutdown line counts it', async () => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'wslab.js'), 'start', '--port', '0', '--heartbeat', '0'], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 60_000;
      while (!/chat nodes .*\n/.test(stderr) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
      const url = /wslab listening on (\S+)/.exec(stdout)![1];
      const node = /n1 (ws:\/\/[^\s,]+)/.exec(stderr)![1];
      const res = await fetch(`${url}/lab/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ user: 'ada' }) });
      const { token } = (await res.json()) as { token: string };
      const ada = await ChatClient.signedIn(node, token);
      expect((await ada.request('dm', { to: 'ghost', text: 'see you' })).payload.queued).toBe(true);
      expect((await ada.request('dm', { to: 'ghost', text: 'again' })).payload.queued).toBe(true);
      child.kill('SIGTERM');
      await ada.closed;
      expect(await exited).toBe(0);
      expect(stderr).toMatch(
        /\nwslab: shutting down: 2 queued direct messages for 1 offline user \(\d+ B\) are dropped: the embedded broker keeps them in memory only; with --redis they outlive the process\n/,
      );
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
