// /lab/backpressure?rate=N&size=B&strategy=S&capBytes=..&highWater=..&lowWater=..&queueMax=..
// The ticker's producer with a backpressure strategy the learner can switch live
// (POST /__wslab/flow/CONN). Every 100 ms it reports what the server measured as a `flow` event:
// produced, delivered, dropped, queued, the application queue, ws's bufferedAmount, the socket's
// writableLength and the process's memory.
import type { EventBus } from '../../stream/bus.ts';
import { DEFAULT_FLOW, FlowConfigError, mergeFlowConfig, Producer, type FlowConfig, type FlowSink } from '../../core/labs/flow.ts';
import type { Lab } from '../../connection/lab.ts';
import { socketOf } from '../../connection/ws-adapter.ts';
import type { Socket } from 'node:net';
import { processMemory, safeInterval } from '../../process/safe.ts';

const TICK_MS = 10;
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

/** The flow settings a lab URL asks for (unknown or invalid ones fall back to the defaults). */
export function flowConfigFromUrl(url: URL): FlowConfig {
  const change: Record<string, unknown> = {};
  for (const key of ['strategy', 'rate', 'size', 'capBytes', 'highWater', 'lowWater', 'queueMax', 'keys']) {
    const v = url.searchParams.get(key);
    if (v === null) continue;
    change[key] = key === 'strategy' ? v : Number(v);
  }
  try {
    return mergeFlowConfig(DEFAULT_FLOW, change);
  } catch {
    return DEFAULT_FLOW;
  }
}

export const backpressureLab: Lab = {
  name: 'backpressure',
  description: 'A producer (?rate=N&size=B) with a backpressure strategy (?strategy=none|drop-newest|drop-oldest|coalesce|pause), changeable live.',
  wsOptions(_url, defaults) {
    return defaults;
  },
  onConnection(ws, ctx) {
    const socket = ctx.socket ?? socketOf(ws)!;
    const sink: FlowSink = {
      get bufferedAmount() {
        return ws.bufferedAmount;
      },
      get writableLength() {
        return socket.writableLength;
      },
      get open() {
        return ws.readyState === ws.OPEN;
      },
      send(data, cb) {
        ws.send(data, cb);
      },
    };
    const producer = new Producer(sink, flowConfigFromUrl(ctx.url));
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
    const tick = safeInterval('the backpressure lab', () => {
      producer.tick(performance.now());
      if (producer.stopped && !wasStopped) {
        wasStopped = true;
        report('stopped');
      } else if (!producer.stopped) wasStopped = false;
    }, TICK_MS);
    const stats = safeInterval('the backpressure lab', () => report('stats'), FLOW_REPORT_MS);
    const onDrain = () => producer.pump();
    socket.on('drain', onDrain);
    producer.tick(performance.now());
    ws.once('close', () => {
      clearInterval(tick);
      clearInterval(stats);
      socket.off('drain', onDrain);
      report('stats');
      all.delete(conn);
    });
  },
};

export { FlowConfigError };
