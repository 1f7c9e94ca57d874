// A small permessage-deflate echo server over raw TCP, correct by default, with one flaw switched on
// on purpose: the servers chapters 12-13 of `wslab conform` must catch. It parses frames and the
// extension offer itself (not with the code under test). It answers permessage-deflate always with
// client_no_context_takeover (every offer of the suite allows it), so each message inflates alone,
// and compresses each echo alone (a sender may always drop its context).
import { createServer, type Server, type Socket } from 'node:net';
import { constants, deflateRawSync, inflateRawSync } from 'node:zlib';
import { computeAccept } from '../../server/core/wire/index.ts';

export type DeflateFlaw =
  /** echoes the message uncompressed but with RSV1 set, as if compressed */
  | 'rsv1-on-plain'
  /** echoes the compressed bytes without RSV1, so they arrive as the message itself */
  | 'compressed-without-rsv1'
  /** answers server_max_window_bits=15 where the client asked for less (RFC 7692 §7.1.2.1) */
  | 'window-too-large';

const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);
const MAX = 4 * 1024 * 1024;

function frame(opcode: number, payload: Buffer, rsv1 = false): Buffer {
  const n = payload.length;
  const head = n < 126 ? Buffer.from([0, n]) : n < 65536 ? Buffer.from([0, 126, n >> 8, n & 0xff]) : Buffer.concat([Buffer.from([0, 127]), Buffer.alloc(8)]);
  if (n >= 65536) head.writeBigUInt64BE(BigInt(n), 2);
  head[0] = 0x80 | (rsv1 ? 0x40 : 0) | opcode;
  return Buffer.concat([head, payload]);
}

/** The answer to the first permessage-deflate offer: its server_* requests granted, client_no_context_takeover added. */
function answer(offerHeader: string, flaw: DeflateFlaw | null): string | null {
  const first = offerHeader.split(',').map((e) => e.split(';').map((p) => p.trim())).find((e) => e[0] === 'permessage-deflate');
  if (!first) return null;
  const params = ['permessage-deflate'];
  for (const p of first.slice(1)) {
    if (p === 'server_no_context_takeover') params.push(p);
    if (p.startsWith('server_max_window_bits=')) params.push(flaw === 'window-too-large' ? 'server_max_window_bits=15' : p);
  }
  params.push('client_no_context_takeover');
  return params.join('; ');
}

function serve(socket: Socket, flaw: DeflateFlaw | null): void {
  let buf = Buffer.alloc(0);
  let open = false;
  let deflate = false;
  let windowBits = 15;
  let parts: Buffer[] = [];
  let opcode = 0;
  let compressed = false;
  socket.on('data', (chunk: Buffer) => {
    try {
      onData(chunk);
    } catch {
      socket.destroy();
    }
  });
  function onData(chunk: Buffer): void {
    buf = Buffer.concat([buf, chunk]);
    if (buf.length > MAX + 1024) {
      socket.destroy();
      return;
    }
    if (!open) {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buf.subarray(0, end).toString('latin1');
      buf = buf.subarray(end + 4);
      const key = /sec-websocket-key:\s*(\S+)/i.exec(head)?.[1] ?? '';
      const offer = /sec-websocket-extensions:\s*([^\r\n]+)/i.exec(head)?.[1];
      const ext = offer ? answer(offer, flaw) : null;
      deflate = ext !== null;
      windowBits = Number(/server_max_window_bits=(\d+)/.exec(ext ?? '')?.[1] ?? 15);
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${computeAccept(key)}\r\n${ext ? `Sec-WebSocket-Extensions: ${ext}\r\n` : ''}\r\n`);
      open = true;
    }
    for (;;) {
      if (buf.length < 2) return;
      let len = buf[1] & 0x7f;
      let at = 2;
      if (len === 126) {
        if (buf.length < 4) return;
        len = buf.readUInt16BE(2);
        at = 4;
      } else if (len === 127) {
        if (buf.length < 10) return;
        len = Number(buf.readBigUInt64BE(2));
        at = 10;
      }
      if (len > MAX) {
        socket.destroy();
        return;
      }
      if (buf.length < at + 4 + len) return;
      const mask = buf.subarray(at, at + 4);
      const payload = Buffer.from(buf.subarray(at + 4, at + 4 + len));
      for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i & 3];
      const fin = (buf[0] & 0x80) !== 0;
      const op = buf[0] & 0x0f;
      const rsv1 = (buf[0] & 0x40) !== 0;
      buf = buf.subarray(at + 4 + len);
      if (op === 8) {
        socket.end(frame(8, payload.subarray(0, 2)));
        return;
      }
      if (op === 9) {
        socket.write(frame(10, payload));
        continue;
      }
      if (op !== 0) {
        opcode = op;
        compressed = rsv1;
        parts = [];
      }
      parts.push(payload);
      if (!fin) continue;
      let message = Buffer.concat(parts);
      if (compressed) message = inflateRawSync(Buffer.concat([message, TAIL]), { finishFlush: constants.Z_SYNC_FLUSH });
      if (!deflate) socket.write(frame(opcode, message));
      else if (flaw === 'rsv1-on-plain') socket.write(frame(opcode, message, true));
      else {
        const out = deflateRawSync(message, { windowBits: Math.max(9, windowBits), finishFlush: constants.Z_SYNC_FLUSH });
        socket.write(frame(opcode, out.subarray(0, out.length - 4), flaw !== 'compressed-without-rsv1'));
      }
    }
  }
}

export async function startDeflateServer(flaw: DeflateFlaw | null): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    try {
      serve(socket, flaw);
    } catch {
      socket.destroy();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `ws://127.0.0.1:${port}/`,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
