// GET /__wslab/events?since=&until= as a page scrolling back reads it: exactly the seqs of
// [since, until), and headers saying the oldest seq the history keeps (X-Wslab-Oldest-Seq) and how
// many events in the reader's scope lie before since (X-Wslab-Before): all of them outside a
// workshop, only the participant's own (and the room's) in one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { openClient, shut, startTestServer, type TestServer, type WslabEvent } from '../helpers/server.ts';

async function echo(ws: WebSocket, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const got = new Promise((r) => ws.once('message', r));
    ws.send(`m${i}`);
    await got;
  }
}

async function history(t: TestServer, query: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${t.httpUrl}/__wslab/events?${query}`, { headers });
  const text = await res.text();
  return {
    status: res.status,
    oldest: Number(res.headers.get('x-wslab-oldest-seq')),
    before: Number(res.headers.get('x-wslab-before')),
    events: res.ok && text.trim() ? text.trim().split('\n').map((l) => JSON.parse(l) as WslabEvent) : [],
  };
}

describe('history windows outside a workshop', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ historySize: 200 });
    const ws = await openClient(t.wsUrl('/lab/echo'));
    await echo(ws, 100); // 400 events and more: the history keeps the newest 200
    await shut(ws, true);
  });
  afterAll(() => t.close());

  it('answers exactly the seqs of [since, until) and counts everything kept before since', async () => {
    const head = t.server.bus.headSeq;
    const oldest = t.server.bus.oldestSeq;
    expect(oldest).toBeGreaterThan(head - 250); // about the 200 newest are kept
    expect(oldest).toBeLessThan(head - 150);
    const r = await history(t, `since=${head - 50}&until=${head - 20}`);
    expect(r.status).toBe(200);
    expect(r.events.map((e) => e.seq)).toEqual(Array.from({ length: 30 }, (_, i) => head - 50 + i));
    // (the closing connection's last events may still evict a few meanwhile)
    expect(r.oldest).toBeGreaterThanOrEqual(oldest);
    expect(r.oldest).toBe(t.server.bus.oldestSeq);
    expect(r.before).toBe(head - 50 - r.oldest);
    // an empty range (how the page asks how much is older) costs nothing and says the same
    const probe = await history(t, `since=${head - 50}&until=${head - 50}`);
    expect(probe.events).toEqual([]);
    expect(probe.before).toBe(head - 50 - probe.oldest);
    // at the oldest kept: nothing before it
    expect((await history(t, `since=${oldest}&until=${oldest}`)).before).toBe(0);
  });
});

describe('history windows in a workshop', () => {
  const KEY = 'presenter-key-for-tests-0001';
  let t: TestServer;
  const sockets: WebSocket[] = [];
  beforeAll(async () => {
    t = await startTestServer({ workshop: { presenterKey: KEY } });
    for (const cookie of ['ada-window', 'bob-window']) {
      const ws = await openClient(t.wsUrl('/lab/echo'), { headers: { Cookie: `wslab_session=${cookie}` } });
      sockets.push(ws);
      await echo(ws, cookie.startsWith('ada') ? 5 : 20);
    }
  });
  afterAll(async () => {
    for (const ws of sockets) await shut(ws, true);
    await t.close();
  });

  it("counts before since only what the participant may read, and the presenter's ticket reads all", async () => {
    const head = t.server.bus.headSeq;
    const all = await history(t, `since=0`, { Authorization: `Bearer ${KEY}` });
    const ada = await history(t, `since=0`, { Cookie: 'wslab_session=ada-window' });
    expect(ada.events.length).toBeLessThan(all.events.length);
    const r = await history(t, `since=${head}&until=${head}`, { Cookie: 'wslab_session=ada-window' });
    expect(r.before).toBe(ada.events.length);
    const p = await history(t, `since=${head}&until=${head}`, { Authorization: `Bearer ${KEY}` });
    expect(p.before).toBe(all.events.length);
    // a window in Ada's scope: her events of [since, until) only
    const mid = Math.floor(head / 2);
    const w = await history(t, `since=1&until=${mid}`, { Cookie: 'wslab_session=ada-window' });
    expect(w.events.map((e) => e.seq)).toEqual(ada.events.filter((e) => e.seq < mid).map((e) => e.seq));
    // the presenter's page asks a fresh ticket for every window: one ticket reads once
    const ticket = (await (await fetch(`${t.httpUrl}/__wslab/events/ticket`, { method: 'POST', headers: { Authorization: `Bearer ${KEY}` } })).json()) as { ticket: string };
    expect((await history(t, `since=1&until=${mid}&ticket=${ticket.ticket}`)).events.map((e) => e.seq)).toEqual(all.events.filter((e) => e.seq < mid).map((e) => e.seq));
    const again = await history(t, `since=1&until=${mid}&ticket=${ticket.ticket}`);
    expect(again.status).toBe(403);
  });
});
