// The chat lab across two nodes, once with the embedded broker and once with a real redis-server:
// room delivery across nodes, per-publisher order, DMs to another node, presence, the offline queue
// (delivered once, at least once across a reconnect, kept across a node restart), malformed
// envelopes, and the event stream showing every hop of the notes' diagram.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startWslab, type WslabServer } from '../../server/app.ts';
import { collect, type EventLog } from '../helpers/server.ts';
import { ChatClient, api, login, nodeUrl } from '../helpers/chat.ts';
import { redisSkip, startRedis, type RedisServer } from '../helpers/redis.ts';
import type { EventOf } from '../../server/core/events/schema.ts';

const skipRedis = redisSkip();
const SECRET = 'fanout-chat-test-secret';

for (const broker of ['embedded', 'redis'] as const) {
  describe.skipIf(broker === 'redis' && skipRedis)(`chat over the ${broker} broker`, () => {
    let redis: RedisServer | null = null;
    let s: WslabServer;
    let log: EventLog & { stop(): void };
    const clients: ChatClient[] = [];
    const options = () => ({
      port: 0,
      heartbeat: { intervalMs: 0 },
      fanout: { redis: redis?.url ?? null, nodes: 2, jwtSecret: SECRET, limits: { ratePerSecond: 1000, burst: 500 } },
    });

    beforeAll(async () => {
      if (broker === 'redis') redis = await startRedis();
      s = await startWslab(options());
      log = collect(s);
    });
    afterAll(async () => {
      for (const c of clients) await c.terminate();
      log?.stop();
      expect(log?.invalid ?? []).toEqual([]);
      await s?.close();
      await redis?.stop();
    });

    /** A signed-in client on node i (0 = n1, 1 = n2). */
    async function user(name: string, node: number): Promise<ChatClient> {
      const c = await ChatClient.signedIn(nodeUrl(s, node), await login(s, name));
      clients.push(c);
      return c;
    }

    test('a room message published on one node reaches its members on every node, with sender, room and node', async () => {
      const ada = await user('ada', 0);
      const bob = await user('bob', 1);
      const cy = await user('cy', 1);
      for (const c of [ada, bob, cy]) await c.join('r1');
      const ack = await ada.request('chat', { room: 'r1', text: 'hello fleet' });
      expect(ack.type).toBe('ack');
      const msgId = ack.payload.id as string;
      for (const [c, node] of [[ada, 'n1'], [bob, 'n2'], [cy, 'n2']] as const) {
        const got = await c.waitFor((m) => m.type === 'chat' && m.id === msgId);
        expect(got.payload).toEqual({ room: 'r1', from: 'ada', text: 'hello fleet' });
        expect(got.meta.node).toBe(node);
        expect(got.meta.origin).toBe('n1');
        expect(typeof got.meta.timestamp).toBe('number');
      }
    });

    test('the events show every hop: client frame → n1 publish → broker → n2 deliver → client frame', async () => {
      const ann = await user('ann', 0);
      const ben = await user('ben', 1);
      await ann.join('hops');
      await ben.join('hops');
      const ack = await ann.request('chat', { room: 'hops', text: 'trace me' });
      const msgId = ack.payload.id as string;
      await ben.waitFor((m) => m.id === msgId);
      const conns = new Map<string, string>();
      for (const e of log.ofType('meta')) if (e.userId) conns.set(e.userId, e.conn);
      const annConn = conns.get('ann')!;
      const benConn = conns.get('ben')!;
      // frame events preview 64 bytes; the assembled message event shows the whole short envelope
      const inFrame = await log.waitForType('message', (e) => e.conn === annConn && e.dir === 'c2s' && (e.text ?? '').includes('trace me'));
      const hops = log.ofType('fanout').filter((e) => e.msgId === msgId);
      const publish = hops.find((e) => e.hop === 'publish')!;
      const brokerHop = hops.find((e) => e.hop === 'broker')!;
      const deliver = await log.waitForType('fanout', (e) => e.msgId === msgId && e.hop === 'deliver' && e.node === 'n2');
      const outFrame = await log.waitForType('frame', (e) => e.conn === benConn && e.dir === 's2c' && (e.text ?? '').includes(msgId));
      expect(publish).toMatchObject({ node: 'n1', conn: annConn, topic: 'room:hops', room: 'hops', kind: 'chat', from: 'ann', origin: 'n1' });
      expect(brokerHop).toMatchObject({ node: 'n2', topic: 'room:hops', origin: 'n1' });
      expect(deliver).toMatchObject({ node: 'n2', count: 1 });
      expect(inFrame.seq).toBeLessThan(publish.seq);
      expect(publish.seq).toBeLessThan(brokerHop.seq);
      expect(brokerHop.seq).toBeLessThan(deliver.seq);
      expect(deliver.seq).toBeLessThan(outFrame.seq);
      // n1 never hears its own message back from the broker: one broker hop, on n2 only
      expect(hops.filter((e) => e.hop === 'broker').map((e) => e.node)).toEqual(['n2']);
      // joining subscribed each node to the room in the broker, once
      const subs = log.ofType('fanout').filter((e) => e.hop === 'subscribe' && e.topic === 'room:hops');
      expect(subs.map((e) => e.node).sort()).toEqual(['n1', 'n2']);
    });

    test('messages from one publisher arrive in the order sent, on every node', async () => {
      const pat = await user('pat', 0);
      const quinn = await user('quinn', 1);
      await pat.join('order');
      await quinn.join('order');
      for (let i = 0; i < 100; i++) pat.send('chat', { room: 'order', text: `m${i}` });
      const got = await quinn.count((m) => m.type === 'chat' && m.payload.room === 'order', 100);
      expect(got.map((m) => m.payload.text)).toEqual(Array.from({ length: 100 }, (_, i) => `m${i}`));
      const local = await pat.count((m) => m.type === 'chat' && m.payload.room === 'order', 100);
      expect(local.map((m) => m.payload.text)).toEqual(Array.from({ length: 100 }, (_, i) => `m${i}`));
    });

    test('a dm reaches the user on another node, and only that user', async () => {
      const dan = await user('dan', 0);
      const eve = await user('eve', 1);
      const fay = await user('fay', 1);
      const ack = await dan.request('dm', { to: 'eve', text: 'psst' });
      expect(ack.payload).toMatchObject({ queued: false });
      const got = await eve.waitFor((m) => m.type === 'dm');
      expect(got.id).toBe(ack.payload.id);
      expect(got.payload).toEqual({ from: 'dan', to: 'eve', text: 'psst' });
      expect(got.meta).toMatchObject({ node: 'n2', origin: 'n1' });
      await new Promise((r) => setTimeout(r, 100));
      expect(fay.of('dm')).toEqual([]);
    });

    test('a broadcast reaches every signed-in user on every node', async () => {
      const gil = await user('gil', 0);
      const hal = await user('hal', 1);
      const ack = await gil.request('broadcast', { text: 'all hands' });
      for (const [c, node] of [[gil, 'n1'], [hal, 'n2']] as const) {
        const got = await c.waitFor((m) => m.type === 'broadcast' && m.id === ack.payload.id);
        expect(got.payload).toEqual({ from: 'gil', text: 'all hands' });
        expect(got.meta.node).toBe(node);
      }
    });

    test('presence lists the users in a room across nodes and updates when one leaves or drops', async () => {
      const ida = await user('ida', 0);
      await ida.join('pres');
      expect((await ida.waitFor((m) => m.type === 'presence' && m.payload.room === 'pres')).payload.users).toEqual(['ida']);
      const jo = await user('jo', 1);
      await jo.join('pres');
      const both = (m: { type: string; payload: Record<string, unknown> }) => m.type === 'presence' && m.payload.room === 'pres' && (m.payload.users as string[]).length === 2;
      expect((await ida.waitFor(both)).payload.users).toEqual(['ida', 'jo']);
      expect((await jo.waitFor(both)).payload.users).toEqual(['ida', 'jo']);
      expect((await api(s, '/__wslab/fanout/presence?room=pres')).json).toEqual({ room: 'pres', users: ['ida', 'jo'] });
      const sockets = (await api(s, '/__wslab/fanout/presence?user=jo')).json.sockets;
      expect(sockets).toHaveLength(1);
      expect(sockets[0]).toMatchObject({ userId: 'jo', node: 'n2', rooms: ['pres'] });
      const before = ida.received.length;
      await jo.close();
      const after = await ida.waitFor((m) => m.type === 'presence' && ida.received.indexOf(m) >= before);
      expect(after.payload).toEqual({ room: 'pres', users: ['ida'] });
      expect((await api(s, '/__wslab/fanout/presence?room=pres')).json.users).toEqual(['ida']);
    });

    test('a dm to an offline user is queued, delivered in order when they come back, and only once after acks', async () => {
      const kim = await user('kim', 0);
      const ids: string[] = [];
      for (const text of ['one', 'two', 'three']) {
        const ack = await kim.request('dm', { to: 'lou', text });
        expect(ack.payload.queued).toBe(true);
        ids.push(ack.payload.id as string);
      }
      expect((await api(s, '/__wslab/fanout/queue?user=lou')).json.queued.map((m: { text: string }) => m.text)).toEqual(['one', 'two', 'three']);
      const lou = await user('lou', 1);
      const got = await lou.count((m) => m.type === 'dm', 3);
      expect(got.map((m) => [m.id, m.payload.text, m.meta.queued, m.meta.node])).toEqual([
        [ids[0], 'one', true, 'n2'],
        [ids[1], 'two', true, 'n2'],
        [ids[2], 'three', true, 'n2'],
      ]);
      for (const m of got) lou.send('ack', { ref: m.id });
      await log.waitForCount((e) => e.type === 'fanout' && e.hop === 'ack' && e.to === 'lou', 3);
      expect((await api(s, '/__wslab/fanout/queue?user=lou')).json.queued).toEqual([]);
      await lou.close();
      const again = await user('lou', 0);
      await new Promise((r) => setTimeout(r, 200));
      expect(again.of('dm')).toEqual([]);
    });

    test('a reconnect in the middle of the queue delivers the unacknowledged rest again (at least once)', async () => {
      const max = await user('max', 0);
      const ids: string[] = [];
      for (const text of ['a', 'b', 'c']) ids.push((await max.request('dm', { to: 'ned', text })).payload.id as string);
      const ned = await user('ned', 1);
      await ned.count((m) => m.type === 'dm', 3);
      ned.send('ack', { ref: ids[0] });
      await log.waitForType('fanout', (e) => e.hop === 'ack' && e.msgId === ids[0]);
      await ned.terminate(); // gone before acking b and c
      const back = await user('ned', 0);
      const got = await back.count((m) => m.type === 'dm', 2);
      expect(got.map((m) => [m.id, m.payload.text])).toEqual([
        [ids[1], 'b'],
        [ids[2], 'c'],
      ]);
      await new Promise((r) => setTimeout(r, 100));
      expect(back.of('dm')).toHaveLength(2);
    });

    test('queued messages survive a restart of the node the user comes back to', async () => {
      const oz = await user('oz', 0);
      const ack = await oz.request('dm', { to: 'pip', text: 'kept' });
      expect(ack.payload.queued).toBe(true);
      const restarted = await api(s, '/__wslab/fanout/nodes/n2/restart', {});
      expect(restarted.status).toBe(200);
      expect(restarted.json).toMatchObject({ id: 'n2', running: true });
      const pip = await user('pip', 1);
      const got = await pip.waitFor((m) => m.type === 'dm');
      expect([got.id, got.payload.text, got.meta.node]).toEqual([ack.payload.id, 'kept', 'n2']);
    });

    test('malformed messages get an error envelope with code, reason and ref, and the connection stays open', async () => {
      const rex = await user('rex', 0);
      const errors: unknown[] = [];
      const next = async (send: () => void) => {
        const n = rex.of('error').length;
        send();
        const e = await rex.waitFor((m) => m.type === 'error' && rex.of('error').indexOf(m) === n);
        errors.push(e.payload);
      };
      await next(() => rex.sendRaw('not json'));
      await next(() => rex.sendRaw(JSON.stringify({ type: 'chat', id: 'e2', payload: 5 })));
      await next(() => rex.sendRaw(JSON.stringify({ type: 'yell', id: 'e3', payload: {} })));
      const oversized = JSON.stringify({ type: 'chat', id: 'e4', payload: { room: 'r', text: 'x'.repeat(9000) } });
      expect(oversized.length).toBe(9058);
      await next(() => rex.sendRaw(oversized));
      await next(() => rex.sendRaw(JSON.stringify({ type: 'chat', id: 'e5', payload: { room: 'never-joined', text: 'hi' } })));
      await next(() => rex.sendRaw(Buffer.from([1, 2, 3])));
      expect(errors).toEqual([
        { code: 'bad_json', reason: 'message is not valid JSON', ref: null },
        { code: 'bad_envelope', reason: 'not an envelope {type, id, meta?, payload}: payload: Invalid input: expected record, received number', ref: 'e2' },
        { code: 'unknown_type', reason: 'unknown type "yell"; expected one of auth, join, leave, chat, dm, broadcast, ack', ref: 'e3' },
        { code: 'too_large', reason: 'message is 9058 bytes; the limit is 8192', ref: 'e4' },
        { code: 'not_in_room', reason: 'join never-joined before sending to it', ref: 'e5' },
        { code: 'bad_json', reason: 'binary messages are not accepted here: send the envelope as JSON text', ref: null },
      ]);
      expect(rex.ws.readyState).toBe(1);
      await rex.join('still-here');
    });
  });
}
