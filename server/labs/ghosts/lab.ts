// /lab/ghosts?state=BYTES: the endpoint the ghost-connections lab's simulated clients connect to.
// Each connection gets BYTES of application state (default 16 KiB; a chat app's user, rooms,
// cursors...), held exactly as long as the server believes the connection is alive, so a ghost
// visibly costs memory until a heartbeat finds it. Messages are echoed back.
import type { EventBus } from '../../stream/bus.ts';
import type { Lab } from '../../connection/lab.ts';
import { intParam } from '../params.ts';

export const DEFAULT_STATE_BYTES = 16 * 1024;
export const MAX_STATE_BYTES = 256 * 1024;

interface Held {
  connections: number;
  bytes: number;
}

const held = new WeakMap<EventBus, Held>();

/** Connections of this server's ghosts lab and the state bytes they hold right now. */
export function ghostState(bus: EventBus): Held {
  return held.get(bus) ?? { connections: 0, bytes: 0 };
}

export const ghostsLab: Lab = {
  name: 'ghosts',
  description: 'Holds ?state=BYTES of per-connection state (default 16 KiB) while the connection lives; echoes messages.',
  wsOptions(_url, defaults) {
    return defaults;
  },
  onConnection(ws, ctx) {
    const size = intParam(ctx.url, 'state', DEFAULT_STATE_BYTES, 0, MAX_STATE_BYTES);
    let h = held.get(ctx.bus);
    if (!h) held.set(ctx.bus, (h = { connections: 0, bytes: 0 }));
    const totals = h;
    // Buffer.alloc fills with zeros, so the pages are really committed: this is resident memory.
    let state: Buffer | null = Buffer.alloc(size);
    totals.connections++;
    totals.bytes += size;
    ws.on('message', (data, isBinary) => {
      if (ws.readyState === ws.OPEN) ws.send(data as Buffer, { binary: isBinary });
    });
    ws.once('close', () => {
      if (!state) return;
      totals.connections--;
      totals.bytes -= state.length;
      state = null;
    });
  },
};
