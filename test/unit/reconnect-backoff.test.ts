// The reconnecting client's pure logic, with a fake clock, a fake random source and fake sockets:
// full-jitter delays inside [0, min(cap, base × 2^n)), the cap, the reset after a stable period,
// resubscription after every open, and stop().
import { describe, expect, test } from 'vitest';
import { backoffCeiling, fullJitterDelay } from '../../web/src/reconnect/backoff.ts';
import { ReconnectingClient, type Clock, type SocketLike } from '../../web/src/reconnect/client.ts';

const policy = { baseMs: 100, capMs: 1000, stableMs: 5000 };

class FakeClock implements Clock {
  t = 0;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private ids = 0;
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number) => {
    const id = ++this.ids;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  };
  clearTimeout = (h: unknown) => {
    this.timers = this.timers.filter((x) => x.id !== h);
  };
  /** Moves time forward, firing due timers in order. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers[0];
      if (!next || next.at > end) break;
      this.timers.shift();
      this.t = next.at;
      next.fn();
    }
    this.t = end;
  }
}

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: string[] = [];
  onopen: SocketLike['onopen'] = null;
  onclose: SocketLike['onclose'] = null;
  onmessage: SocketLike['onmessage'] = null;
  onerror: SocketLike['onerror'] = null;
  send(d: string) {
    this.sent.push(d);
  }
  close() {
    this.readyState = 3;
  }
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  drop(code = 1006) {
    this.readyState = 3;
    this.onclose?.({ code });
  }
}

function setup(randoms: number[]) {
  const clock = new FakeClock();
  const sockets: FakeSocket[] = [];
  let i = 0;
  const client = new ReconnectingClient({
    connect: () => {
      const s = new FakeSocket();
      sockets.push(s);
      return s;
    },
    policy,
    clock,
    random: () => randoms[i++ % randoms.length],
  });
  return { clock, sockets, client };
}

describe('backoff with full jitter', () => {
  test('the ceiling doubles from base and stops at the cap: 100, 200, 400, 800, 1000, 1000', () => {
    expect([0, 1, 2, 3, 4, 5].map((n) => backoffCeiling(n, policy))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  test('the delay is random × ceiling, floored: 0 at random 0 and ceiling − 1 just below 1', () => {
    expect(fullJitterDelay(2, policy, () => 0)).toBe(0);
    expect(fullJitterDelay(2, policy, () => 0.5)).toBe(200);
    expect(fullJitterDelay(2, policy, () => 0.9999999)).toBe(399);
    expect(fullJitterDelay(9, policy, () => 0.25)).toBe(250);
  });
});

describe('ReconnectingClient state machine', () => {
  test('idle → connecting → open; a drop waits random × 100 ms, then connects again', () => {
    const { clock, sockets, client } = setup([0.5]);
    expect(client.state).toBe('idle');
    client.start();
    expect(client.state).toBe('connecting');
    sockets[0].open();
    expect(client.state).toBe('open');
    sockets[0].drop();
    expect(client.state).toBe('waiting');
    expect(client.nextAt).toBe(50);
    clock.advance(49);
    expect(sockets).toHaveLength(1);
    clock.advance(1);
    expect(sockets).toHaveLength(2);
    expect(client.state).toBe('connecting');
    expect(client.attempts.map((a) => [a.n, a.retry, a.delayMs, a.ceilingMs, a.outcome])).toEqual([
      [1, 0, 0, 0, 'dropped'],
      [2, 1, 50, 100, 'pending'],
    ]);
  });

  test('failures in a row draw under 100, 200, 400, 800, 1000, 1000 ms ceilings', () => {
    const { clock, sockets, client } = setup([0.999]);
    client.start();
    for (let k = 0; k < 6; k++) {
      sockets.at(-1)!.drop();
      clock.advance(1000);
    }
    const retries = client.attempts.slice(1);
    expect(retries.map((a) => a.ceilingMs)).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(retries.map((a) => a.delayMs)).toEqual([99, 199, 399, 799, 999, 999]);
    expect(retries.map((a) => a.startedAt - (client.attempts[a.n - 2].closedAt ?? 0))).toEqual([99, 199, 399, 799, 999, 999]);
  });

  test('staying open for stableMs (5 s) resets the retry count; a shorter stay does not', () => {
    const { clock, sockets, client } = setup([0]);
    client.start();
    sockets[0].drop();
    clock.advance(0); // delay 0
    sockets[1].drop();
    clock.advance(0);
    expect(client.retry).toBe(2);
    sockets[2].open();
    clock.advance(4999);
    expect(client.retry).toBe(2);
    sockets[2].drop();
    clock.advance(0);
    expect(client.attempts.at(-1)!.ceilingMs).toBe(400); // not reset: the third retry in a row
    sockets[3].open();
    clock.advance(5000);
    expect(client.retry).toBe(0);
    sockets[3].drop();
    clock.advance(0);
    expect(client.attempts.at(-1)!.ceilingMs).toBe(100);
  });

  test('subscriptions are sent on open and again after every reconnect, in order', () => {
    const { clock, sockets, client } = setup([0]);
    client.start();
    client.addSubscription('sub:prices'); // not open yet: remembered only
    expect(sockets[0].sent).toEqual([]);
    sockets[0].open();
    expect(sockets[0].sent).toEqual(['sub:prices']);
    client.addSubscription('sub:news');
    expect(sockets[0].sent).toEqual(['sub:prices', 'sub:news']);
    sockets[0].drop();
    clock.advance(0);
    sockets[1].open();
    expect(sockets[1].sent).toEqual(['sub:prices', 'sub:news']);
  });

  test('send() while not open sends nothing and says so', () => {
    const { sockets, client } = setup([0]);
    client.start();
    expect(client.send('x')).toBe(false);
    sockets[0].open();
    expect(client.send('x')).toBe(true);
    expect(sockets[0].sent).toEqual(['x']);
  });

  test('stop() closes the socket, cancels the pending retry and stays stopped', () => {
    const { clock, sockets, client } = setup([0.5]);
    client.start();
    sockets[0].open();
    sockets[0].drop();
    expect(client.state).toBe('waiting');
    client.stop();
    clock.advance(10_000);
    expect(sockets).toHaveLength(1);
    expect(client.state).toBe('stopped');
    expect(client.nextAt).toBeNull();
  });

  test('listeners hear every state change', () => {
    const { sockets, client } = setup([0]);
    const seen: string[] = [];
    client.subscribe(() => seen.push(client.state));
    client.start();
    sockets[0].open();
    sockets[0].drop();
    expect(seen).toEqual(['connecting', 'open', 'waiting']);
  });
});
