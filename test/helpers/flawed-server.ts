// A small WebSocket echo server written over raw TCP, correct by default, with one flaw switched on
// on purpose: the servers `wslab conform` must catch. It reads frames itself (not with the codec
// under test) so that a flaw in the codec cannot hide a flaw here.
import { createServer, type Server, type Socket } from 'node:net';
import { computeAccept, isSendableCloseCode, firstInvalidUtf8 } from '../../server/core/wire/index.ts';

export type Flaw =
  /** text messages are echoed without checking their UTF-8 */
  | 'echoes-invalid-utf8'
  /** frames with reserved opcodes (3-7, 11-15) are silently skipped */
  | 'accepts-reserved-opcodes'
  /** Pings are never answered */
  | 'ignores-pings'
  /** a Close from the client is never answered and TCP stays open */
  | 'never-answers-close';

export interface FlawedServer {
  port: number;
  url: string;
  close(): Promise<void>;
}

const MAX = 1024 * 1024;

export interface FlawedOptions {
  /** write everything (the handshake answer included) in pieces of this many bytes, one event-loop turn apart */
  chunk?: number;
}

export async function startFlawedServer(flaw: Flaw | null, options: FlawedOptions = {}): Promise<FlawedServer> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    serve(socket, flaw, options.chunk ?? 0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    url: `ws://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function frame(opcode: number, payload: Uint8Array): Buffer {
  const n = payload.length;
  const head = n < 126 ? Buffer.from([0x80 | opcode, n]) : n < 65536 ? Buffer.from([0x80 | opcode, 126, n >> 8, n & 0xff]) : Buffer.alloc(10);
  if (n >= 65536) {
    head[0] = 0x80 | opcode;
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(n), 2);
  }
  return Buffer.concat([head, payload]);
}

/** socket.write and socket.end, optionally in small pieces (kept in order by one queue). */
function writer(socket: Socket, chunk: number): { write(b: string | Buffer): void; end(b: Buffer): void } {
  if (chunk <= 0) return { write: (b) => socket.write(b), end: (b) => socket.end(b) };
  let queue = Promise.resolve();
  const pieces = async (b: Buffer, last: boolean) => {
    for (let at = 0; at < b.length; at += chunk) {
      if (socket.destroyed) return;
      socket.write(b.subarray(at, at + chunk));
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (last && !socket.destroyed) socket.end();
  };
  return {
    write(b) {
      queue = queue.then(() => pieces(Buffer.from(b), false));
    },
    end(b) {
      queue = queue.then(() => pieces(b, true));
    },
  };
}

function serve(socket: Socket, flaw: Flaw | null, chunk: number): void {
  const out = writer(socket, chunk);
  let buf = Buffer.alloc(0);
  let upgraded = false;
  let closing = false;
  let message: Buffer[] = [];
  let messageOpcode = 0;
  let messageBytes = 0;

  const fail = (code: number) => {
    if (closing) return;
    closing = true;
    out.end(frame(8, Buffer.from([code >> 8, code & 0xff])));
  };

  socket.on('data', (chunk: Buffer) => {
    if (closing) return;
    buf = Buffer.concat([buf, chunk]);
    if (!upgraded) {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const key = /sec-websocket-key:\s*(\S+)/i.exec(buf.subarray(0, end).toString('latin1'))?.[1] ?? '';
      out.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${computeAccept(key)}\r\n\r\n`);
      upgraded = true;
      buf = buf.subarray(end + 4);
    }
    for (;;) {
      if (closing || buf.length < 2) return;
      const b0 = buf[0];
      const b1 = buf[1];
      const fin = (b0 & 0x80) !== 0;
      const opcode = b0 & 0x0f;
      const control = opcode >= 8;
      // Header checks first: they need no payload (RFC 6455 §5.1, §5.2, §5.5).
      if ((b0 & 0x70) !== 0) return fail(1002);
      const reserved = !(opcode <= 2 || (opcode >= 8 && opcode <= 10));
      if (reserved && flaw !== 'accepts-reserved-opcodes') return fail(1002);
      if ((b1 & 0x80) === 0) return fail(1002);
      let len = b1 & 0x7f;
      let at = 2;
      if (control && (len > 125 || !fin)) return fail(1002);
      if (len === 126) {
        if (buf.length < 4) return;
        len = buf.readUInt16BE(2);
        at = 4;
      } else if (len === 127) {
        if (buf.length < 10) return;
        const big = buf.readBigUInt64BE(2);
        if (big > BigInt(MAX)) return fail(big >= 1n << 63n ? 1002 : 1009);
        len = Number(big);
        at = 10;
      }
      if (len > MAX) return fail(1009);
      if (buf.length < at + 4 + len) return;
      const key = buf.subarray(at, at + 4);
      const payload = Buffer.from(buf.subarray(at + 4, at + 4 + len));
      for (let i = 0; i < payload.length; i++) payload[i] ^= key[i & 3];
      buf = buf.subarray(at + 4 + len);
      if (reserved) continue;
      if (opcode === 9) {
        if (flaw !== 'ignores-pings') out.write(frame(10, payload));
        continue;
      }
      if (opcode === 10) continue;
      if (opcode === 8) {
        if (flaw === 'never-answers-close') {
          closing = true;
          return;
        }
        if (payload.length === 1) return fail(1002);
        if (payload.length >= 2) {
          const code = payload.readUInt16BE(0);
          if (!isSendableCloseCode(code)) return fail(1002);
          if (firstInvalidUtf8(payload.subarray(2)) !== -1) return fail(1007);
        }
        closing = true;
        out.end(frame(8, payload.subarray(0, 2)));
        return;
      }
      // Data frames (§5.4): a continuation needs a message in progress, a new message needs none.
      if (opcode === 0 ? messageOpcode === 0 : messageOpcode !== 0) return fail(1002);
      if (opcode !== 0) messageOpcode = opcode;
      message.push(payload);
      messageBytes += payload.length;
      if (messageBytes > MAX) return fail(1009);
      if (!fin) continue;
      const whole = Buffer.concat(message, messageBytes);
      const op = messageOpcode;
      message = [];
      messageBytes = 0;
      messageOpcode = 0;
      if (op === 1 && flaw !== 'echoes-invalid-utf8' && firstInvalidUtf8(whole) !== -1) return fail(1007);
      out.write(frame(op, whole));
    }
  });
}
