// What each transport of the transports lab really cost, per client (the page's random id): requests,
// updates delivered, empty answers, bytes each way as the server's sockets counted them, and which TCP
// connections carried the requests. Pure bookkeeping: the numbers come from server/http/wire-meter.ts
// (HTTP) and the WebSocket's socket (the lab), never from the payload lengths.

export const TRANSPORTS = ['poll', 'long', 'sse', 'ws'] as const;
export type Transport = (typeof TRANSPORTS)[number];

/** One TCP connection as a transport used it. */
export interface ConnectionUse {
  /** the server's id for it: hN for plain HTTP connections, the registry's cN for WebSockets */
  conn: string;
  remotePort: number;
  /** requests of this transport it carried (a WebSocket: 1, its upgrade) */
  requests: number;
  /** still carrying a held request or a stream */
  open: boolean;
}

export interface TransportTotals {
  /** HTTP requests made (a WebSocket: its one upgrade request; SSE: one per (re)connect) */
  requests: number;
  /** updates delivered */
  updates: number;
  /** answers that carried no update: empty polls, long polls that timed out */
  empty: number;
  /** bytes the server read: request lines + headers (+ WebSocket frames from the client) */
  requestBytes: number;
  /** bytes the server wrote: status lines, headers, bodies, chunk framing, WebSocket frames */
  responseBytes: number;
  /** of those, what only opening a stream costs: SSE request + response head, the WebSocket handshake */
  setupBytes: number;
  /** requests or streams open right now */
  open: number;
  /** the connections used, most recent last (at most MAX_CONNECTIONS kept) */
  connections: ConnectionUse[];
  /** connections used beyond those listed */
  moreConnections: number;
}

export interface ClientStats {
  client: string;
  transports: Record<Transport, TransportTotals>;
}

/** Connections listed per transport and client; the oldest are folded into moreConnections. */
export const MAX_CONNECTIONS = 12;
/** Clients whose figures are kept; the one seen longest ago is forgotten first. */
export const MAX_CLIENTS = 64;

function emptyTotals(): TransportTotals {
  return { requests: 0, updates: 0, empty: 0, requestBytes: 0, responseBytes: 0, setupBytes: 0, open: 0, connections: [], moreConnections: 0 };
}

/**
 * One request (or stream) in progress. Byte figures are totals since it began: set them whenever
 * the socket's counters are read, and the client's totals move by the difference.
 */
export class Exchange {
  private requestBytes = 0;
  private responseBytes = 0;
  private closed = false;

  constructor(
    private readonly totals: TransportTotals,
    private readonly use: ConnectionUse,
  ) {
    totals.requests++;
    totals.open++;
  }

  bytes(request: number, response: number): void {
    this.totals.requestBytes += request - this.requestBytes;
    this.totals.responseBytes += response - this.responseBytes;
    this.requestBytes = request;
    this.responseBytes = response;
  }

  /** Marks the bytes so far as the cost of opening the stream. */
  setup(): void {
    this.totals.setupBytes += this.requestBytes + this.responseBytes;
  }

  delivered(updates: number): void {
    this.totals.updates += updates;
    if (updates === 0) this.totals.empty++;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.totals.open--;
    this.use.open = false;
  }
}

export class StatsBook {
  /** insertion order is recency order: a client seen again moves to the end */
  private readonly clients = new Map<string, ClientStats>();

  open(client: string, transport: Transport, conn: string, remotePort: number): Exchange {
    const totals = this.client(client).transports[transport];
    const list = totals.connections;
    let use = list.find((c) => c.conn === conn);
    if (use) {
      list.splice(list.indexOf(use), 1);
    } else {
      use = { conn, remotePort, requests: 0, open: false };
      if (list.length >= MAX_CONNECTIONS) {
        list.shift();
        totals.moreConnections++;
      }
    }
    list.push(use);
    use.requests++;
    use.open = true;
    return new Exchange(totals, use);
  }

  get(client: string): ClientStats | null {
    return this.clients.get(client) ?? null;
  }

  get size(): number {
    return this.clients.size;
  }

  private client(id: string): ClientStats {
    let stats = this.clients.get(id);
    if (stats) {
      this.clients.delete(id);
    } else {
      stats = { client: id, transports: { poll: emptyTotals(), long: emptyTotals(), sse: emptyTotals(), ws: emptyTotals() } };
      if (this.clients.size >= MAX_CLIENTS) this.clients.delete(this.clients.keys().next().value!);
    }
    this.clients.set(id, stats);
    return stats;
  }
}
