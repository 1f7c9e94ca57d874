// Keeps the raw bytes a TCP connection sent before it upgraded, so the tap can report the upgrade
// request exactly as it crossed the wire (not as Node's parser rebuilt it).
//
// Node's HTTP server normally parses requests in C++ straight from the socket's handle; adding a
// 'data' listener switches that socket to the JavaScript path, where every chunk is seen here first
// (prependListener) and then handed to the parser unchanged.
import type { Socket } from 'node:net';

/** Bytes kept per connection before the upgrade: Node's default header limit (16 KiB) with room. */
const MAX_CAPTURE = 64 * 1024;

const captures = new WeakMap<Socket, PreUpgradeCapture>();

export class PreUpgradeCapture {
  private chunks: Buffer[] = [];
  private size = 0;
  readonly listener = (chunk: Buffer) => {
    this.chunks.push(chunk);
    this.size += chunk.length;
    // Keep only the newest bytes: a long keep-alive connection never grows this past the cap.
    while (this.size - this.chunks[0].length >= MAX_CAPTURE) this.size -= this.chunks.shift()!.length;
  };

  constructor(readonly socket: Socket) {}

  /**
   * The bytes of the request that just upgraded: everything captured, minus the bytes after the
   * request head (`head`, which ws replays itself), starting at the request line.
   */
  takeRequest(requestLine: string, head: Buffer): Buffer {
    this.socket.removeListener('data', this.listener);
    captures.delete(this.socket);
    const all = Buffer.concat(this.chunks, this.size);
    this.chunks = [];
    const end = Math.max(0, all.length - head.length);
    const start = all.lastIndexOf(requestLine, end);
    return all.subarray(start >= 0 ? start : 0, end);
  }
}

/** Start capturing a new HTTP connection's bytes. */
export function captureConnection(socket: Socket): void {
  const capture = new PreUpgradeCapture(socket);
  captures.set(socket, capture);
  socket.prependListener('data', capture.listener);
}

export function captureFor(socket: Socket): PreUpgradeCapture | undefined {
  return captures.get(socket);
}
