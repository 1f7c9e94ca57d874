// The frame builder's sender: opens a raw TCP connection to this server's own /lab/raw (never to
// another host), performs a real upgrade, writes exactly the bytes the learner built — valid or
// not — and reports what the server answered, decoded by server/core/wire. The tap shows the same
// exchange from the server's side.
import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';
import { computeAccept, createReader, encodeFrame, frameToJson, parseHex } from '../core/wire/index.ts';
import type { FrameJson, FrameSpec, Violation } from '../core/wire/types.ts';
import { headEnd, parseHead } from '../connection/tap/http-head.ts';
import { HttpError } from '../http/json.ts';
import type { CraftRequest, CraftResult } from '../core/api/playground.ts';
import { safeTimeout } from '../process/safe.ts';

export const MAX_CRAFT_FRAMES = 16;
export const MAX_CRAFT_BYTES = 256 * 1024;



function bool(v: unknown, fallback: boolean): boolean {
  return v === undefined ? fallback : Boolean(v);
}

/** Turns an API body into frame specs; throws HttpError(400) with the reason for anything malformed. */
export function parseCraftRequest(body: unknown): CraftRequest {
  const b = (body ?? {}) as Record<string, unknown>;
  if (!Array.isArray(b.frames) || b.frames.length === 0 || b.frames.length > MAX_CRAFT_FRAMES) {
    throw new HttpError(400, `frames must be a list of 1 to ${MAX_CRAFT_FRAMES} frames`);
  }
  let total = 0;
  const frames = b.frames.map((raw, i): FrameSpec => {
    const f = (raw ?? {}) as Record<string, unknown>;
    const where = `frame ${i + 1}`;
    const opcode = Number(f.opcode);
    if (!Number.isInteger(opcode) || opcode < 0 || opcode > 15) throw new HttpError(400, `${where}: opcode must be 0-15`);
    let payload: Uint8Array = new Uint8Array(0);
    if (typeof f.payloadHex === 'string') {
      const parsed = parseHex(f.payloadHex);
      if ('error' in parsed) throw new HttpError(400, `${where}: ${parsed.error}`);
      payload = parsed.bytes;
    } else if (typeof f.payloadText === 'string') payload = new TextEncoder().encode(f.payloadText);
    total += payload.length;
    if (total > MAX_CRAFT_BYTES) throw new HttpError(400, `payloads add up to more than ${MAX_CRAFT_BYTES} bytes`);
    let maskingKey: Uint8Array | null = null;
    if (bool(f.mask, true)) {
      if (typeof f.maskingKey === 'string') {
        const parsed = parseHex(f.maskingKey);
        if ('error' in parsed || parsed.bytes.length !== 4) throw new HttpError(400, `${where}: maskingKey must be 4 bytes of hex`);
        maskingKey = parsed.bytes;
      } else maskingKey = new Uint8Array(randomBytes(4));
    }
    const spec: FrameSpec = {
      fin: bool(f.fin, true),
      rsv1: bool(f.rsv1, false),
      rsv2: bool(f.rsv2, false),
      rsv3: bool(f.rsv3, false),
      opcode,
      maskingKey,
      payload,
    };
    if (f.lengthOverride !== undefined) {
      const n = Number(f.lengthOverride);
      if (!Number.isSafeInteger(n) || n < 0) throw new HttpError(400, `${where}: lengthOverride must be a whole number`);
      spec.lengthOverride = n;
    }
    if (f.lengthBits !== undefined) {
      if (f.lengthBits !== 7 && f.lengthBits !== 16 && f.lengthBits !== 64) throw new HttpError(400, `${where}: lengthBits must be 7, 16 or 64`);
      spec.lengthBits = f.lengthBits;
    }
    return spec;
  });
  const waitMs = b.waitMs === undefined ? 600 : Math.max(50, Math.min(5000, Number(b.waitMs) || 600));
  const path = typeof b.path === 'string' && /^\/lab\/raw(\?[\w=&-]*)?$/.test(b.path) ? b.path : '/lab/raw';
  return { frames, waitMs, path };
}

/** Sends crafted frames to this server's /lab/raw and collects the answer. */
export function craft(host: string, port: number, request: CraftRequest, findConn: (localPort: number) => string | null): Promise<CraftResult> {
  const bytes = request.frames.map((f) => encodeFrame(f));
  const sent = Buffer.concat(bytes);
  const key = randomBytes(16).toString('base64');
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let head: Buffer | null = Buffer.alloc(0);
    let status = 0;
    let conn: string | null = null;
    const reader = createReader({ direction: 'server' });
    const frames: FrameJson[] = [];
    let violation: Violation | null = null;
    let closed = false;
    let timer: NodeJS.Timeout | null = null;
    const upgrade = [
      `GET ${request.path} HTTP/1.1`,
      `Host: ${host.includes(':') ? `[${host}]` : host}:${port}`,
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Key: ${key}`,
      'Sec-WebSocket-Version: 13',
      'X-Wslab-Client: builder',
      '',
      '',
    ].join('\r\n');
    const streamOffset = Buffer.byteLength(upgrade);
    const finish = () => {
      if (timer) clearTimeout(timer);
      socket.destroy();
      resolve({ conn, status, sentHex: sent.toString('hex'), streamOffset, frames, violation, closed });
    };
    const deadline = safeTimeout('crafting a frame', () => {
      socket.destroy();
      reject(new HttpError(504, 'the server did not answer the upgrade within 5 s'));
    }, 5000);
    socket.on('connect', () => {
      socket.write(upgrade);
    });
    const onFrames = (chunk: Uint8Array) => {
      for (const ev of reader.push(chunk)) {
        if (ev.type === 'frame') frames.push(frameToJson(ev.frame));
        else violation = ev.violation;
      }
    };
    socket.on('data', (chunk: Buffer) => {
      if (head) {
        head = Buffer.concat([head, chunk]);
        const end = headEnd(head);
        if (end < 0) return;
        const response = parseHead(head.subarray(0, end));
        status = Number(response.startLine.split(' ')[1]);
        const accept = response.headers.find(([k]) => k.toLowerCase() === 'sec-websocket-accept')?.[1];
        const rest = head.subarray(end);
        head = null;
        clearTimeout(deadline);
        if (status !== 101 || accept !== computeAccept(key)) {
          finish();
          return;
        }
        conn = findConn(socket.localPort ?? 0);
        socket.write(sent);
        timer = safeTimeout('crafting a frame', finish, request.waitMs);
        if (rest.length) onFrames(rest);
        return;
      }
      onFrames(chunk);
    });
    socket.on('close', () => {
      closed = true;
      clearTimeout(deadline);
      if (head === null) finish();
      else reject(new HttpError(502, 'the server closed the connection during the upgrade'));
    });
    socket.on('error', () => {});
  });
}
