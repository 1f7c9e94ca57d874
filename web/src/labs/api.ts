// The fault and flow labs' HTTP API as typed fetch calls (see server/link/api.ts, server/labs/ghosts/api.ts and server/labs/backpressure/api.ts). Errors come back
// as values with the server's own sentence.
import { apiCall as call, type Result } from '../http.ts';
import type { z } from 'zod';
import type { LinkConditions as LinkConditionsSchema } from '../../../server/core/events/schema.ts';
import type { FlowConfig } from '../../../server/core/labs/flow.ts';
import type { SimStats } from '../../../server/core/api/ghosts.ts';
import type { LinkSelector } from '../../../server/core/api/link.ts';

export type { Result };

export type LinkConditions = z.infer<typeof LinkConditionsSchema>;

export type { LinkSelector };

export const setLink = (sel: LinkSelector, change: Partial<LinkConditions>) => call<{ changed: number }>('POST', '/__wslab/link', { ...sel, ...change });
export const resetLink = (sel: LinkSelector) => call<{ reset: number }>('POST', '/__wslab/link/reset', sel);

export type { SimStats };

export const simStats = () => call<SimStats>('GET', '/__wslab/sim');
export const spawnSims = (count: number, heartbeatMs: number, misses: number) =>
  call<SimStats & { opened: number; failed: number }>('POST', '/__wslab/sim/spawn', { count, heartbeatMs, misses });
export const blackholeSims = (body: { count?: number; all?: boolean; on?: boolean }) => call<SimStats & { changed: number }>('POST', '/__wslab/sim/blackhole', body);
export const setSimHeartbeat = (intervalMs: number, maxMisses: number) => call<{ applied: number }>('POST', '/__wslab/sim/heartbeat', { intervalMs, maxMisses });
export const clearSims = () => call<SimStats & { closed: number }>('DELETE', '/__wslab/sim');

export interface ControlFrame {
  conn: string;
  headerLength: number;
  payloadLength: number;
  bytes: number;
  headerHex: string;
  payloadHex: string;
}
export interface Costs {
  poll: { path: string; requestBytes: number; responseBytes: number; request: string; response: string };
  ping: ControlFrame | null;
  pong: ControlFrame | null;
  pingPongBytes: number | null;
  pollBytes: number;
}
export const measureCosts = () => call<Costs>('GET', '/__wslab/sim/costs');

// The producer's own types: one definition for the server and the page.
export type { FlowConfig, Strategy } from '../../../server/core/labs/flow.ts';
export const startFlow = (config: Partial<FlowConfig>, link: Partial<LinkConditions>) =>
  call<{ conn: string; link: string; config: FlowConfig }>('POST', '/__wslab/flow', { ...config, link });
export const changeFlow = (conn: string, change: Partial<FlowConfig>) => call<{ config: FlowConfig }>('POST', `/__wslab/flow/${encodeURIComponent(conn)}`, change);
export const stopFlow = (conn: string) => call<{ closed: string }>('DELETE', `/__wslab/flow/${encodeURIComponent(conn)}`);
