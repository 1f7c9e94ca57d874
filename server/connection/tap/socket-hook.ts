// Connects a tapped socket to its tap without giving each socket its own closures.
//
// - Writes: net.Socket.prototype.write/end are wrapped once; a socket in the WeakMap reports each
//   chunk it is asked to write, every other socket pays one WeakMap lookup.
// - Reads and close: module-level listeners (`this` is the socket) look the tap up in the same
//   WeakMap. A closure per listener would cost every idle connection a function and a context.
import { Socket } from 'node:net';

export interface SocketTap {
  /** every chunk ws writes (write or end), before it is written */
  onWrite(chunk: unknown): void;
  /** every chunk the socket reads, before ws sees it */
  onRead(chunk: Buffer): void;
  /** the socket closed */
  onClose(): void;
}

const taps = new WeakMap<Socket, SocketTap>();
let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  // Fixed parameters rather than ...args/apply: write runs for every frame of every socket.
  // Passing an argument as undefined is the same to Writable as leaving it out.
  type Write = (this: Socket, chunk: unknown, encoding?: unknown, cb?: unknown) => boolean;
  type End = (this: Socket, chunk?: unknown, encoding?: unknown, cb?: unknown) => Socket;
  const proto = Socket.prototype as unknown as { write: Write; end: End };
  const write = proto.write;
  const end = proto.end;
  proto.write = function (this: Socket, chunk: unknown, encoding?: unknown, cb?: unknown) {
    taps.get(this)?.onWrite(chunk);
    return write.call(this, chunk, encoding, cb);
  };
  proto.end = function (this: Socket, chunk?: unknown, encoding?: unknown, cb?: unknown) {
    if (chunk !== undefined && chunk !== null && typeof chunk !== 'function') taps.get(this)?.onWrite(chunk);
    return end.call(this, chunk, encoding, cb);
  };
}

function onData(this: Socket, chunk: Buffer): void {
  taps.get(this)?.onRead(chunk);
}

function onClose(this: Socket): void {
  taps.get(this)?.onClose();
}

/** Reports `socket`'s writes and close to `tap` from now on. */
export function hookSocket(socket: Socket, tap: SocketTap): void {
  install();
  taps.set(socket, tap);
  socket.on('close', onClose);
}

/** From now on, also reports every chunk the socket reads, ahead of the listeners it already has. */
export function hookReads(socket: Socket): void {
  socket.prependListener('data', onData);
}

/** Stops reporting writes (reads and close report nothing either once the tap is gone). */
export function unhookSocket(socket: Socket): void {
  taps.delete(socket);
}
