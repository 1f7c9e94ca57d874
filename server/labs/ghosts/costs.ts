// Why a heartbeat is not polling, in bytes: one real HTTP poll (a GET with the headers a browser
// really sends, and the server's real response) against one real ping + pong pair as the tap saw
// them cross a lab connection.
import { connect } from 'node:net';
import type { EventBus } from '../../stream/bus.ts';
import type { EventOf } from '../../core/events/schema.ts';
import { safeTimeout } from '../../process/safe.ts';

/** What Chromium sends for a same-origin fetch() poll, cookie included. */
export function browserPollRequest(host: string, path: string): string {
  return [
    `GET ${path} HTTP/1.1`,
    `Host: ${host}`,
    'Connection: keep-alive',
    'sec-ch-ua-platform: "Linux"',
    'User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
    'sec-ch-ua: "Chromium";v="131", "Not_A Brand";v="24"',
    'sec-ch-ua-mobile: ?0',
    'Accept: */*',
    'Sec-Fetch-Site: same-origin',
    'Sec-Fetch-Mode: cors',
    'Sec-Fetch-Dest: empty',
    `Referer: http://${host}/labs/ghosts`,
    'Accept-Encoding: gzip, deflate, br, zstd',
    'Accept-Language: en-US,en;q=0.9',
    'Cookie: wslab_session=Qm9vdHN0cmFwcGVk',
    '',
    '',
  ].join('\r\n');
}

export interface PollCost {
  path: string;
  requestBytes: number;
  responseBytes: number;
  /** the response's head and body as received (latin1) */
  request: string;
  response: string;
}

/** Sends one browser-like poll to host:port and measures both directions on the wire. */
export function measurePoll(host: string, port: number, path = '/__wslab/health', timeoutMs = 3000): Promise<PollCost> {
  // an IPv6 literal goes in brackets, or the Host would not parse (server/http/hosts.ts)
  const request = browserPollRequest(`${host.includes(':') ? `[${host}]` : host}:${port}`, path);
  return new Promise((resolve, reject) => {
    const socket = connect(port, host);
    const chunks: Buffer[] = [];
    const timer = safeTimeout('measuring a poll', () => {
      socket.destroy();
      reject(new Error('the poll got no complete response in time'));
    }, timeoutMs);
    socket.on('connect', () => socket.write(request));
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      const all = Buffer.concat(chunks);
      const end = all.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = all.subarray(0, end).toString('latin1');
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
      let total: number;
      if (length) {
        total = end + 4 + Number(length[1]);
        if (all.length < total) return;
      } else if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
        // chunked: the response ends with the last chunk, "0" CRLF CRLF
        const last = all.indexOf('\r\n0\r\n\r\n', end);
        if (last < 0) return;
        total = last + 7;
      } else return;
      clearTimeout(timer);
      socket.destroy();
      resolve({ path, requestBytes: Buffer.byteLength(request, 'latin1'), responseBytes: total, request, response: all.subarray(0, total).toString('latin1') });
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

export interface ControlFrame {
  conn: string;
  seq: number;
  headerLength: number;
  payloadLength: number;
  bytes: number;
  headerHex: string;
  payloadHex: string;
}

/**
 * The newest ping the server sent (s2c) whose pong came back (c2s) on the same connection, from
 * the tap's frame events still in the history; null when there is none yet.
 */
export function lastPingPong(bus: EventBus): { ping: ControlFrame; pong: ControlFrame } | null {
  const { entries } = bus.history(bus.oldestSeq, { types: new Set(['frame']) });
  const pongs = new Map<string, EventOf<'frame'>>();
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i].event as EventOf<'frame'>;
    if (e.opcode === 10 && e.dir === 'c2s') {
      if (!pongs.has(`${e.conn}:${e.payloadHex}`)) pongs.set(`${e.conn}:${e.payloadHex}`, e);
    } else if (e.opcode === 9 && e.dir === 's2c') {
      const pong = pongs.get(`${e.conn}:${e.payloadHex}`);
      if (pong) return { ping: control(e), pong: control(pong) };
    }
  }
  return null;
}

function control(e: EventOf<'frame'>): ControlFrame {
  return {
    conn: e.conn,
    seq: e.seq,
    headerLength: e.headerLength,
    payloadLength: e.payloadLength,
    bytes: e.headerLength + e.payloadLength,
    headerHex: e.headerHex,
    payloadHex: e.payloadHex,
  };
}
