// Simulated clients: real ws clients in this process, each on its own TCP connection through the
// chaos link to /lab/ghosts. The ghost lab spawns them by the hundred, blackholes some (the phones
// go into a tunnel) and compares what the server believes with what is really alive.
//
// Every 250 ms while any exist (and once after the last goes) a `sim` event reports: clients,
// alive (open and reachable), blackholed, believed (the server's registry entries for
// /lab/ghosts), the ghosts lab's per-connection state bytes, and the process's memory.
import WebSocket from 'ws';
import type { EventBus } from '../../stream/bus.ts';
import type { EventBody } from '../../core/events/schema.ts';
import type { Registry } from '../../connection/registry.ts';
import type { ChaosLink, LinkConnection } from '../../link/link.ts';
import { ghostState, DEFAULT_STATE_BYTES, MAX_STATE_BYTES } from './lab.ts';
import { processMemory } from '../backpressure/lab.ts';
import { safeInterval } from '../../process/safe.ts';

export const MAX_SIMS = 5000;
export const SIM_REPORT_MS = 250;
/** upgrades in flight at once while spawning */
const CONCURRENCY = 64;

export interface SimSpawnOptions {
  count: number;
  /** per-connection heartbeat: interval ms (0 = off) and misses allowed; default: the ghost lab's current setting */
  heartbeatMs?: number;
  misses?: number;
  /** per-connection state the lab holds, bytes */
  stateBytes?: number;
}

export class SimError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

interface Sim {
  id: string;
  ws: WebSocket;
  link: LinkConnection | null;
  blackholed: boolean;
}

export class SimClients {
  private readonly sims = new Map<string, Sim>();
  private readonly pending = new Map<string, Sim>();
  private counter = 0;
  private timer: NodeJS.Timeout | null = null;
  /** the heartbeat new simulated clients are opened with, and the ghost lab applies to its connections */
  heartbeat = { intervalMs: 1000, maxMisses: 2 };
  private readonly onAttach = (lc: LinkConnection) => {
    const sim = this.pending.get(lc.tag);
    if (!sim) return;
    this.pending.delete(lc.tag);
    sim.link = lc;
    // a new simulated client starts on a clean link, whatever the link's defaults are
    lc.conditions = { ...lc.conditions, blackhole: false, pauseClient: false, pauseServer: false };
  };

  constructor(
    private readonly bus: EventBus,
    private readonly registry: Registry,
    private readonly link: ChaosLink,
    /** http://HOST:PORT of this server */
    private readonly origin: () => string,
    /** the server's descriptor budget: null admits `n` more simulated clients, a sentence refuses with 503 */
    private readonly admit?: (n: number) => string | null,
  ) {
    link.attachListeners.add(this.onAttach);
  }

  get size(): number {
    return this.sims.size;
  }

  stats(): Omit<EventBody<'sim'>, 'type' | 'action'> {
    let alive = 0;
    let blackholed = 0;
    for (const s of this.sims.values()) {
      if (s.blackholed) blackholed++;
      else if (s.ws.readyState === WebSocket.OPEN && s.link && !s.link.serverClosed) alive++;
    }
    let believed = 0;
    for (const r of this.registry.all()) if (r.meta.lab === 'ghosts') believed++;
    const m = processMemory();
    return {
      clients: this.sims.size,
      alive,
      blackholed,
      believed,
      stateBytes: ghostState(this.bus).bytes,
      rss: m.rss,
      heapUsed: m.heapUsed,
    };
  }

  private publish(action: EventBody<'sim'>['action'], count?: number): void {
    this.bus.publish({ type: 'sim', action, ...this.stats(), ...(count !== undefined ? { count } : {}) });
  }

  /** Reports every SIM_REPORT_MS while there is anything to report, then once more and stops. */
  private watch(): void {
    if (this.timer) return;
    let idle = 0;
    this.timer = safeInterval('the simulated clients\' stats', () => {
      const s = this.stats();
      if (s.clients === 0 && s.believed === 0) idle++;
      else idle = 0;
      this.bus.publish({ type: 'sim', action: 'stats', ...s });
      if (idle >= 2 && this.timer) {
        clearInterval(this.timer);
        this.timer = null;
      }
    }, SIM_REPORT_MS);
    this.timer.unref();
  }

  /** Opens `count` simulated clients; resolves when each has opened or failed. */
  async spawn(opts: SimSpawnOptions): Promise<{ opened: number; failed: number }> {
    const count = opts.count;
    if (!Number.isInteger(count) || count < 1) throw new SimError(400, 'count must be a positive integer');
    if (this.sims.size + count > MAX_SIMS) throw new SimError(429, `at most ${MAX_SIMS} simulated clients at a time (${this.sims.size} exist)`);
    const full = this.admit?.(count);
    if (full) throw new SimError(503, full);
    const hb = opts.heartbeatMs ?? this.heartbeat.intervalMs;
    const misses = opts.misses ?? this.heartbeat.maxMisses;
    const state = Math.min(MAX_STATE_BYTES, Math.max(0, opts.stateBytes ?? DEFAULT_STATE_BYTES));
    this.watch();
    let opened = 0;
    let failed = 0;
    let next = 0;
    const worker = async () => {
      while (next < count) {
        next++;
        if (await this.openOne(hb, misses, state)) opened++;
        else failed++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, count) }, worker));
    this.publish('spawn', opened);
    return { opened, failed };
  }

  private async openOne(hb: number, misses: number, state: number): Promise<boolean> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const id = `sim${++this.counter}`;
      const url = `${this.origin().replace(/^http/, 'ws')}/lab/ghosts?link=${id}&heartbeat=${hb}&misses=${misses}&state=${state}`;
      const ws = new WebSocket(url, { headers: { 'x-wslab-client': 'sim' }, perMessageDeflate: false, handshakeTimeout: 10_000 });
      const sim: Sim = { id, ws, link: null, blackholed: false };
      this.pending.set(id, sim);
      ws.on('error', () => {});
      const result = await new Promise<'open' | 'retry' | 'fail'>((resolve) => {
        ws.once('open', () => resolve('open'));
        ws.once('unexpected-response', (_req, res) => {
          ws.terminate();
          resolve(res.statusCode === 429 ? 'retry' : 'fail');
        });
        ws.once('close', () => resolve('fail'));
      });
      this.pending.delete(id);
      if (result === 'open') {
        this.sims.set(id, sim);
        ws.once('close', () => this.sims.delete(id));
        return true;
      }
      if (result === 'fail') return false;
      await new Promise((r) => setTimeout(r, 500 + 500 * attempt)); // the upgrade rate limit: wait and retry
    }
    return false;
  }

  /** Blackholes (or restores) `count` clients, or all; returns how many changed. */
  blackhole(count: number | 'all', on: boolean): number {
    let changed = 0;
    for (const s of this.sims.values()) {
      if (count !== 'all' && changed >= count) break;
      if (s.blackholed === on || !s.link) continue;
      s.blackholed = on;
      s.link.configure({ blackhole: on });
      changed++;
    }
    this.watch();
    this.publish(on ? 'blackhole' : 'restore', changed);
    return changed;
  }

  /** Applies a heartbeat to every connection of /lab/ghosts and to clients spawned from now on. */
  setHeartbeat(intervalMs: number, maxMisses: number): number {
    this.heartbeat = { intervalMs, maxMisses };
    let n = 0;
    for (const r of this.registry.all()) {
      if (r.meta.lab !== 'ghosts') continue;
      if (this.registry.configureHeartbeat(r, { intervalMs, maxMisses })) n++;
    }
    return n;
  }

  /** Closes every simulated client (a ghost's client side just goes; the server still has to notice). */
  clear(): number {
    const n = this.sims.size;
    for (const s of this.sims.values()) s.ws.terminate();
    this.sims.clear();
    for (const s of this.pending.values()) s.ws.terminate();
    this.pending.clear();
    this.watch();
    this.publish('clear', n);
    return n;
  }

  close(): void {
    this.link.attachListeners.delete(this.onAttach);
    for (const s of this.sims.values()) s.ws.terminate();
    for (const s of this.pending.values()) s.ws.terminate();
    this.sims.clear();
    this.pending.clear();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
