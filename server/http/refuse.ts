// The answer to an upgrade that will not happen: a plain HTTP response with a sentence, then close.
import type { Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';

/** Answers an upgrade that will not happen with a plain HTTP response, then closes the socket. */
export function refuse(socket: Socket, status: number, message: string, extra: Record<string, string> = {}): void {
  const body = Buffer.from(message + '\n');
  const head = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
    'Connection: close',
    'Content-Type: text/plain; charset=utf-8',
    `Content-Length: ${body.length}`,
    ...Object.entries(extra).map(([k, v]) => `${k}: ${v}`),
    '',
    '',
  ].join('\r\n');
  if (socket.writable) socket.end(Buffer.concat([Buffer.from(head), body]));
  socket.destroySoon?.();
}
