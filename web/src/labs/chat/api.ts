// The chat lab's HTTP calls: login, the nodes, the fan-out API and the registry (README, "Chat,
// fan-out and scale"). Errors come back as values with the server's own sentence.
import { apiCall as call, type Result } from '../../http.ts';
import type { NodeInfo } from './model.ts';

export type { Result };

export interface Login {
  user: string;
  token: string;
  exp: number;
  expiresIn: number;
}

/**
 * POST /lab/login. With `cookie` false the request omits credentials, so the browser also ignores
 * the Set-Cookie in the answer: only the cookie transport leaves a wslab_token cookie behind.
 */
export const login = (user: string, cookie: boolean) => call<Login>('POST', '/lab/login', { user }, cookie ? 'same-origin' : 'omit');

export const getNodes = () => call<NodeInfo[]>('GET', '/__wslab/nodes');

export interface FanoutStatus {
  broker: string;
  mode: 'pubsub' | 'streams';
  target: string;
  nodes: NodeInfo[];
  totals: Record<string, number>;
}
export const getFanout = () => call<FanoutStatus>('GET', '/__wslab/fanout');
export const setMode = (mode: 'pubsub' | 'streams') => call<FanoutStatus>('POST', '/__wslab/fanout/mode', { mode });
export const pauseNode = (id: string, ms?: number) => call<NodeInfo>('POST', `/__wslab/fanout/nodes/${encodeURIComponent(id)}/pause`, ms ? { ms } : {});
export const resumeNode = (id: string) => call<NodeInfo>('POST', `/__wslab/fanout/nodes/${encodeURIComponent(id)}/resume`, {});
/** Stops a node; `crash`: its sockets are destroyed without close frames, as when a process dies. */
export const stopNode = (id: string, crash: boolean) => call<NodeInfo>('POST', `/__wslab/fanout/nodes/${encodeURIComponent(id)}/stop`, { crash });
export const startNode = (id: string) => call<NodeInfo>('POST', `/__wslab/fanout/nodes/${encodeURIComponent(id)}/start`, {});

export interface PresenceEntry {
  socketId: string;
  sessionId: string | null;
  userId: string;
  node: string;
  rooms: string[];
  connectedAt: number;
}
export const getPresence = () => call<{ sockets: PresenceEntry[] }>('GET', '/__wslab/fanout/presence');
export const getQueue = (user: string) => call<{ user: string; queued: { id: string; from: string; text: string }[] }>('GET', `/__wslab/fanout/queue?user=${encodeURIComponent(user)}`);

export interface RegistryEntry {
  conn: string;
  socketId: string;
  sessionId: string | null;
  userId: string | null;
  lab: string;
  local: { address: string; port: number };
  readyState: number;
}
export const getConnections = () => call<{ count: number; connections: RegistryEntry[] }>('GET', '/__wslab/connections');
