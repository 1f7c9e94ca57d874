// Issue 12, item 8: API bodies over 16 KiB get the documented 413 with a sentence, not a
// connection reset (the rest of the body is read and thrown away, so the socket even stays usable);
// a GET pipelined before an upgrade on one socket is answered before the 101.
import { connect, type Socket } from 'node:net';
import { expect, test } from 'vitest';
import { MAX_BODY } from '../../server/http/json.ts';
import { encodeFrame } from '../../server/core/wire/index.ts';
import { upgradeRequest, useLabServer, type TestServer } from '../helpers/server.ts';

let t: TestServer;
useLabServer((server) => (t = server));

interface Parsed {
  status: number;
  head: string;
  body: string;
}

/**
 * Writes `parts` to one socket and reads `count` HTTP responses from it (Content-Length bodies; a
 * 101 ends the parsing and returns what follows as `rest`). Records whether the socket saw an error.
 */
function exchange(parts: (string | Buffer)[], count: number, timeoutMs = 10_000): Promise<{ responses: Parsed[]; rest: Buffer; error: string | null; socket: Socket }> {
  return new Promise((resolve, reject) => {
    const socket = connect(t.port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    let error: string | null = null;
    const responses: Parsed[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`only ${responses.length} of ${count} responses in ${timeoutMs} ms (error: ${error}); got: ${buf.toString('latin1').slice(0, 300)}`));
    }, timeoutMs);
    const done = (rest: Buffer) => {
      clearTimeout(timer);
      resolve({ responses, rest, error, socket });
    };
    socket.on('error', (err: NodeJS.ErrnoException) => (error = err.code ?? err.message));
    socket.on('connect', async () => {
      for (const p of parts) {
        if (!socket.write(p)) await new Promise((r) => socket.once('drain', r));
      }
    });
    socket.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.subarray(0, end).toString('latin1');
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
        if (status === 101) {
          responses.push({ status, head, body: '' });
          return done(buf.subarray(end + 4));
        }
        const parsed = /\r\ntransfer-encoding:\s*chunked/i.test(head) ? dechunk(buf, end + 4) : sized(buf, end + 4, Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0));
        if (!parsed) return;
        responses.push({ status, head, body: parsed.body.toString('utf8') });
        buf = buf.subarray(parsed.next);
        if (responses.length === count) return done(buf);
      }
    });
    socket.on('close', () => {
      if (responses.length < count) {
        clearTimeout(timer);
        reject(new Error(`socket closed after ${responses.length} of ${count} responses (error: ${error})`));
      }
    });
  });
}

function sized(buf: Buffer, start: number, length: number): { body: Buffer; next: number } | null {
  return buf.length < start + length ? null : { body: buf.subarray(start, start + length), next: start + length };
}

/** A chunked body from `start`: its bytes and where the next response begins, or null if incomplete. */
function dechunk(buf: Buffer, start: number): { body: Buffer; next: number } | null {
  const parts: Buffer[] = [];
  let at = start;
  for (;;) {
    const eol = buf.indexOf('\r\n', at);
    if (eol < 0) return null;
    const size = parseInt(buf.subarray(at, eol).toString('latin1'), 16);
    if (size === 0) return buf.length < eol + 4 ? null : { body: Buffer.concat(parts), next: eol + 4 };
    if (buf.length < eol + 2 + size + 2) return null;
    parts.push(buf.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}

const post = (path: string, length: number, extra: string[] = []) =>
  [`POST ${path} HTTP/1.1`, `Host: 127.0.0.1:${t.port}`, 'Content-Type: application/json', `Content-Length: ${length}`, ...extra, '', ''].join('\r\n');
const health = () => `GET /__wslab/health HTTP/1.1\r\nHost: 127.0.0.1:${t.port}\r\n\r\n`;

const ROUTES = ['/__wslab/heartbeat', '/__wslab/puppets', '/__wslab/craft', '/__wslab/link', '/__wslab/sim/spawn', '/__wslab/flow', '/lab/login', '/__wslab/fanout/mode'];

test.each(ROUTES)('POST %s with a body of 16 KiB + 1 byte: 413 and a sentence, then the same socket answers the next request', async (route) => {
  const body = Buffer.alloc(MAX_BODY + 1, 0x20);
  const { responses, error } = await exchange([post(route, body.length), body, health()], 2);
  expect(responses[0].status).toBe(413);
  expect(JSON.parse(responses[0].body)).toEqual({ error: 'The request body is over 16384 bytes (16 KiB), the largest this API reads.' });
  expect(responses[1].status).toBe(200);
  expect(JSON.parse(responses[1].body)).toMatchObject({ ok: true });
  expect(error).toBe(null);
});

test('a 2 MiB body sent in 64 KiB pieces: 413 and no reset; the rest is drained and the socket answers health after it', async () => {
  const piece = Buffer.alloc(64 * 1024, 0x61);
  const pieces = Array.from({ length: 32 }, () => piece);
  const { responses, error } = await exchange([post('/__wslab/heartbeat', 32 * piece.length), ...pieces, health()], 2, 20_000);
  expect(responses.map((r) => r.status)).toEqual([413, 200]);
  expect(error).toBe(null);
});

test('a chunked body over the limit is answered 413 as well', async () => {
  const chunk = Buffer.alloc(10_000, 0x62);
  const framed = (b: Buffer) => Buffer.concat([Buffer.from(`${b.length.toString(16)}\r\n`), b, Buffer.from('\r\n')]);
  const head = [`POST /__wslab/link HTTP/1.1`, `Host: 127.0.0.1:${t.port}`, 'Transfer-Encoding: chunked', '', ''].join('\r\n');
  const { responses, error } = await exchange([head, framed(chunk), framed(chunk), framed(chunk), '0\r\n\r\n', health()], 2);
  expect(responses.map((r) => r.status)).toEqual([413, 200]);
  expect(error).toBe(null);
});

test('GET /__wslab/health pipelined before an upgrade on one socket: the 200 arrives whole before the 101, and the WebSocket works after it', async () => {
  const { responses, rest, socket } = await exchange([health() + upgradeRequest(t.port, '/lab/echo')], 2);
  try {
    expect(responses.map((r) => r.status)).toEqual([200, 101]);
    expect(JSON.parse(responses[0].body)).toMatchObject({ ok: true });
    expect(rest.length).toBe(0);
    // a masked text frame; the echo comes back unmasked
    const echo = new Promise<Buffer>((resolve) => socket.on('data', (c: Buffer) => resolve(c)));
    socket.write(encodeFrame({ fin: true, opcode: 1, payload: Buffer.from('after the 200'), maskingKey: Buffer.from([1, 2, 3, 4]) }));
    const frame = await echo;
    expect(frame.subarray(0, 2)).toEqual(Buffer.from([0x81, 13]));
    expect(frame.subarray(2).toString()).toBe('after the 200');
  } finally {
    socket.destroy();
  }
});

test('two GETs then an upgrade on one socket: 200, 200, 101 in that order', async () => {
  const { responses, socket } = await exchange([health() + `GET /__wslab/labs HTTP/1.1\r\nHost: 127.0.0.1:${t.port}\r\n\r\n` + upgradeRequest(t.port, '/lab/echo')], 3);
  socket.destroy();
  expect(responses.map((r) => r.status)).toEqual([200, 200, 101]);
});
