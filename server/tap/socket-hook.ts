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
  const proto = Socket.prototype as unknown as Record<'write' | 'end', (...args: unknown[]) => unknown>;
  const write = proto.write;
  const end = proto.end;
  proto.write = function (this: Socket, ...args: unknown[]) {
    taps.get(this)?.onWrite(args[0]);
    return write.apply(this, args);
  };
  proto.end = function (this: Socket, ...args: unknown[]) {
    if (args.length > 0 && typeof args[0] !== 'function') taps.get(this)?.onWrite(args[0]);
    return end.apply(this, args);
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
