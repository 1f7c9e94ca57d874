// Ghost connections: a client behind a blackholed link vanishes without FIN or RST. With
// heartbeats on, the server notices after interval × misses (one interval more at most, since the
// first unanswered ping leaves up to one interval after the blackhole), terminates the socket, and
// the registry entry and the lab's per-connection state are released. With heartbeats off, the
// ghost stays, believed online, holding its memory.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { ROOT } from '../../server/paths.ts';
import { openClient, sleep, until, useLabServer, type Collector, type TestServer } from '../helpers/server.ts';
import { ghostState } from '../../server/labs/ghosts/lab.ts';

let t: TestServer;
let log: Collector;
let tagN = 0;
const clients = useLabServer((server, events) => {
  t = server;
  log = events;
});
afterAll(async () => {
  await fetch(`${t.httpUrl}/__wslab/sim`, { method: 'DELETE' });
});

async function post(path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${t.httpUrl}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** The server-side conn behind a link connection, as GET /__wslab/link reports it. */
async function connOfLink(link: string): Promise<string> {
  return (await until(async () => {
    const res = await fetch(`${t.httpUrl}/__wslab/link`);
    const body = (await res.json()) as { connections: { link: string; conn: string | null }[] };
    return body.connections.find((c) => c.link === link)?.conn ?? null;
  }, 2000, `the server conn of ${link}`)) as string;
}

describe('ghosts and heartbeats', () => {
  test('heartbeat 200 ms × 2 misses: a blackholed client is terminated 2 intervals after the first ping that went unanswered; its registry entry and 64 KiB of state are released', async () => {
    const INTERVAL = 200;
    const MISSES = 2;
    const tag = `g${++tagN}`;
    const client = await openClient(t.wsUrl(`/lab/ghosts?heartbeat=${INTERVAL}&misses=${MISSES}&state=65536&link=${tag}`));
    clients.push(client);
    const open = await log.waitForType('link', (e) => e.action === 'open' && e.tag === tag);
    const conn = await connOfLink(open.link);
    // wait for one answered ping, so the connection is known to be healthy first
    await log.waitForType('heartbeat', (e) => e.conn === conn && e.action === 'pong', 5000);
    const stateBefore = ghostState(t.server.bus).bytes;
    const r = await post('/__wslab/link', { tag, blackhole: true });
    expect(r.status).toBe(200);
    const hole = await log.waitForType('link', (e) => e.conn === conn && e.action === 'config' && e.conditions?.blackhole === true);
    const term = await log.waitForType('heartbeat', (e) => e.conn === conn && e.action === 'terminate', 10_000);
    expect(term).toMatchObject({ missed: MISSES, maxMisses: MISSES, intervalMs: INTERVAL });
    // Where the blackhole falls in the ping cycle is the scheduler's choice: the last ping before
    // it may have reached the client and lost its pong. Measure from the pings that went unanswered.
    const beats = log.ofType('heartbeat', conn).filter((e) => e.seq < term.seq);
    const lastPong = beats.filter((e) => e.action === 'pong').at(-1)!;
    const unanswered = beats.filter((e) => e.action === 'ping' && e.seq > lastPong.seq);
    expect(unanswered).toHaveLength(MISSES);
    // the last of them went after the blackhole; each later beat counted a miss, the last one ended it
    expect(unanswered.at(-1)!.seq).toBeGreaterThan(hole.seq);
    expect(beats.filter((e) => e.seq > lastPong.seq).map((e) => `${e.action} ${e.missed}`)).toEqual(['ping 0', 'miss 1', 'ping 1', 'miss 2']);
    // Node's timers count from the event loop's clock, which a loaded machine leaves stale: the
    // beats' timestamps are 200 ms apart only give or take that staleness, so the bounds are wide.
    const after = term.t - unanswered[0]!.t;
    expect(after).toBeGreaterThanOrEqual(INTERVAL * (MISSES - 1));
    expect(after).toBeLessThan(INTERVAL * MISSES + 3000);
    // the pings that went unanswered did leave the server (the tap saw them), and each lost itself
    // or its pong at the link
    const pings = log.ofType('frame', conn).filter((f) => f.dir === 's2c' && f.opcode === 9 && f.seq > lastPong.seq && f.seq < term.seq);
    expect(pings.length).toBe(MISSES);
    const dropped = log
      .ofType('link')
      .filter((e) => e.conn === conn && e.action === 'drop' && e.seq > lastPong.seq)
      .flatMap((e) => (e.frames ?? []).filter((f) => f.opcodeName === (e.dir === 's2c' ? 'PING' : 'PONG')));
    expect(dropped.length).toBe(MISSES);

    await log.waitForType('close', (e) => e.conn === conn, 2000);
    expect(t.server.registry.get(conn)).toBeUndefined();
    expect(ghostState(t.server.bus).bytes).toBe(stateBefore - 65536);
    const list = (await (await fetch(`${t.httpUrl}/__wslab/connections`)).json()) as { connections: { conn: string }[] };
    expect(list.connections.map((c) => c.conn)).not.toContain(conn);
    // the client never heard a thing: no FIN, no RST crossed the tunnel
    expect(client.readyState).toBe(1);
  });

  test('heartbeats off: a blackholed client stays believed online for 1.5 s (3 × the interval × misses above), holding its state', async () => {
    const tag = `g${++tagN}`;
    const client = await openClient(t.wsUrl(`/lab/ghosts?heartbeat=0&state=32768&link=${tag}`));
    clients.push(client);
    const open = await log.waitForType('link', (e) => e.action === 'open' && e.tag === tag);
    const conn = await connOfLink(open.link);
    const stateBefore = ghostState(t.server.bus).bytes;
    await post('/__wslab/link', { tag, blackhole: true });
    await sleep(1500);
    expect(log.ofType('heartbeat', conn).filter((e) => e.action !== 'config')).toEqual([]);
    expect(log.ofType('close', conn)).toEqual([]);
    expect(t.server.registry.get(conn)?.ws?.readyState).toBe(1);
    expect(ghostState(t.server.bus).bytes).toBe(stateBefore);
    // lifting the blackhole: this connection had nothing swallowed, so it simply works again
    await post('/__wslab/link', { tag, blackhole: false });
    const echoed = new Promise<string>((resolve) => client.once('message', (d) => resolve(d.toString())));
    client.send('back from the tunnel');
    expect(await echoed).toBe('back from the tunnel');
  });

  test('20 simulated clients, 8 blackholed, heartbeat 200 ms × 2: the believed count falls from 20 to the 12 really alive', async () => {
    const spawn = await post('/__wslab/sim/spawn', { count: 20, heartbeatMs: 200, misses: 2, stateBytes: 16384 });
    expect(spawn.status).toBe(200);
    expect(spawn.json).toMatchObject({ opened: 20, failed: 0, clients: 20, alive: 20, blackholed: 0, believed: 20 });
    const hole = await post('/__wslab/sim/blackhole', { count: 8 });
    expect(hole.json).toMatchObject({ changed: 8, clients: 20, alive: 12, blackholed: 8, believed: 20 });
    const settled = await log.waitForType('sim', (e) => e.believed === 12, 3000);
    expect(settled).toMatchObject({ clients: 20, alive: 12, blackholed: 8, believed: 12, stateBytes: 12 * 16384 });
    const terminated = log.events.filter((e) => e.type === 'heartbeat' && e.action === 'terminate');
    expect(terminated.length).toBeGreaterThanOrEqual(8);

    const cleared = await fetch(`${t.httpUrl}/__wslab/sim`, { method: 'DELETE' });
    expect(((await cleared.json()) as { closed: number }).closed).toBe(20);
    await until(() => ![...t.server.registry.all()].some((r) => r.meta.lab === 'ghosts'), 3000, 'every ghosts-lab connection to close');
    expect(ghostState(t.server.bus)).toEqual({ connections: 0, bytes: 0 });
    // every link connection of those clients is gone too
    await until(async () => {
      const l = (await (await fetch(`${t.httpUrl}/__wslab/link`)).json()) as { connections: { tag: string }[] };
      return l.connections.every((c) => !c.tag.startsWith('sim'));
    }, 3000, 'the sims’ link connections to close');
  });

  test('POST /__wslab/sim/heartbeat turns heartbeats on for live ghosts: blackholed ones are then reaped', async () => {
    const spawn = await post('/__wslab/sim/spawn', { count: 5, heartbeatMs: 0 });
    expect(spawn.json).toMatchObject({ opened: 5, believed: 5 });
    await post('/__wslab/sim/blackhole', { all: true });
    await sleep(600);
    expect((await (await fetch(`${t.httpUrl}/__wslab/sim`)).json()) as object).toMatchObject({ clients: 5, alive: 0, blackholed: 5, believed: 5 });
    const hb = await post('/__wslab/sim/heartbeat', { intervalMs: 100, maxMisses: 1 });
    expect(hb.json).toEqual({ heartbeat: { intervalMs: 100, maxMisses: 1 }, applied: 5 });
    await log.waitForType('sim', (e) => e.believed === 0 && e.clients === 5, 3000);
    await fetch(`${t.httpUrl}/__wslab/sim`, { method: 'DELETE' });
    await post('/__wslab/sim/heartbeat', { intervalMs: 1000, maxMisses: 2 });
  });

  test('a ping + pong pair costs a few bytes; one HTTP poll with browser headers costs hundreds', async () => {
    const spawn = await post('/__wslab/sim/spawn', { count: 1, heartbeatMs: 100, misses: 2 });
    expect(spawn.json.opened).toBe(1);
    await log.waitForType('pong', (e) => e.dir === 'c2s', 2000);
    const res = await fetch(`${t.httpUrl}/__wslab/sim/costs`);
    const costs = (await res.json()) as { pollBytes: number; pingPongBytes: number; ping: { bytes: number; headerLength: number; payloadLength: number }; pong: { bytes: number; headerLength: number } };
    // "hb:N" payloads: a server ping is 2 header bytes + payload; the client's pong adds a 4-byte mask
    expect(costs.ping.headerLength).toBe(2);
    expect(costs.pong.headerLength).toBe(6);
    expect(costs.pingPongBytes).toBe(costs.ping.bytes + costs.pong.bytes);
    expect(costs.pingPongBytes).toBeLessThan(30);
    expect(costs.pollBytes).toBeGreaterThan(700);
    await fetch(`${t.httpUrl}/__wslab/sim`, { method: 'DELETE' });
  });

  test("lesson 7's heartbeat figures are what the wire carries: 8 B for an empty ping + pong, 16 B for the lab's ping hb:1 + its pong", async () => {
    const lesson = readFileSync(join(ROOT, 'lessons', '08-ghosts-and-heartbeats.md'), 'utf8');
    const row = (start: string) => Number(new RegExp(`^\\| ${start}[^\\n]*\\| (\\d+) \\|$`, 'm').exec(lesson)?.[1]);
    const statedEmpty = row('an empty ping');
    const statedLab = row("the ghost lab's ping `hb:1`");
    expect([statedEmpty, statedLab]).toEqual([8, 16]);

    // the lab: a simulated client behind the link, the server's heartbeat pinging it
    await fetch(`${t.httpUrl}/__wslab/sim`, { method: 'DELETE' });
    const spawn = await post('/__wslab/sim/spawn', { count: 1, heartbeatMs: 2000, misses: 2 });
    expect(spawn.json.opened).toBe(1);
    const pong = await log.waitForType('frame', (e) => e.opcode === 10 && e.dir === 'c2s' && e.text === 'hb:1', 10_000);
    const ping = log.ofType('frame', pong.conn).find((e) => e.opcode === 9 && e.text === 'hb:1')!;
    expect(ping.headerLength + ping.payloadLength + pong.headerLength + pong.payloadLength).toBe(statedLab);
    // what the lab page shows (the newest pair on any lab connection): the same rule, 8 + 2 × the payload
    const costs = (await (await fetch(`${t.httpUrl}/__wslab/sim/costs`)).json()) as { pingPongBytes: number; ping: { payloadHex: string; payloadLength: number } };
    expect(Buffer.from(costs.ping.payloadHex, 'hex').toString()).toMatch(/^hb:\d+$/);
    expect(costs.pingPongBytes).toBe(statedEmpty + 2 * costs.ping.payloadLength);
    await fetch(`${t.httpUrl}/__wslab/sim`, { method: 'DELETE' });

    // an empty ping: a client pings the echo lab with no payload, the server answers
    const ws = await openClient(t.wsUrl('/lab/echo'));
    clients.push(ws);
    ws.ping();
    const emptyPong = await log.waitForType('frame', (e) => e.opcode === 10 && e.dir === 's2c' && e.payloadLength === 0, 5000);
    const emptyPing = log.ofType('frame', emptyPong.conn).find((e) => e.opcode === 9 && e.dir === 'c2s')!;
    expect([emptyPing.headerLength + emptyPing.payloadLength, emptyPong.headerLength + emptyPong.payloadLength]).toEqual([6, 2]);
    expect(emptyPing.headerLength + emptyPong.headerLength).toBe(statedEmpty);
  });
});
