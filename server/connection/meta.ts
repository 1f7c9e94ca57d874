// What the server knows of one lab connection apart from its socket: ids, lab, path and the
// 4-tuple. Copied into snapshots and events and mirrored to a broker.

export interface ConnectionMeta {
  conn: string;
  socketId: string;
  sessionId: string | null;
  /**
   * the public id (server/http/session.ts) of the wslab_session cookie that opened it, or of the
   * session a server-side client (puppet, flow consumer) was started for; null when none. In a
   * workshop a participant may change only connections whose owner is their own session.
   */
  owner: string | null;
  userId: string | null;
  /**
   * workshop mode: the display name of the participant whose browser opened it (matched by the
   * page's wslab_session cookie, whatever ?session= says); null otherwise
   */
  name: string | null;
  lab: string;
  path: string;
  client: string;
  // the 4-tuple, flat (two small objects per connection add up; the snapshot nests them)
  remoteAddress: string;
  remotePort: number;
  localAddress: string;
  localPort: number;
  /** ms since server start, the event clock */
  openedAt: number;
  /** `wslab proxy`: the upstream URL this connection is relayed to (absent on lab connections) */
  proxy?: string;
  /** `wslab proxy`: relayed byte for byte, or carried as two WebSocket sessions while intercept rules are in force */
  proxyMode?: 'relay' | 'intercept';
  /** intercept mode: which of the two sessions this is (client ↔ wslab, or wslab ↔ upstream) */
  leg?: 'client' | 'upstream';
  /** intercept mode: the other leg's connection id */
  peer?: string;
}

/** A socket's 4-tuple as ConnectionMeta holds it: the peer is remote. */
export function socketEnds(socket: { remoteAddress?: string; remotePort?: number; localAddress?: string; localPort?: number }): Pick<ConnectionMeta, 'remoteAddress' | 'remotePort' | 'localAddress' | 'localPort'> {
  return { remoteAddress: socket.remoteAddress ?? '', remotePort: socket.remotePort ?? 0, localAddress: socket.localAddress ?? '', localPort: socket.localPort ?? 0 };
}
