// `wslab decode --pcap` on real captures: tcpdump and dumpcap record, on the loopback interface,
// WebSocket connections between peers wslab has no part in (the ws library's client and server,
// python's websockets), with and without permessage-deflate, over IPv4 and IPv6, as pcap
// (Ethernet, Linux cooked v1 and v2, micro- and nanosecond timestamps) and pcapng. The decoded
// frames must be exactly what each peer sent, and agree field for field with tshark's dissection.
import { randomBytes } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { connect } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { runDecode } from '../../server/cli/decode.ts';
import { captureSkip, startCapture, stopAllCaptures, tsharkJson, untilBothFins, type CaptureSpec } from '../helpers/capture.ts';

const dir = mkdtempSync(join(tmpdir(), 'wslab-pcap-'));
afterAll(async () => {
  await stopAllCaptures();
  if (!process.env.KEEP_PCAP) rmSync(dir, { recursive: true, force: true });
  else console.log(dir);
});

type Row = Record<string, unknown> & { stream?: string; dir?: string; t?: number };

/** Runs `wslab decode --pcap FILE` in process; returns the exit status and the parsed lines. */
async function decodePcap(file: string, extra: string[] = []): Promise<{ status: number; rows: Row[]; stderr: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let text = '';
  let errText = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  err.on('data', (d: Buffer) => (errText += d.toString()));
  const status = await runDecode(['--pcap', file, ...extra], new PassThrough(), out, err);
  return { status, rows: text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Row), stderr: errText };
}

/** What one peer sent, frame by frame: opcode and FIN, and each message's (inflated) payload. */
interface Sent {
  frames: [number, boolean][];
  messages: [number, string][];
}

const hex = (s: string | Uint8Array) => Buffer.from(s).toString('hex');
const closeBody = (code: number, reason: string) => Buffer.concat([Buffer.from([code >> 8, code & 255]), Buffer.from(reason)]).toString('hex');

/** The decoded frames of one direction, as a peer's script describes them. */
function seen(rows: Row[], d: 'c2s' | 's2c'): Sent {
  const frames: [number, boolean][] = [];
  const messages: [number, string][] = [];
  let parts: string[] = [];
  let op = 0;
  for (const r of rows) {
    if (r.dir !== d || typeof r.opcode !== 'number') continue;
    frames.push([r.opcode, r.fin as boolean]);
    if (r.opcode >= 8) {
      messages.push([r.opcode, r.payloadHex as string]);
      continue;
    }
    if (r.opcode !== 0) {
      op = r.opcode;
      parts = [];
    }
    parts.push(r.payloadHex as string);
    if (r.fin) messages.push([op, typeof r.inflatedHex === 'string' ? r.inflatedHex : parts.join('')]);
  }
  return { frames, messages };
}

/** tshark's reading of the same capture, in the shape of ours: one entry per WebSocket frame. */
interface Dissected {
  port: number;
  t: number;
  fin: boolean;
  rsv1: boolean;
  opcode: number;
  masked: boolean;
  maskingKey: string | null;
  payloadLength: number;
  /** on the frame that ends a text message: the message's text (tshark reassembles and inflates it) */
  text: string | null;
  closeCode: number | null;
}

function tsharkFrames(file: string): Dissected[] {
  const out = [];
  for (const pkt of tsharkJson(file) as { _source: { layers: Record<string, unknown> } }[]) {
    const layers = pkt._source.layers;
    const tcp = layers.tcp as Record<string, string>;
    const frame = layers.frame as Record<string, string>;
    const list = Array.isArray(layers.websocket) ? layers.websocket : [layers.websocket];
    for (const w of list as Record<string, string>[]) {
      const payload = w['websocket.payload'] as unknown as Record<string, unknown> | string | undefined;
      const len7 = Number(w['websocket.payload_length']);
      out.push({
        port: Number(tcp['tcp.srcport']),
        t: Number(frame['frame.time_epoch']) * 1000,
        fin: w['websocket.fin'] === '1',
        rsv1: (Number(w['websocket.rsv']) & 4) !== 0,
        opcode: Number(w['websocket.opcode']),
        masked: w['websocket.mask'] === '1',
        maskingKey: w['websocket.masking_key'] ? w['websocket.masking_key'].replace(/:/g, '') : null,
        payloadLength: len7 === 126 ? Number(w['websocket.payload_length_ext_16']) : len7 === 127 ? Number(w['websocket.payload_length_ext_64']) : len7,
        text: typeof payload === 'object' && payload && typeof payload['websocket.payload.text'] === 'string' ? (payload['websocket.payload.text'] as string) : null,
        closeCode: typeof payload === 'object' && payload && payload['websocket.payload.close'] ? Number((payload['websocket.payload.close'] as Record<string, string>)['websocket.payload.close.status_code']) : null,
      });
    }
  }
  return out;
}

/** Compares our frames with tshark's, field for field, in capture order per direction. */
function expectTsharkAgrees(file: string, rows: Row[]): void {
  const theirs = tsharkFrames(file);
  /** per direction: the text message being assembled, and whether it is compressed and fragmented */
  const pending = new Map<string, { parts: string[]; compressed: boolean; frames: number }>();
  const skipText: boolean[] = [];
  const ours: Dissected[] = rows
    .filter((r) => typeof r.opcode === 'number')
    .map((r) => {
      let text: string | null = null;
      let skip = false;
      const op = r.opcode as number;
      if (op === 1) pending.set(r.dir as string, { parts: [], compressed: r.rsv1 as boolean, frames: 0 });
      const m = op <= 1 ? pending.get(r.dir as string) : undefined;
      if (m && (op === 1 || op === 0)) {
        m.frames++;
        m.parts.push(Buffer.from(r.payloadHex as string, 'hex').toString('latin1'));
        if (r.fin) {
          text = m.compressed ? (r.inflated as string) : Buffer.from(m.parts.join(''), 'latin1').toString('utf8');
          // tshark 4.0 does not inflate a compressed message that spans frames: nothing to compare.
          skip = m.compressed && m.frames > 1;
          pending.delete(r.dir as string);
        }
      }
      skipText.push(skip);
      return {
      // the sender's port: the client's (first) for c2s, the server's (last) for s2c
      port: Number((r.dir === 'c2s' ? /:(\d+) ->/ : /:(\d+)$/).exec(r.stream as string)![1]),
      t: r.t as number,
      fin: r.fin as boolean,
      rsv1: r.rsv1 as boolean,
      opcode: r.opcode as number,
      masked: r.masked as boolean,
      maskingKey: r.maskingKey as string | null,
      payloadLength: r.payloadLength as number,
      text,
      closeCode: (r.closeCode as number | null) ?? null,
      };
    });
  // tshark reassembles a frame split over TCP segments only when its heuristics see the whole
  // stream; on a loaded machine it occasionally leaves one undissected. Every frame it does read
  // must be one of ours, in order, with the same fields (ours were checked against what the peers
  // sent above), and it may miss at most a few.
  expect(theirs.length).toBeGreaterThanOrEqual(ours.length - 2);
  const skipped = new Set(ours.filter((_, i) => skipText[i]));
  for (const port of new Set(theirs.map((f) => f.port))) {
    const b = theirs.filter((f) => f.port === port);
    const all = ours.filter((f) => f.port === port);
    // ours in the order tshark's appear: each of tshark's frames matched to the next of ours with its timestamp
    const a: typeof all = [];
    let k = 0;
    for (const f of b) {
      while (k < all.length && Math.abs(all[k].t - f.t) >= 0.001) k++;
      if (k < all.length) a.push(all[k++]);
    }
    a.forEach((f, i) => {
      if (skipped.has(f) && b[i]) f.text = b[i].text = null; // a compressed message over several frames: tshark cannot inflate it
    });
    expect(a.map(({ t: _t, ...f }) => f)).toEqual(b.map(({ t: _t, ...f }) => f));
    // The same packet completes each frame: the timestamps agree to the nanosecond's float error.
    a.forEach((f, i) => expect(Math.abs(f.t - b[i].t)).toBeLessThan(0.001));
  }
}

interface WsRun {
  client: Sent;
  server: Sent;
}

/** A ws client and a ws server talk; returns what each sent. The server echoes and greets. */
async function wsConversation(host: '127.0.0.1' | '::1', deflate: boolean, capture: Omit<CaptureSpec, 'port'>): Promise<WsRun> {
  const pmd = deflate ? { threshold: 0 } : false;
  const wss = new WebSocketServer({ port: 0, host, perMessageDeflate: pmd });
  await new Promise((r) => wss.once('listening', r));
  const port = (wss.address() as { port: number }).port;
  const cap = await startCapture({ ...capture, port, host });
  const big = randomBytes(70_000);
  const mid = randomBytes(300);
  wss.on('connection', (s) => {
    s.send('welcome');
    s.send(mid);
    s.on('message', (d, binary) => s.send(d, { binary }));
  });
  const url = host === '::1' ? `ws://[::1]:${port}/chat?room=1` : `ws://127.0.0.1:${port}/chat?room=1`;
  const c = new WebSocket(url, ['v1.wslab'], { perMessageDeflate: pmd });
  let got = 0;
  const echoed = new Promise<void>((resolve) => c.on('message', () => ++got === 6 && resolve()));
  await new Promise((r, j) => (c.once('open', r), c.once('error', j)));
  c.send('hello');
  c.send('hello');
  c.send(big);
  c.send('fra', { fin: false });
  c.send('gment', { fin: true });
  c.ping('p');
  await echoed;
  c.close(4001, 'bye');
  await new Promise((r) => c.once('close', r));
  await untilBothFins(capture.file);
  await cap.stop();
  await new Promise((r) => wss.close(r));
  const text = (s: string): [number, string] => [1, hex(s)];
  return {
    client: {
      frames: [[1, true], [1, true], [2, true], [1, false], [0, true], [9, true], [8, true]],
      messages: [text('hello'), text('hello'), [2, hex(big)], text('fragment'), [9, hex('p')], [8, closeBody(4001, 'bye')]],
    },
    server: {
      frames: [[1, true], [2, true], [1, true], [1, true], [2, true], [1, true], [10, true], [8, true]],
      messages: [text('welcome'), [2, hex(mid)], text('hello'), text('hello'), [2, hex(big)], text('fragment'), [10, hex('p')], [8, closeBody(4001, 'bye')]],
    },
  };
}

function expectClean(rows: Row[], status: number): void {
  expect(rows.filter((r) => 'violation' in r || 'incomplete' in r || 'error' in r)).toEqual([]);
  expect(status).toBe(0);
}

describe.skipIf(captureSkip())('wslab decode --pcap on real captures', () => {
  const cases: { name: string; host: '127.0.0.1' | '::1'; deflate: boolean; spec: Omit<CaptureSpec, 'port' | 'file'>; ext: string; link: number }[] = [
    { name: 'tcpdump on lo (Ethernet, pcap, µs), IPv4, no compression', host: '127.0.0.1', deflate: false, spec: { tool: 'tcpdump', iface: 'lo' }, ext: 'pcap', link: 1 },
    { name: 'tcpdump on lo (Ethernet, pcap, µs), IPv4, permessage-deflate', host: '127.0.0.1', deflate: true, spec: { tool: 'tcpdump', iface: 'lo' }, ext: 'pcap', link: 1 },
    { name: 'tcpdump on any (Linux cooked v1, pcap), IPv6, permessage-deflate', host: '::1', deflate: true, spec: { tool: 'tcpdump', iface: 'any', linkType: 'LINUX_SLL' }, ext: 'pcap', link: 113 },
    { name: 'tcpdump on any (Linux cooked v2, pcap, ns), IPv4, no compression', host: '127.0.0.1', deflate: false, spec: { tool: 'tcpdump', iface: 'any', linkType: 'LINUX_SLL2', nano: true }, ext: 'pcap', link: 276 },
    { name: 'dumpcap on lo (pcapng), IPv6, no compression', host: '::1', deflate: false, spec: { tool: 'dumpcap', iface: 'lo' }, ext: 'pcapng', link: 1 },
    { name: 'dumpcap on lo (pcapng), IPv4, permessage-deflate', host: '127.0.0.1', deflate: true, spec: { tool: 'dumpcap', iface: 'lo' }, ext: 'pcapng', link: 1 },
  ];
  for (const [i, c] of cases.entries()) {
    it(`${c.name}: every frame as the peers sent it, and as tshark reads it`, async () => {
      const file = join(dir, `ws-${i}.${c.ext}`);
      const sent = await wsConversation(c.host, c.deflate, { ...c.spec, file });
      const { status, rows } = await decodePcap(file);
      expectClean(rows, status);
      const handshakes = rows.filter((r) => 'handshake' in r);
      expect(handshakes).toHaveLength(1);
      const hs = handshakes[0].handshake as Record<string, unknown>;
      expect(hs.status).toBe(101);
      expect(hs.path).toBe('/chat?room=1');
      expect(hs.subprotocol).toBe('v1.wslab');
      expect(hs.acceptValid).toBe(true);
      expect(hs.perMessageDeflate).toBe(c.deflate);
      expect(handshakes[0].stream).toMatch(c.host === '::1' ? /^\[::1\]:\d+ -> \[::1\]:\d+$/ : /^127\.0\.0\.1:\d+ -> 127\.0\.0\.1:\d+$/);
      expect(seen(rows, 'c2s')).toEqual(sent.client);
      expect(seen(rows, 's2c')).toEqual(sent.server);
      // Client frames are masked, server frames are not; data frames are compressed exactly when negotiated.
      for (const r of rows.filter((x) => typeof x.opcode === 'number')) {
        expect(r.masked).toBe(r.dir === 'c2s');
        if (r.opcode === 1 || r.opcode === 2) expect(r.rsv1).toBe(c.deflate);
      }
      expectTsharkAgrees(file, rows);
      // The link type is the one asked for (the reader was really exercised on it).
      const head = readFileSync(file);
      if (c.ext === 'pcap') expect(head.readUInt32LE(20) & 0xffff).toBe(c.link);
    });
  }

  it('a client that breaks RFC 6455: the violation is reported on its stream with the close code the ws server answered with', async () => {
    const file = join(dir, 'violation.pcap');
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((r) => wss.once('listening', r));
    const port = (wss.address() as { port: number }).port;
    wss.on('connection', (s) => s.on('error', () => {}));
    const cap = await startCapture({ tool: 'tcpdump', iface: 'lo', port, file, host: '127.0.0.1' });
    // A raw client: a correct upgrade, then an unmasked text frame (RFC 6455 §5.1 forbids it).
    const sock = connect({ port, host: '127.0.0.1' });
    await once(sock, 'connect');
    sock.write(`GET /raw HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    let got = Buffer.alloc(0);
    await new Promise<void>((resolve) => {
      sock.on('data', (d: Buffer) => {
        got = Buffer.concat([got, d]);
        if (got.includes('\r\n\r\n') && !sock.writableEnded && got.length === got.indexOf('\r\n\r\n') + 4) sock.write(Buffer.from('81026869', 'hex'));
      });
      sock.on('close', () => resolve());
      sock.on('end', () => sock.end());
      sock.on('error', () => resolve());
    });
    await untilBothFins(file);
    await cap.stop();
    await new Promise((r) => wss.close(r));
    const { status, rows } = await decodePcap(file);
    expect(status).toBe(1);
    const v = rows.filter((r) => 'violation' in r);
    expect(v).toEqual([{ stream: expect.stringMatching(/^127\.0\.0\.1:\d+ -> 127\.0\.0\.1:\d+$/), dir: 'c2s', t: expect.any(Number), violation: expect.objectContaining({ closeCode: 1002, kind: 'CLIENT_FRAME_UNMASKED', rfc: '5.1' }) }]);
    const serverClose = rows.find((r) => r.dir === 's2c' && r.opcode === 8);
    expect(serverClose?.closeCode).toBe((v[0].violation as { closeCode: number }).closeCode);
  });

  it('a capture cut by a small snapshot length reports the hole instead of inventing frames', async () => {
    const file = join(dir, 'snap.pcap');
    await wsConversation('127.0.0.1', false, { tool: 'tcpdump', iface: 'lo', snap: 300, file });
    const { status, rows } = await decodePcap(file);
    expect(status).toBe(1);
    const errors = rows.filter((r) => 'error' in r);
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(errors[0].error).toMatch(/snapshot length/);
    // Frames before the hole are still decoded exactly.
    expect(seen(rows, 'c2s').messages.slice(0, 2)).toEqual([
      [1, hex('hello')],
      [1, hex('hello')],
    ]);
  });
});

/** python's websockets, client and server, talking in one process the test captures. */
const PYTHON_PEERS = `
import asyncio, sys
import websockets
import websockets.exceptions
from websockets import serve, connect  # the same calls in Debian's 10.x and in today's releases

big = bytes(range(256)) * 300

async def echo(ws):
    await ws.send("welcome")
    try:
        async for m in ws:
            await ws.send(m)
    except websockets.exceptions.ConnectionClosed:
        pass  # the client closes with 4001, which websockets reports as an error

async def main():
    async with serve(echo, "127.0.0.1", 0, subprotocols=["py.v1"]) as server:
        port = server.sockets[0].getsockname()[1]
        print(port, flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        async with connect(f"ws://127.0.0.1:{port}/py", subprotocols=["py.v1"]) as ws:
            assert await ws.recv() == "welcome"
            await ws.send("hello")
            await ws.send(big)
            await ws.send(iter(["fra", "gment"]))
            pong = await ws.ping(b"p")
            for _ in range(3):
                await ws.recv()
            await pong
            await ws.close(4001, "bye")
        print("done", flush=True)

asyncio.run(main())
`;

function pythonWithWebsockets(): string | null {
  for (const py of [process.env.PYTHON ?? 'python3', '/usr/bin/python3']) {
    const r = spawnSync(py, ['-c', 'import websockets; websockets.serve; websockets.connect'], { encoding: 'utf8' });
    if (r.status === 0) return py;
  }
  return null;
}

const python = pythonWithWebsockets();
function pythonSkip(): boolean {
  if (python) return false;
  if (process.env.CI) throw new Error('python3 with the websockets package is needed (apt-get install python3-websockets); CI is set, so this fails instead of skipping');
  console.warn('SKIPPED: python3 with the websockets package is needed (apt-get install python3-websockets)');
  return true;
}

describe.skipIf(captureSkip() || pythonSkip())('wslab decode --pcap on python websockets traffic', () => {
  it('client and server of python websockets (permessage-deflate as negotiated): every message as sent, and as tshark reads it', async () => {
    const file = join(dir, 'python.pcapng');
    const child = spawn(python as string, ['-c', PYTHON_PEERS], { stdio: ['pipe', 'pipe', 'pipe'] });
    onTestFinished(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /^(\d+)\n/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.once('exit', (code) => reject(new Error(`python exited with ${code}: ${err}`)));
    });
    const cap = await startCapture({ tool: 'dumpcap', iface: 'lo', port, file });
    child.stdin.write('go\n');
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    expect(err).toBe('');
    expect(code).toBe(0);
    await untilBothFins(file);
    await cap.stop();

    const { status, rows } = await decodePcap(file);
    expectClean(rows, status);
    const hs = rows.find((r) => 'handshake' in r)!.handshake as Record<string, unknown>;
    expect(hs.subprotocol).toBe('py.v1');
    expect(hs.acceptValid).toBe(true);
    const big = Buffer.alloc(256 * 300);
    for (let i = 0; i < big.length; i++) big[i] = i & 255;
    const c2s = seen(rows, 'c2s');
    const s2c = seen(rows, 's2c');
    // websockets sends a message from an iterator as one frame per item, then an empty final frame.
    expect(c2s.frames).toEqual([[1, true], [2, true], [1, false], [0, false], [0, true], [9, true], [8, true]]);
    expect(c2s.messages).toEqual([[1, hex('hello')], [2, hex(big)], [1, hex('fragment')], [9, hex('p')], [8, closeBody(4001, 'bye')]]);
    // The server echoes the reassembled message in one frame. Its pong is written by the protocol
    // layer as soon as the ping arrives, so where it falls among the echoes is up to the scheduler.
    expect(s2c.frames.filter(([op]) => op !== 10)).toEqual([[1, true], [1, true], [2, true], [1, true], [8, true]]);
    expect(s2c.messages.filter(([op]) => op !== 10)).toEqual([[1, hex('welcome')], [1, hex('hello')], [2, hex(big)], [1, hex('fragment')], [8, closeBody(4001, 'bye')]]);
    expect(s2c.messages.filter(([op]) => op === 10)).toEqual([[10, hex('p')]]);
    expect(hs.perMessageDeflate).toBe(rows.some((r) => r.rsv1 === true));
    expectTsharkAgrees(file, rows);
  });
});
