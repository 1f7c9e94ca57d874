// /lab/backpressure?rate=N&size=B&strategy=S&capBytes=..&highWater=..&lowWater=..&queueMax=..
// The ticker's producer with a backpressure strategy the learner can switch live
// (POST /__wslab/flow/CONN). Every 100 ms it reports what the server measured as a `flow` event:
// produced, delivered, dropped, queued, the application queue, ws's bufferedAmount, the socket's
// writableLength and the process's memory.
import type { EventBus } from '../../stream/bus.ts';
import { DEFAULT_FLOW, FlowConfigError, mergeFlowConfig, Producer, type FlowConfig, type FlowSink, flowPayload } from '../../core/labs/flow.ts';
import type { Lab } from '../../connection/lab.ts';
import { socketOf } from '../../connection/ws-adapter.ts';
import type { Socket } from 'node:net';
import { processMemory, safeInterval } from '../../process/safe.ts';
import { producerClock, workUnits } from '../producer-clock.ts';

export const FLOW_REPORT_MS = 100;

export interface FlowSession {
  conn: string;
  producer: Producer;
  /** changes the config live; throws FlowConfigError */
  configure(change: Record<string, unknown>): FlowConfig;
  /** the figures as a flow event would carry them */
  snapshot(): ReturnType<typeof flowBody>;
}

const sessions = new WeakMap<EventBus, Map<string, FlowSession>>();

/** The live backpressure producers of this server, by connection id. */
export function flowSessions(bus: EventBus): Map<string, FlowSession> {
  let m = sessions.get(bus);
  if (!m) sessions.set(bus, (m = new Map()));
  return m;
}

/** process.memoryUsage(), throttled and guarded (it throws EMFILE at the open-file limit). */
export { processMemory };

function flowBody(conn: string, action: 'config' | 'stats' | 'stopped', p: Producer) {
  const s = p.stats();
  const c = p.config;
  const m = processMemory();
  return {
    type: 'flow' as const,
    conn,
    action,
    strategy: c.strategy,
    rate: c.rate,
    size: c.size,
    produced: s.produced,
    delivered: s.delivered,
    dropped: s.dropped,
    queued: s.queued,
    queueLength: s.queueLength,
    queueBytes: s.queueBytes,
    bufferedAmount: s.bufferedAmount,
    writableLength: s.writableLength,
    producerPaused: s.producerPaused,
    stopped: s.stopped,
    capBytes: c.capBytes,
    highWater: c.highWater,
    lowWater: c.lowWater,
    queueMax: c.queueMax,
    rss: m.rss,
    heapUsed: m.heapUsed,
  };
}

/**
 * flowPayload's bytes, written straight into a buffer: no 64 KiB string per message left for the
 * collector (at the caps the garbage would otherwise outweigh the send buffers).
 */
export function flowPayloadBytes(seq: number, key: number, size: number): Buffer {
  const text = flowPayload(seq, key, 0); // the JSON without padding
  if (size <= text.length) return Buffer.from(text, 'latin1');
  const out = Buffer.allocUnsafe(size);
  const head = text.length - 2; // up to the pad's closing quote
  out.write(text.slice(0, head), 0, 'latin1');
  out.fill(0x2e, head, size - 2); // '.'
  out[size - 2] = 0x22; // '"'
  out[size - 1] = 0x7d; // '}'
  return out;
}

/** The flow settings a lab URL asks for (unknown or invalid ones fall back to the defaults). */
export function flowConfigFromUrl(url: URL): FlowConfig {
  try {
    return mergeFlowConfig(DEFAULT_FLOW, flowChangeFromUrl(url));
  } catch {
    return DEFAULT_FLOW;
  }
}

/** Why a lab URL's flow settings cannot be used (a 400 before the handshake), or null. */
export function flowUrlProblem(url: URL): string | null {
  try {
    mergeFlowConfig(DEFAULT_FLOW, flowChangeFromUrl(url));
    return null;
  } catch (err) {
    return `/lab/backpressure: ${(err as Error).message}.`;
  }
}

function flowChangeFromUrl(url: URL): Record<string, unknown> {
  const change: Record<string, unknown> = {};
  for (const key of ['strategy', 'rate', 'size', 'capBytes', 'highWater', 'lowWater', 'queueMax', 'keys']) {
    const v = url.searchParams.get(key);
    if (v === null) continue;
    change[key] = key === 'strategy' ? v : Number(v);
  }
  return change;
}

export const backpressureLab: Lab = {
  name: 'backpressure',
  description: 'A producer (?rate=N&size=B) with a backpressure strategy (?strategy=none|drop-newest|drop-oldest|coalesce|pause), changeable live.',
  wsOptions(_url, defaults) {
    return defaults;
  },
  check: flowUrlProblem,
  onConnection(ws, ctx) {
    const socket = ctx.socket ?? socketOf(ws)!;
    const budget = ctx.budget;
    const config = flowConfigFromUrl(ctx.url);
    // room for at least one of its messages, or the connection is refused now rather than starved
    if (budget && budget.freeBytes < config.size + 64) {
      ws.close(1013, 'Server memory budget spent; try again later.');
      ctx.bus.publish({ type: 'error', conn: ctx.conn, source: 'lab', message: budget.spent('a /lab/backpressure connection') });
      return;
    }
    const lease = budget?.lease('push send buffers') ?? null;
    const sink: FlowSink = {
      get bufferedAmount() {
        return ws.bufferedAmount;
      },
      get writableLength() {
        return socket.writableLength;
      },
      get open() {
        return ws.readyState === ws.OPEN && !socket.destroyed;
      },
      send(data, cb) {
        ws.send(data, cb);
      },
      reserve: lease ? (bytes) => lease.resize(bytes) : undefined,
      // the payload written straight into a buffer: no 64 KiB string per message left for the collector
      encode: flowPayloadBytes,
    };
    const producer = new Producer(sink, config);
    const { bus, conn } = ctx;
    let reported = '';
    const report = (action: 'config' | 'stats' | 'stopped') => {
      const body = flowBody(conn, action, producer);
      const key = JSON.stringify([body.produced, body.delivered, body.dropped, body.queued, body.bufferedAmount, body.writableLength, body.producerPaused]);
      if (action === 'stats' && key === reported) return;
      reported = key;
      bus.publish(body);
    };
    const session: FlowSession = {
      conn,
      producer,
      configure(change) {
        const next = mergeFlowConfig(producer.config, change);
        producer.reconfigure(next);
        report('config');
        return next;
      },
      snapshot: () => flowBody(conn, 'stats', producer),
    };
    const all = flowSessions(bus);
    all.set(conn, session);
    report('config');
    let wasStopped = false;
    // stepped by the shared producer clock: at most its share of each tick, never a backlog
    const unclock = producerClock.add({
      step(now, allowance) {
        if (!sink.open) return 0;
        const units = workUnits(producer.config.size);
        const made = producer.tick(now, Math.floor(allowance / units)) * units;
        if (producer.stopped && !wasStopped) {
          wasStopped = true;
          report('stopped');
        } else if (!producer.stopped) wasStopped = false;
        return made;
      },
    });
    const stats = safeInterval('the backpressure lab', () => report('stats'), FLOW_REPORT_MS);
    const onDrain = () => producer.pump();
    socket.on('drain', onDrain);
    producer.tick(performance.now());
    ws.once('close', () => {
      unclock();
      lease?.release();
      clearInterval(stats);
      socket.off('drain', onDrain);
      report('stats');
      all.delete(conn);
    });
  },
};

export { FlowConfigError };
