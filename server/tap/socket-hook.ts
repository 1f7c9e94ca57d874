// Sees every buffer a tapped socket is asked to write, before it is written.
//
// Instead of giving each tapped socket its own write/end wrappers (two closures and extra own
// properties per connection), net.Socket.prototype.write/end are wrapped once: a socket with a
// listener in the WeakMap reports its bytes, every other socket pays one WeakMap lookup.
import { Socket } from 'node:net';

export type WriteListener = (chunk: unknown) => void;

const listeners = new WeakMap<Socket, WriteListener>();
let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  const proto = Socket.prototype as unknown as Record<'write' | 'end', (...args: unknown[]) => unknown>;
  const write = proto.write;
  const end = proto.end;
  proto.write = function (this: Socket, ...args: unknown[]) {
    listeners.get(this)?.(args[0]);
    return write.apply(this, args);
  };
  proto.end = function (this: Socket, ...args: unknown[]) {
    if (args.length > 0 && typeof args[0] !== 'function') listeners.get(this)?.(args[0]);
    return end.apply(this, args);
  };
}

/** Calls `listener` with each chunk written to `socket` (write or end), until the socket is gone. */
export function onSocketWrite(socket: Socket, listener: WriteListener): void {
  install();
  listeners.set(socket, listener);
}

export function offSocketWrite(socket: Socket): void {
  listeners.delete(socket);
}
