// The labs' own follower of the event stream: only sim, flow and link events
// (/__wslab/events?types=sim,flow,link), kept as bounded time series for the charts. The global
// store keeps the last 20,000 events of every kind; a few thousand ghosts' heartbeats would push
// the lab's figures out of it in seconds, so the labs ask the server for just their own.
// It reconnects with the reconnect module the lifecycle lab shows.
import { useSyncExternalStore } from 'react';
import type { EventOf, WslabEvent } from '../../../server/core/events/schema.ts';
import { ReconnectingClient, type SocketLike } from '../reconnect/client.ts';
import { Versioned } from '../store/versioned.ts';

/** points kept per series (at 4 a second: 5 minutes) */
const MAX_POINTS = 1200;

export class Series {
  readonly t: number[] = [];
  readonly cols: number[][];
  constructor(readonly names: readonly string[]) {
    this.cols = names.map(() => []);
  }
  push(t: number, values: readonly number[]): void {
    this.t.push(t);
    values.forEach((v, i) => this.cols[i].push(v));
    if (this.t.length > MAX_POINTS) {
      const cut = this.t.length - MAX_POINTS;
      this.t.splice(0, cut);
      for (const c of this.cols) c.splice(0, cut);
    }
  }
  /** uPlot's [xs, ...ys], copied so the chart sees a new array */
  data(pick: number[] = this.names.map((_, i) => i)): [number[], ...number[][]] {
    return [this.t.slice(), ...pick.map((i) => this.cols[i].slice())];
  }
  get length(): number {
    return this.t.length;
  }
}

export class LabStream extends Versioned {
  readonly sim = new Series(['clients', 'alive', 'believed', 'rssMB', 'heapMB', 'stateKB']);
  lastSim: EventOf<'sim'> | null = null;
  readonly flow = new Map<string, { series: Series; last: EventOf<'flow'> }>();
  /**
   * Per server conn behind a link: its conditions as the link last reported them, and what it
   * forwarded server → client per second (from `stats` events, about two a second).
   */
  readonly linkOf = new Map<string, LinkView>();
  /** the newest link events, newest last (at most 60) */
  readonly links: EventOf<'link'>[] = [];
  status: 'connecting' | 'open' | 'closed' = 'connecting';
  private scheduled = false;
  private readonly client: ReconnectingClient;

  constructor(base: string = location.origin) {
    super();
    const url = new URL('/__wslab/events', base.replace(/^http/, 'ws'));
    url.searchParams.set('types', 'sim,flow,link');
    this.client = new ReconnectingClient({
      policy: { baseMs: 250, capMs: 5000, stableMs: 5000 },
      connect: () => new WebSocket(url) as unknown as SocketLike,
      onMessage: (data) => {
        if (typeof data !== 'string') return;
        try {
          this.receive(JSON.parse(data) as WslabEvent);
        } catch {
          // not an event
        }
      },
    });
    this.client.subscribe(() => {
      const s = this.client.state === 'open' ? 'open' : this.client.state === 'connecting' ? 'connecting' : 'closed';
      if (s !== this.status) {
        this.status = s;
        this.bump();
      }
    });
    this.client.start();
  }

  receive(e: WslabEvent): void {
    if (e.type === 'sim') {
      this.lastSim = e;
      this.sim.push(e.t, [e.clients, e.alive, e.believed, e.rss / 1048576, e.heapUsed / 1048576, e.stateBytes / 1024]);
    } else if (e.type === 'flow') {
      let f = this.flow.get(e.conn);
      if (!f) {
        f = { series: new Series(['bufferedAmount', 'writableLength', 'queueBytes', 'produced', 'delivered', 'dropped', 'rssMB', 'heapMB']), last: e };
        this.flow.set(e.conn, f);
      }
      f.last = e;
      f.series.push(e.t, [e.bufferedAmount, e.writableLength, e.queueBytes, e.produced, e.delivered, e.dropped, e.rss / 1048576, e.heapUsed / 1048576]);
    } else if (e.type === 'link') {
      if (e.conn) trackLink(this.linkOf, e);
      if (e.action === 'stats') {
        this.bump();
        return;
      }
      this.links.push(e);
      if (this.links.length > 60) this.links.splice(0, this.links.length - 60);
    } else return;
    this.bump();
  }

  private bump(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    const run = () => {
      this.scheduled = false;
      this.changed();
    };
    if (typeof requestAnimationFrame === 'function' && !document.hidden) requestAnimationFrame(run);
    else setTimeout(run, 16);
  }

  close(): void {
    this.client.stop();
  }
}

export interface LinkView {
  conditions: EventOf<'link'>['conditions'] | null;
  /** t (ms) → server → client bytes forwarded per second, and bytes held inside the link */
  series: Series;
  forwarded: number;
  t: number;
}

/** Folds one link event into the per-conn view (pure: test/unit/web-backpressure-link.test.ts). */
export function trackLink(map: Map<string, LinkView>, e: EventOf<'link'>): void {
  const conn = e.conn!;
  let v = map.get(conn);
  if (!v) {
    v = { conditions: null, series: new Series(['s2cForwardedBps', 's2cHeld']), forwarded: 0, t: e.t };
    map.set(conn, v);
    if (map.size > 50) map.delete(map.keys().next().value!);
  }
  if (e.conditions) v.conditions = { ...e.conditions };
  if (e.counters) {
    const dt = (e.t - v.t) / 1000;
    const forwarded = e.counters.s2c.forwarded;
    if (dt > 0) v.series.push(e.t, [Math.max(0, forwarded - v.forwarded) / dt, e.counters.s2c.held]);
    v.forwarded = forwarded;
    v.t = e.t;
  }
}

let shared: LabStream | null = null;

export function getLabStream(): LabStream {
  return (shared ??= new LabStream());
}

/** Re-renders the caller when lab events arrive (at most once per animation frame). */
export function useLabStream(): LabStream {
  const s = getLabStream();
  useSyncExternalStore(s.subscribe, s.getVersion);
  return s;
}
