// What a lab's HTTP API is given by the server: the event bus, the registry, the chaos link its
// clients may go through, the room's guard (in a workshop, calls that change what everyone shares
// need the presenter key) and this server's address. A lab answers with routes and a close hook.
import type { EventBus } from '../stream/bus.ts';
import type { Registry } from '../connection/registry.ts';
import type { ChaosLink } from '../link/link.ts';
import type { RoomGuard, SessionGuard } from '../http/presenter-guard.ts';
import type { Route } from '../http/routes.ts';
import type { FdBudget } from '../process/limits.ts';

export interface LabServices {
  bus: EventBus;
  registry: Registry;
  link: ChaosLink;
  roomGuard: RoomGuard;
  /** in a workshop: refuses calls that would change another session's connections */
  sessionGuard: SessionGuard;
  /** the server's connection caps and the descriptors they share (server/process/limits.ts) */
  fdBudget?: FdBudget;
  /** this server's address, known once it listens */
  target(): { host: string; port: number };
  /** http://HOST:PORT of this server, for clients the lab opens to itself */
  origin(): string;
}

export interface LabApi {
  routes: Route[];
  close?(): void;
  /** what the lab holds of the server's descriptor budget, by kind */
  usage?: { simClients?: () => number };
}

/** A lab's HTTP API, made once per server. */
export type LabApiFactory = (services: LabServices) => LabApi;
