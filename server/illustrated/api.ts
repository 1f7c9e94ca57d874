// POST /__wslab/illustrated/run: plays the illustrated connection once more against this server,
// as RFC 6455 asks a client to: a fresh random Sec-WebSocket-Key (§4.1) and a fresh unpredictable
// masking key per frame (§5.3), with the Host this server answers to. Everything else is the
// committed trace's script, so the page can show which bytes changed and why.
import { randomBytes } from 'node:crypto';
import { HttpError, sendJson } from '../http/json.ts';
import type { Route } from '../http/routes.ts';
import type { EventBus } from '../stream/bus.ts';
import { runSession } from './session.ts';

/** Runs at once per server; each is one short connection, but a page held down on the button must not open hundreds. */
export const MAX_LIVE_RUNS = 4;

export interface IllustratedApiOptions {
  bus: EventBus;
  /** this server's address, known once it listens */
  target(): { host: string; port: number };
}

export function illustratedRoutes({ bus, target }: IllustratedApiOptions): Route[] {
  let running = 0;
  return [
    {
      method: 'POST',
      path: '/__wslab/illustrated/run',
      handle: async ({ res }) => {
        if (running >= MAX_LIVE_RUNS) throw new HttpError(503, `${MAX_LIVE_RUNS} live runs are already under way; try again when one has finished.`);
        running++;
        try {
          const { host, port } = target();
          const inputs = {
            host: `${host.includes(':') ? `[${host}]` : host}:${port}`,
            key: randomBytes(16).toString('base64'),
            masks: Array.from({ length: 6 }, () => randomBytes(4).toString('hex')),
          };
          sendJson(res, 200, await runSession({ host, port, bus }, inputs));
        } finally {
          running--;
        }
      },
    },
  ];
}
