// The chat lab's HTTP API: its nodes, its broker, presence and offline queues. Reading is open;
// anything that stops, pauses or restarts a node or cuts the broker needs the presenter key in a
// workshop (the room shares them).
//
//   GET  /__wslab/nodes                          the nodes: id, port, running, paused, sockets, broker link
//   GET  /__wslab/fanout                         mode, broker, nodes, counters
//   GET  /__wslab/fanout/presence[?room=R|?user=U]   who is connected where, as the broker knows it
//   GET  /__wslab/fanout/queue?user=U            a user's offline queue
//   POST /__wslab/fanout/mode {mode}             "pubsub" or "streams"
//   POST /__wslab/fanout/broker/outage {ms?}     every node loses its broker link for ms (default 2000)
//   POST /__wslab/fanout/nodes/ID/ACTION {...}   pause {ms?}, resume, stop {crash?}, start, restart {crash?}
import { HttpError, readJsonObject, sendJson } from '../../http/json.ts';
import type { Route, RouteContext } from '../../http/routes.ts';
import type { RoomGuard } from '../../http/presenter-guard.ts';
import { NAME_RE } from '../../fanout/envelope.ts';
import type { DeliveryMode } from '../../fanout/broker.ts';
import type { FanoutCluster } from './cluster.ts';

const NODE_ACTIONS = 'actions: pause {ms?}, resume, stop {crash?}, start, restart {crash?}';

function msOf(b: Record<string, unknown>, fallback: number | null): number | null {
  if (b.ms === undefined) return fallback;
  if (typeof b.ms !== 'number' || !Number.isInteger(b.ms) || b.ms < 1 || b.ms > 600_000) throw new HttpError(400, 'ms must be an integer from 1 to 600000');
  return b.ms;
}

/** The chat lab's routes; `cluster()` is null until the cluster has started (503 until then). */
export function chatRoutes(cluster: () => FanoutCluster | null, roomGuard: RoomGuard): Route[] {
  const withCluster = (handle: (ctx: RouteContext, c: FanoutCluster) => unknown) => (ctx: RouteContext) => {
    const c = cluster();
    if (!c) throw new HttpError(503, 'the chat lab is not running');
    return handle(ctx, c);
  };
  /** a change to what the whole room shares: the presenter's, in a workshop */
  const shared = (handle: (ctx: RouteContext, c: FanoutCluster) => unknown) =>
    withCluster((ctx, c) => (roomGuard(ctx.req, ctx.res, 'stop, pause or restart the chat nodes, or cut them off from their broker') ? handle(ctx, c) : undefined));
  const readingBroker = (c: FanoutCluster) => {
    const broker = c.brokerForReads();
    if (!broker) throw new HttpError(503, 'the broker is down');
    return broker;
  };

  return [
    { method: 'GET', path: '/__wslab/nodes', handle: withCluster(({ res }, c) => sendJson(res, 200, c.nodeList())) },
    { method: 'GET', path: '/__wslab/fanout', handle: withCluster(async ({ res }, c) => sendJson(res, 200, await c.status())) },
    {
      method: 'GET',
      path: '/__wslab/fanout/presence',
      handle: withCluster(async ({ res, url }, c) => {
        const broker = readingBroker(c);
        const room = url.searchParams.get('room');
        const user = url.searchParams.get('user');
        if (room !== null) return sendJson(res, 200, { room, users: await broker.roomUsers(room) });
        if (user !== null) return sendJson(res, 200, { user, sockets: await broker.userSockets(user) });
        sendJson(res, 200, { sockets: await broker.allPresence() });
      }),
    },
    {
      method: 'GET',
      path: '/__wslab/fanout/queue',
      handle: withCluster(async ({ res, url }, c) => {
        const user = url.searchParams.get('user') ?? '';
        if (!NAME_RE.test(user)) throw new HttpError(400, 'give ?user=NAME');
        const broker = readingBroker(c);
        sendJson(res, 200, { user, queued: (await broker.queued(user)).map((e) => JSON.parse(e)) });
      }),
    },
    {
      method: 'POST',
      path: '/__wslab/fanout/mode',
      handle: shared(async ({ req, res }, c) => {
        const b = await readJsonObject(req);
        if (b.mode !== 'pubsub' && b.mode !== 'streams') throw new HttpError(400, 'mode must be "pubsub" or "streams"');
        c.mode.current = b.mode;
        await Promise.all(c.nodes.map((n) => n.broker?.setMode(b.mode as DeliveryMode)));
        sendJson(res, 200, await c.status());
      }),
    },
    {
      method: 'POST',
      path: '/__wslab/fanout/broker/outage',
      handle: shared(async ({ req, res }, c) => {
        // every node loses its broker link at once, as when Redis restarts; they come back by themselves
        const ms = msOf(await readJsonObject(req), 2000)!;
        for (const n of c.nodes) n.broker?.pause(`broker outage for ${ms} ms (lab)`);
        c.schedule(ms, () => {
          for (const n of c.nodes) n.broker?.resume();
        });
        sendJson(res, 200, { outageMs: ms });
      }),
    },
    {
      method: 'POST',
      path: '/__wslab/fanout/nodes/:id/:action',
      handle: shared(async ({ req, res, params }, c) => {
        const node = c.node(params.id!);
        if (!node) throw new HttpError(404, `no node ${params.id}; nodes: ${c.nodes.map((n) => n.id).join(', ')}`);
        const b = await readJsonObject(req);
        switch (params.action) {
          case 'pause': {
            if (!node.running) throw new HttpError(409, `node ${node.id} is not running`);
            const ms = msOf(b, null);
            node.pause(ms);
            if (ms) c.schedule(ms, () => node.resume());
            break;
          }
          case 'resume':
            node.resume();
            break;
          case 'stop':
            await node.stop(b.crash === true);
            break;
          case 'start':
            await node.start();
            break;
          case 'restart':
            await node.stop(b.crash === true);
            await node.start();
            break;
          default:
            throw new HttpError(404, NODE_ACTIONS);
        }
        sendJson(res, 200, c.nodeList().find((n) => (n as { id: string }).id === node.id));
      }),
    },
  ];
}
