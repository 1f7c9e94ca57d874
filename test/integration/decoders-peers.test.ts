// The subprotocol decoders on the bytes of real peers: a Socket.IO server and client, MQTT.js (3.1.1
// and 5), @stomp/stompjs, graphql-ws's client and server, and JSON-RPC by hand, each relayed by
// `wslab proxy` so the tap sees their frames. The frame events are decoded with the same pure
// session the browser runs, and the decoded fields must equal what the peers sent.
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { Server as SocketIoServer } from 'socket.io';
import { Manager } from 'socket.io-client';
import mqttJs from 'mqtt';
import mqttPacket from 'mqtt-packet';
import { Client as StompClient } from '@stomp/stompjs';
import { createClient } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { createRequire } from 'node:module';
import { collect, startTestServer, type Collector, type TestServer, type WslabEvent } from '../helpers/server.ts';
import { DecoderSession, type Decoded, type DecodedItem } from '../../server/core/decoders/index.ts';

interface Rig {
  http: Server;
  t: TestServer;
  log: Collector;
  cleanup: (() => unknown)[];
}

let rig: Rig | null = null;

afterEach(async () => {
  if (!rig) return;
  for (const c of rig.cleanup.reverse()) await c();
  rig.log.stop();
  await rig.t.close();
  rig.http.closeAllConnections?.();
  await new Promise<void>((r) => rig!.http.close(() => r()));
  rig = null;
});

/** An HTTP server for the upstream, and wslab proxying every WebSocket upgrade to it. */
async function start(attach: (http: Server) => WebSocketServer | void): Promise<Rig> {
  const http = createServer();
  const wss = attach(http);
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const port = (http.address() as AddressInfo).port;
  const t = await startTestServer({ heartbeat: { intervalMs: 0 }, proxy: { target: `ws://127.0.0.1:${port}` } });
  rig = { http, t, log: collect(t), cleanup: [] };
  if (wss)
    rig.cleanup.push(() => {
      for (const c of wss.clients) c.terminate();
      wss.close();
    });
  return rig;
}

interface DecodedFrame {
  seq: number;
  dir: 'c2s' | 's2c';
  decoded: Decoded;
}

/** Runs the browser's decoder session over the events of every proxied connection so far (message events: the first 256 bytes of each message). */
function decodeAll(log: Collector): DecodedFrame[] {
  const s = new DecoderSession();
  const out: DecodedFrame[] = [];
  for (const e of log.events as WslabEvent[]) {
    if (e.type === 'conn.open') s.open(e.conn, { subprotocol: e.subprotocol, target: e.path });
    else if (e.type === 'handshake') s.open(e.conn, { target: e.request.target, subprotocol: e.response.headers.find(([k]) => k.toLowerCase() === 'sec-websocket-protocol')?.[1] ?? null });
    else if (e.type === 'message') {
      const d = s.message(e);
      if (d) out.push({ seq: e.seq, dir: e.dir, decoded: d });
    }
  }
  return out;
}

type Item = DecodedItem & { dir: 'c2s' | 's2c'; decoder: string; f: Record<string, string | string[]> };

function items(log: Collector): Item[] {
  const out: Item[] = [];
  for (const d of decodeAll(log))
    for (const it of d.decoded.items) {
      const f: Record<string, string | string[]> = {};
      for (const [k, v] of it.fields) {
        const had = f[k];
        f[k] = had === undefined ? v : Array.isArray(had) ? [...had, v] : [had, v];
      }
      out.push({ ...it, dir: d.dir, decoder: d.decoded.decoder, f });
    }
  return out;
}

/** Waits until the decoded items include one matching `pred` (frames reach the bus shortly after the peers see them). */
async function waitItem(log: Collector, pred: (i: Item) => boolean, what: string): Promise<Item> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const hit = items(log).find(pred);
    if (hit) return hit;
    if (Date.now() > deadline) throw new Error(`no decoded ${what}; decoded so far:\n${items(log).map((i) => `${i.dir} ${i.decoder} ${i.summary}`).join('\n')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('decoders on real peers through wslab proxy', () => {
  it('Socket.IO: open, namespace connect, an event with an ack, its ack, a binary event and its attachment, a server event', async () => {
    let io!: SocketIoServer;
    const r = await start((http) => {
      io = new SocketIoServer(http, { transports: ['websocket'] });
    });
    const serverSaw = new Promise<string>((resolve) => {
      io.on('connection', (socket) => {
        socket.on('chat', (text: string, obj: unknown, ack: (v: unknown) => void) => {
          ack({ ok: true, echo: text });
          socket.emit('news', 'fresh', 42);
        });
        socket.on('upload', (buf: Buffer) => resolve(buf.toString('hex')));
      });
    });
    io.of('/admin').on('connection', () => {});
    r.cleanup.push(() => io.close());
    const manager = new Manager(r.t.httpUrl, { transports: ['websocket'], reconnection: false });
    const socket = manager.socket('/');
    const admin = manager.socket('/admin', { auth: { token: 'ab' } });
    r.cleanup.push(() => manager.engine?.close());
    await new Promise<void>((res) => socket.once('connect', () => res()));
    await new Promise<void>((res) => (admin.connected ? res() : admin.once('connect', () => res())));
    const ack = await new Promise<unknown>((res) => socket.emit('chat', 'hello', { n: 1 }, res));
    expect(ack).toEqual({ ok: true, echo: 'hello' });
    socket.emit('upload', Buffer.from([1, 2, 3]));
    expect(await serverSaw).toBe('010203');

    const sid = manager.engine.id;
    const open = await waitItem(r.log, (i) => i.f['sio.eio'] === 'OPEN', 'Engine.IO open');
    expect(open.dir).toBe('s2c');
    expect(open.f['sio.sid']).toBe(sid);
    const adminConnect = await waitItem(r.log, (i) => i.f['sio.type'] === 'CONNECT' && i.f['sio.nsp'] === '/admin' && i.dir === 'c2s', 'CONNECT /admin');
    expect(adminConnect.f['sio.data']).toBe('{"token":"ab"}');
    const chat = await waitItem(r.log, (i) => i.f['sio.event'] === 'chat', 'chat event');
    expect(chat).toMatchObject({ dir: 'c2s', summary: `EVENT "chat" (ack ${chat.f['sio.id']})` });
    expect(chat.f).toEqual({ 'sio.eio': 'MESSAGE', 'sio.type': 'EVENT', 'sio.nsp': '/', 'sio.id': '0', 'sio.event': 'chat', 'sio.arg': ['hello', '{"n":1}'] });
    const acked = await waitItem(r.log, (i) => i.f['sio.type'] === 'ACK', 'ack');
    expect(acked.f).toEqual({ 'sio.eio': 'MESSAGE', 'sio.type': 'ACK', 'sio.nsp': '/', 'sio.id': '0', 'sio.arg': '{"ok":true,"echo":"hello"}' });
    const news = await waitItem(r.log, (i) => i.f['sio.event'] === 'news', 'news event');
    expect(news.dir).toBe('s2c');
    expect(news.f['sio.arg']).toEqual(['fresh', '42']);
    const upload = await waitItem(r.log, (i) => i.f['sio.event'] === 'upload', 'binary event');
    expect(upload.f).toMatchObject({ 'sio.type': 'BINARY_EVENT', 'sio.attachments': '1', 'sio.placeholders': '1', 'sio.arg': '{"_placeholder":true,"num":0}' });
    const attachment = await waitItem(r.log, (i) => i.f['sio.attachment'] !== undefined, 'attachment');
    expect(attachment).toMatchObject({ dir: 'c2s', summary: 'attachment 1 of 1 for "upload" (3 B)' });
    expect(attachment.f['sio.bytes']).toBe('01 02 03');
    expect(items(r.log).filter((i) => i.malformed)).toEqual([]);
  });

  for (const protocolVersion of [4, 5] as const) {
    it(`MQTT ${protocolVersion === 4 ? '3.1.1' : '5'}: MQTT.js's CONNECT, SUBSCRIBE, PUBLISH at QoS 1 and the broker's answers`, async () => {
      const r = await start((http) => {
        const wss = new WebSocketServer({ server: http, handleProtocols: (p) => (p.has('mqtt') ? 'mqtt' : false) });
        wss.on('connection', (ws) => {
          const parser = mqttPacket.parser({ protocolVersion });
          const send = (p: object) => ws.send(mqttPacket.generate(p as mqttPacket.Packet, { protocolVersion }));
          parser.on('packet', (p: mqttPacket.Packet) => {
            if (p.cmd === 'connect') send({ cmd: 'connack', returnCode: 0, reasonCode: 0, sessionPresent: false });
            if (p.cmd === 'subscribe') send({ cmd: 'suback', messageId: p.messageId, granted: p.subscriptions.map((s) => s.qos) });
            if (p.cmd === 'publish') {
              if (p.qos > 0) send({ cmd: 'puback', messageId: p.messageId, reasonCode: 0 });
              send({ cmd: 'publish', topic: p.topic, payload: p.payload, qos: 0, retain: false, dup: false });
            }
            if (p.cmd === 'pingreq') send({ cmd: 'pingresp' });
          });
          ws.on('message', (data) => parser.parse(data as Buffer));
        });
        return wss;
      });
      const client = mqttJs.connect(r.t.wsUrl('/mqtt'), { protocolVersion, clientId: `lab-client-${protocolVersion}`, keepalive: 30, reconnectPeriod: 0 });
      r.cleanup.push(() => client.end(true));
      await new Promise<void>((res, rej) => {
        client.once('connect', () => res());
        client.once('error', rej);
      });
      await client.subscribeAsync('lab/+/temp', { qos: 1 });
      const got = new Promise<string>((res) => client.once('message', (topic, payload) => res(`${topic} ${payload.toString()}`)));
      await client.publishAsync('lab/7/temp', '21.5', { qos: 1 });
      expect(await got).toBe('lab/7/temp 21.5');

      const connect = await waitItem(r.log, (i) => i.f['mqtt.type'] === 'CONNECT', 'CONNECT');
      expect(connect.f).toMatchObject({ 'mqtt.protocol': 'MQTT', 'mqtt.version': protocolVersion === 4 ? '3.1.1' : '5.0', 'mqtt.clientId': `lab-client-${protocolVersion}`, 'mqtt.keepAlive': '30', 'mqtt.clean': 'true' });
      expect((await waitItem(r.log, (i) => i.f['mqtt.type'] === 'CONNACK', 'CONNACK')).dir).toBe('s2c');
      const sub = await waitItem(r.log, (i) => i.f['mqtt.type'] === 'SUBSCRIBE', 'SUBSCRIBE');
      expect(sub.f).toMatchObject({ 'mqtt.topic': 'lab/+/temp', 'mqtt.qos': '1' });
      const pub = await waitItem(r.log, (i) => i.f['mqtt.type'] === 'PUBLISH' && i.dir === 'c2s', 'PUBLISH');
      expect(pub.f).toMatchObject({ 'mqtt.topic': 'lab/7/temp', 'mqtt.qos': '1', 'mqtt.payload': '21.5' });
      const puback = await waitItem(r.log, (i) => i.f['mqtt.type'] === 'PUBACK', 'PUBACK');
      expect(puback.f['mqtt.id']).toBe(pub.f['mqtt.id']);
      const delivered = await waitItem(r.log, (i) => i.f['mqtt.type'] === 'PUBLISH' && i.dir === 's2c', 'delivered PUBLISH');
      expect(delivered.f).toMatchObject({ 'mqtt.topic': 'lab/7/temp', 'mqtt.qos': '0', 'mqtt.payload': '21.5' });
      expect(items(r.log).filter((i) => i.malformed)).toEqual([]);
    });
  }

  it('STOMP 1.2: stompjs CONNECT, SUBSCRIBE and SEND, and the broker\'s CONNECTED and MESSAGE', async () => {
    const r = await start((http) => {
      const wss = new WebSocketServer({ server: http, handleProtocols: (p) => (p.has('v12.stomp') ? 'v12.stomp' : false) });
      wss.on('connection', (ws) => {
        const subs = new Map<string, string>();
        let n = 0;
        ws.on('message', (data) => {
          for (const frame of data.toString().split('\0')) {
            const [head, body = ''] = frame.replace(/^\n+/, '').split('\n\n');
            const [command, ...lines] = head.split('\n');
            const h = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)]));
            if (command === 'CONNECT' || command === 'STOMP') ws.send('CONNECTED\nversion:1.2\nheart-beat:0,0\n\n\0');
            if (command === 'SUBSCRIBE') subs.set(h.destination, h.id);
            if (command === 'SEND' && subs.has(h.destination)) ws.send(`MESSAGE\ndestination:${h.destination}\nsubscription:${subs.get(h.destination)}\nmessage-id:m${++n}\n\n${body}\0`);
          }
        });
      });
      return wss;
    });
    const client = new StompClient({ webSocketFactory: () => new WebSocket(r.t.wsUrl('/stomp'), ['v12.stomp']), reconnectDelay: 0, heartbeatIncoming: 0, heartbeatOutgoing: 0, connectHeaders: { host: 'lab' } });
    r.cleanup.push(() => client.deactivate({ force: true }));
    const connected = new Promise<void>((res) => (client.onConnect = () => res()));
    client.activate();
    await connected;
    const got = new Promise<string>((res) => client.subscribe('/queue/lab', (m) => res(m.body)));
    client.publish({ destination: '/queue/lab', body: 'hello stomp' });
    expect(await got).toBe('hello stomp');

    const connect = await waitItem(r.log, (i) => i.f['stomp.command'] === 'CONNECT', 'CONNECT');
    expect(connect.f).toMatchObject({ 'stomp.accept-version': '1.2,1.1,1.0', 'stomp.host': 'lab', 'stomp.heart-beat': '0,0' });
    expect((await waitItem(r.log, (i) => i.f['stomp.command'] === 'CONNECTED', 'CONNECTED')).f['stomp.version']).toBe('1.2');
    const sub = await waitItem(r.log, (i) => i.f['stomp.command'] === 'SUBSCRIBE', 'SUBSCRIBE');
    expect(sub.f).toMatchObject({ 'stomp.destination': '/queue/lab', 'stomp.id': 'sub-0' });
    const send = await waitItem(r.log, (i) => i.f['stomp.command'] === 'SEND', 'SEND');
    expect(send.f).toMatchObject({ 'stomp.destination': '/queue/lab', 'stomp.body': 'hello stomp' });
    const msg = await waitItem(r.log, (i) => i.f['stomp.command'] === 'MESSAGE', 'MESSAGE');
    expect(msg.f).toEqual({ 'stomp.command': 'MESSAGE', 'stomp.destination': '/queue/lab', 'stomp.subscription': 'sub-0', 'stomp.message-id': 'm1', 'stomp.body': 'hello stomp' });
    expect(items(r.log).filter((i) => i.malformed)).toEqual([]);
  });

  it('graphql-transport-ws: graphql-ws\'s client subscribes, its server sends next twice and complete', async () => {
    // graphql-ws loads graphql through Node's require; the schema must come from the same copy
    const { buildSchema } = createRequire(import.meta.url)('graphql') as typeof import('graphql');
    const schema = buildSchema('type Query { hello: String } type Subscription { greetings: String }');
    const roots = {
      greetings: async function* () {
        for (const hi of ['Hi', 'Bonjour']) yield { greetings: hi };
      },
    };
    let ids = 0;
    const r = await start((http) => {
      const wss = new WebSocketServer({ server: http, path: '/graphql' });
      useServer({ schema, roots: { subscription: roots } as never }, wss);
      return wss;
    });
    const client = createClient({ url: r.t.wsUrl('/graphql'), webSocketImpl: WebSocket, generateID: () => `op${++ids}`, lazy: true, retryAttempts: 0 });
    r.cleanup.push(() => client.dispose());
    const got: unknown[] = [];
    await new Promise<void>((res, rej) => client.subscribe({ query: 'subscription { greetings }' }, { next: (v) => void got.push(v.data), error: rej, complete: res }));
    expect(got).toEqual([{ greetings: 'Hi' }, { greetings: 'Bonjour' }]);

    expect((await waitItem(r.log, (i) => i.f['gql.type'] === 'connection_init', 'connection_init')).dir).toBe('c2s');
    expect((await waitItem(r.log, (i) => i.f['gql.type'] === 'connection_ack', 'connection_ack')).dir).toBe('s2c');
    const sub = await waitItem(r.log, (i) => i.f['gql.type'] === 'subscribe', 'subscribe');
    expect(sub.f['gql.id']).toBe('op1');
    expect(sub.f['gql.query']).toBe('subscription { greetings }');
    const nexts = items(r.log).filter((i) => i.f['gql.type'] === 'next');
    expect(nexts.map((i) => [i.dir, i.f['gql.id'], i.f['gql.data']])).toEqual([
      ['s2c', 'op1', '{"greetings":"Hi"}'],
      ['s2c', 'op1', '{"greetings":"Bonjour"}'],
    ]);
    expect((await waitItem(r.log, (i) => i.f['gql.type'] === 'complete', 'complete')).f['gql.id']).toBe('op1');
    expect(items(r.log).filter((i) => i.malformed)).toEqual([]);
  });

  it('JSON-RPC 2.0 (recognised from its first message): a request and its result, a notification, an error', async () => {
    const r = await start((http) => {
      const wss = new WebSocketServer({ server: http });
      wss.on('connection', (ws) =>
        ws.on('message', (data) => {
          const m = JSON.parse(data.toString());
          if (m.method === 'subtract') ws.send(JSON.stringify({ jsonrpc: '2.0', result: m.params[0] - m.params[1], id: m.id }));
          else if (m.id !== undefined) ws.send(JSON.stringify({ jsonrpc: '2.0', error: { code: -32601, message: 'Method not found' }, id: m.id }));
        }),
      );
      return wss;
    });
    const ws = new WebSocket(r.t.wsUrl('/rpc'));
    r.cleanup.push(() => ws.terminate());
    await new Promise((res) => ws.once('open', res));
    const answers: string[] = [];
    ws.on('message', (d) => answers.push(d.toString()));
    ws.send(JSON.stringify({ jsonrpc: '2.0', method: 'subtract', params: [42, 23], id: 1 }));
    ws.send(JSON.stringify({ jsonrpc: '2.0', method: 'update', params: [1, 2] }));
    ws.send(JSON.stringify({ jsonrpc: '2.0', method: 'nope', id: 'b' }));
    await waitItem(r.log, (i) => i.f['rpc.kind'] === 'error', 'error response');
    // the answers may interleave with the later calls: compare each direction in order
    const all = items(r.log).map((i) => [i.dir, i.f]);
    expect([...all.filter((x) => x[0] === 'c2s'), ...all.filter((x) => x[0] === 's2c')]).toEqual([
      ['c2s', { 'rpc.kind': 'request', 'rpc.method': 'subtract', 'rpc.id': '1', 'rpc.params': '[42,23]' }],
      ['c2s', { 'rpc.kind': 'notification', 'rpc.method': 'update', 'rpc.params': '[1,2]' }],
      ['c2s', { 'rpc.kind': 'request', 'rpc.method': 'nope', 'rpc.id': 'b' }],
      ['s2c', { 'rpc.kind': 'response', 'rpc.id': '1', 'rpc.method': 'subtract', 'rpc.result': '19' }],
      ['s2c', { 'rpc.kind': 'error', 'rpc.id': 'b', 'rpc.method': 'nope', 'rpc.error.code': '-32601', 'rpc.error.message': 'Method not found' }],
    ]);
  });
});

describe('decoders on what the events carry', () => {
  it('a message longer than the 256 bytes a message event previews is decoded as far as they go and marked cut', async () => {
    const r = await start((http) => {
      const wss = new WebSocketServer({ server: http });
      wss.on('connection', (ws) => ws.on('message', (d) => ws.send(d)));
      return wss;
    });
    const ws = new WebSocket(r.t.wsUrl('/rpc'), { perMessageDeflate: false });
    r.cleanup.push(() => ws.terminate());
    await new Promise((res) => ws.once('open', res));
    ws.send(JSON.stringify({ jsonrpc: '2.0', method: 'store', id: 7, params: ['x'.repeat(1000)] }));
    const call = await waitItem(r.log, (i) => i.dir === 'c2s', 'call');
    expect(call.cut).toBe(true);
    expect(call.f['rpc.method']).toBe('store');
    expect(call.f['rpc.id']).toBe('7');
  });
});
