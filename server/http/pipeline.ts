// HTTP/1.1 pipelining and upgrades: a client may send `GET /__wslab/health` and an upgrade request
// back to back on one socket. Node hands the upgrade over as soon as it has parsed it, while the
// earlier response may still be on its way (an API answer is written after an await), so the 101
// and the frames after it could land before that response, inside the WebSocket stream. Responses
// on a socket must go out in request order: the upgrade waits for the earlier ones.
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { safeTimeout } from '../process/safe.ts';

/** An upgrade waits this long for earlier responses on its socket, then the socket is closed. */
export const UPGRADE_WAIT_MS = 30_000;

const pending = new WeakMap<Socket, Set<ServerResponse>>();

/** Counts a response as outstanding on its socket until it has been written (or the socket went). */
export function trackResponse(socket: Socket, res: ServerResponse): void {
  let set = pending.get(socket);
  if (!set) pending.set(socket, (set = new Set()));
  set.add(res);
  const done = () => {
    set.delete(res);
    if (set.size === 0) pending.delete(socket);
  };
  res.once('finish', done);
  res.once('close', done);
}

/**
 * Runs `go` once every response to an earlier request on this socket has been written: at once
 * when there is none (the usual case), else after the last one finishes. Gives up (closing the
 * socket) when they take longer than UPGRADE_WAIT_MS or the socket closes meanwhile.
 */
export function afterEarlierResponses(socket: Socket, go: () => void): void {
  const set = pending.get(socket);
  if (!set || set.size === 0) return go();
  const waiting = [...set];
  let left = waiting.length;
  let settled = false;
  const finish = (run: boolean) => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    socket.off('close', onClose);
    socket.off('error', onError);
    if (run) go();
    else socket.destroy();
  };
  const onClose = () => finish(false);
  // Node took its own error listener off when it handed the socket over: one is needed meanwhile
  const onError = () => socket.destroy();
  socket.on('error', onError);
  const timer = safeTimeout('an upgrade waiting for earlier responses', () => finish(false), UPGRADE_WAIT_MS);
  timer.unref();
  socket.once('close', onClose);
  for (const res of waiting) {
    let counted = false;
    const one = () => {
      if (counted) return;
      counted = true;
      if (--left === 0) finish(!socket.destroyed);
    };
    if (res.writableFinished) one();
    else {
      res.once('finish', one);
      res.once('close', one);
    }
  }
}
