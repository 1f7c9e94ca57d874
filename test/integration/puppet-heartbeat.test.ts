// Puppets created with automatic pongs off stay silent when the server pings, and one connection's
// heartbeat, set over POST /__wslab/heartbeat as the heartbeat control does, makes the server give
// up on such a puppet — and keeps one that answers. Real sockets, real server.
import { describe, expect, test } from 'vitest';
import { useLabServer, type Collector, type TestServer } from '../helpers/server.ts';

let t: TestServer;
let log: Collector;
useLabServer(
  (server, events) => {
    t = server;
    log = events;
  },
  { heartbeat: { intervalMs: 0 } },
);

const call = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${t.httpUrl}${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, any> };
};

describe('puppet creation options', () => {
  test('POST /__wslab/puppets {"autoPong": false} answers autoPong false, and a ping from the server gets no pong', async () => {
    const created = await call('POST', '/__wslab/puppets', { path: '/lab/echo', autoPong: false });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ path: '/lab/echo', readyState: 1, autoPong: false, paused: false });
    const conn = created.json.conn as string;
    expect((await call('GET', '/__wslab/puppets')).json.find((p: { id: string }) => p.id === created.json.id)).toMatchObject({ autoPong: false });

    // the heartbeat control's request: ping every 100 ms, give up after 2 misses
    const set = await call('POST', '/__wslab/heartbeat', { conn, intervalMs: 100, maxMisses: 2 });
    expect(set).toMatchObject({ status: 200, json: { conn, intervalMs: 100, maxMisses: 2, missed: 0 } });
    const terminate = await log.waitForType('heartbeat', (e) => e.conn === conn && e.action === 'terminate', 10_000);
    expect(terminate).toMatchObject({ missed: 2, maxMisses: 2, intervalMs: 100 });
    // the server's pings crossed the wire; not one pong came back
    expect(log.ofType('frame', conn).filter((f) => f.dir === 's2c' && f.opcode === 9).length).toBeGreaterThanOrEqual(2);
    expect(log.ofType('frame', conn).filter((f) => f.dir === 'c2s' && f.opcode === 10)).toEqual([]);
    expect(log.ofType('heartbeat', conn).map((e) => e.action)).toEqual(['config', 'ping', 'miss', 'ping', 'miss', 'terminate']);
    await log.waitForType('close', (e) => e.conn === conn);
  });

  test('a puppet with automatic pongs (the default) answers every heartbeat ping with its data, and is kept', async () => {
    const created = await call('POST', '/__wslab/puppets', { path: '/lab/echo' });
    expect(created.json).toMatchObject({ autoPong: true });
    const conn = created.json.conn as string;
    // wide bounds: a pong may take a while on a loaded machine, and only its absence is under test
    await call('POST', '/__wslab/heartbeat', { conn, intervalMs: 250, maxMisses: 4 });
    await log.waitForCount((e) => e.type === 'heartbeat' && e.conn === conn && e.action === 'pong', 3, 10_000, 'heartbeat pongs');
    const pings = log.ofType('frame', conn).filter((f) => f.dir === 's2c' && f.opcode === 9);
    const pongs = log.ofType('frame', conn).filter((f) => f.dir === 'c2s' && f.opcode === 10);
    // RFC 6455 §5.5.3: the pong carries the ping's application data ("hb:1", "hb:2", …)
    expect(pongs.slice(0, 3).map((f) => f.text)).toEqual(pings.slice(0, 3).map((f) => f.text));
    expect(pongs[0].text).toBe('hb:1');
    expect(log.ofType('heartbeat', conn).filter((e) => e.action === 'miss' || e.action === 'terminate')).toEqual([]);

    // turning automatic pongs off on the live puppet makes the next pings go unanswered
    const off = await call('POST', `/__wslab/puppets/${created.json.id}/autopong`, { enabled: false });
    expect(off).toMatchObject({ status: 200, json: { autoPong: false } });
    await log.waitForType('heartbeat', (e) => e.conn === conn && e.action === 'terminate', 10_000);

    // the heartbeat of a connection that is gone cannot be set
    await log.waitForType('close', (e) => e.conn === conn);
    expect(await call('POST', '/__wslab/heartbeat', { conn, intervalMs: 100 })).toMatchObject({ status: 404, json: { error: `no live connection ${conn}` } });
  });

  test('autoPong that is not a boolean, and an autopong action without one, are refused with a sentence', async () => {
    expect(await call('POST', '/__wslab/puppets', { path: '/lab/echo', autoPong: 'false' })).toMatchObject({ status: 400, json: { error: 'autoPong must be true or false' } });
    const created = await call('POST', '/__wslab/puppets', { path: '/lab/echo' });
    expect(await call('POST', `/__wslab/puppets/${created.json.id}/autopong`, {})).toMatchObject({
      status: 400,
      json: { error: 'autopong needs {"enabled": true} or {"enabled": false}' },
    });
    expect((await call('DELETE', `/__wslab/puppets/${created.json.id}`)).status).toBe(200);
  });

  test('heartbeats off for one connection: no more pings, and the setting reads off', async () => {
    const created = await call('POST', '/__wslab/puppets', { path: '/lab/echo', autoPong: false });
    const conn = created.json.conn as string;
    await call('POST', '/__wslab/heartbeat', { conn, intervalMs: 100, maxMisses: 5 });
    await log.waitForType('heartbeat', (e) => e.conn === conn && e.action === 'ping', 5000);
    const off = await call('POST', '/__wslab/heartbeat', { conn, intervalMs: 0 });
    expect(off).toMatchObject({ status: 200, json: { conn, intervalMs: 0, maxMisses: 5, missed: 0 } });
    const list = await call('GET', '/__wslab/connections');
    expect(list.json.connections.find((c: { conn: string }) => c.conn === conn).heartbeat).toMatchObject({ intervalMs: 0, maxMisses: 5, missed: 0 });
    const configSeq = log.ofType('heartbeat', conn).filter((e) => e.action === 'config').at(-1)!.seq;
    // a later connection's pings prove time has passed on the server's timers without guessing a delay
    const probe = await call('POST', '/__wslab/puppets', { path: '/lab/echo' });
    await call('POST', '/__wslab/heartbeat', { conn: probe.json.conn, intervalMs: 100, maxMisses: 100 });
    await log.waitForCount((e) => e.type === 'heartbeat' && e.conn === probe.json.conn && e.action === 'pong', 3, 10_000, 'probe pongs');
    expect(log.ofType('heartbeat', conn).filter((e) => e.seq > configSeq)).toEqual([]);
    await call('DELETE', `/__wslab/puppets/${created.json.id}`);
    await call('DELETE', `/__wslab/puppets/${probe.json.id}`);
  });
});
