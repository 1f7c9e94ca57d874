// Bytes each HTTP request really cost on the wire, and which TCP connection carried it.
//
// Node counts every byte a socket reads (bytesRead) and writes (bytesWritten, including what still
// waits in its buffers). The server calls request() for EVERY request and upgrade it receives, so
// the difference in bytesRead since the previous request on the same socket is exactly this
// request's line and headers (and body) — as long as the client does not pipeline (send the next
// request before this answer), which browsers and Node's agent never do. The response's bytes are
// the difference in bytesWritten from the moment the request arrived: status line, headers, body
// and chunked-encoding framing, all of it.
//
// Connections get short ids (tcp1, tcp2, ...; not "h2", which reads as HTTP/2) in the order they first sent a request. A WebSocket
// upgrade may be counted too (the transports lab does, for its own): its RequestWire then goes on
// counting the frames both ways through readSince() and responseBytes().
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';

interface SocketState {
  id: string;
  remotePort: number;
  /** bytesRead when the latest request was counted */
  read: number;
}

export interface RequestWire {
  /** the connection's id, the same for every request it carries */
  conn: string;
  remotePort: number;
  /** this request's bytes: request line, headers, and any body read with them */
  requestBytes: number;
  /** bytes the server has written for this request so far (call again as a response grows) */
  responseBytes(): number;
  /** bytes the client sent on this connection after this request (a WebSocket's frames, say) */
  readSince(): number;
}

export class WireMeter {
  private readonly sockets = new WeakMap<Socket, SocketState>();
  private counter = 0;

  /** Counts a request as it arrives; call it before anything is written for it. */
  request(req: IncomingMessage): RequestWire {
    const socket = req.socket;
    let state = this.sockets.get(socket);
    if (!state) {
      state = { id: `tcp${++this.counter}`, remotePort: socket.remotePort ?? 0, read: 0 };
      this.sockets.set(socket, state);
    }
    const read = socket.bytesRead;
    const requestBytes = read - state.read;
    state.read = read;
    const written = socket.bytesWritten ?? 0;
    return {
      conn: state.id,
      remotePort: state.remotePort,
      requestBytes,
      responseBytes: () => (socket.bytesWritten ?? written) - written,
      readSince: () => socket.bytesRead - read,
    };
  }
}
