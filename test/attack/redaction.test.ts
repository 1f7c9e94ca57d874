// Credentials never reach the event stream: the session cookie, the HttpOnly chat token (a JWT in a
// cookie) and Authorization / Proxy-Authorization values are redacted in the handshake event where
// the tap makes it, keeping the header's name and the value's length. Proved on every way events
// leave the server: the bus, the HTTP history (what an export saves), and the WebSocket stream in
// JSON and in the binary format the pages read. Puppets may not carry credentials at all.
import { describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { openClient, useLabServer, type Collector, type TestServer } from '../helpers/server.ts';
import { login } from '../helpers/chat.ts';
import type { EventOf } from '../../server/core/events/schema.ts';
import { redactHead } from '../../server/connection/tap/redact.ts';

let t: TestServer;
let log: Collector;
const clients = useLabServer((server, events) => {
  t = server;
  log = events;
});

const SESSION = 'sessionSecretValue_0123456789';
const BEARER = 'Bearer opaque-api-token-abcdefghijklmnop';
const PROXY = 'Basic dXNlcjpzZWNyZXQtcHJveHktcGFzcw==';

/** Every byte of a /__wslab/events WebSocket stream until `done` says stop. */
async function streamBytes(query: string, done: (all: Buffer) => boolean): Promise<Buffer> {
  const ws = new WebSocket(`${t.wsUrl('/__wslab/events')}?${query}`);
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    ws.on('message', (data: Buffer) => {
      chunks.push(Buffer.from(data));
      const all = Buffer.concat(chunks);
      if (done(all)) {
        ws.close();
        resolve(all);
      }
    });
    ws.on('error', reject);
  });
}

describe('the event stream carries no credential', () => {
  test('the chat token cookie, the session cookie, Authorization and Proxy-Authorization: redacted with name and length kept, in every form the events leave in', async () => {
    const jwt = await login(t.server, 'alice');
    expect(jwt.split('.')).toHaveLength(3);
    const cookie = `wslab_session=${SESSION}; wslab_token=${jwt}`;
    // through the balancer and straight to a node, with the token in the cookie
    const viaBalancer = await openClient(t.wsUrl('/lab/chat'), { headers: { Cookie: cookie } });
    const direct = await openClient(t.server.fanout.nodes[1].url, { headers: { Cookie: cookie } });
    const echo = await openClient(t.wsUrl('/lab/echo'), { headers: { Authorization: BEARER, 'Proxy-Authorization': PROXY, Cookie: `wslab_session=${SESSION}` } });
    clients.push(viaBalancer, direct, echo);
    const chats = [
      await log.waitForType('handshake', (e) => e.request.target === '/lab/chat' && e.request.headers.some(([k]) => k === 'X-Forwarded-For')),
      await log.waitForType('handshake', (e) => e.request.target === '/lab/chat' && !e.request.headers.some(([k]) => k === 'X-Forwarded-For')),
    ];
    for (const hs of chats) {
      expect(hs.request.headers.filter(([k]) => k.toLowerCase() === 'cookie')).toEqual([['Cookie', `<redacted ${cookie.length} bytes>`]]);
      expect(hs.request.raw).toContain(`\r\nCookie: <redacted ${cookie.length} bytes>\r\n`);
      expect(hs.response.status).toBe(101);
    }
    const hs = (await log.waitForType('handshake', (e) => e.request.target === '/lab/echo')) as EventOf<'handshake'>;
    expect(hs.request.headers.filter(([k]) => /^(cookie|authorization|proxy-authorization)$/i.test(k))).toEqual([
      ['Authorization', `<redacted ${BEARER.length} bytes>`],
      ['Proxy-Authorization', `<redacted ${PROXY.length} bytes>`],
      ['Cookie', `<redacted ${`wslab_session=${SESSION}`.length} bytes>`],
    ]);
    expect(hs.acceptOk).toBe(true);

    const secrets = [jwt, SESSION, BEARER.slice('Bearer '.length), PROXY.slice('Basic '.length), jwt.split('.')[2]];
    const head = t.server.bus.headSeq;
    // the bus, as every observer and the history see it
    const all = JSON.stringify(log.events);
    // the HTTP history: what /inspect's export and `curl /__wslab/events` save
    const history = await (await fetch(`${t.httpUrl}/__wslab/events?since=0`)).text();
    expect(history).toContain('<redacted ');
    // the WebSocket stream, JSON and binary (what the pages read), replayed from the start
    const json = await streamBytes('since=0', (b) => b.includes(`"seq":${head - 1},`));
    const bin = await streamBytes('since=0&format=bin', (b) => b.length > 0 && b.includes(Buffer.from(`"seq":${head - 1},`)));
    for (const secret of secrets) {
      expect(all.includes(secret), 'bus').toBe(false);
      expect(history.includes(secret), 'history').toBe(false);
      expect(json.includes(secret), 'json stream').toBe(false);
      expect(bin.includes(Buffer.from(secret)), 'binary stream').toBe(false);
    }
    // the chat lab still authenticated by the cookie it never showed
    expect(log.ofType('meta').filter((e) => e.userId === 'alice')).toHaveLength(2);
  });

  test('a puppet may not carry Cookie, Authorization or Proxy-Authorization: 400 with a sentence, and no connection is made', async () => {
    const before = t.server.registry.size;
    for (const name of ['Cookie', 'authorization', 'Proxy-Authorization']) {
      const res = await fetch(`${t.httpUrl}/__wslab/puppets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ path: '/lab/echo', headers: { [name]: 'x=1' } }) });
      expect(res.status, name).toBe(400);
      expect(await res.json()).toEqual({
        error: `a puppet may not send ${name}: credentials would let it act as whoever they belong to (the chat lab's tokens go in the path as ?token= or in protocols as bearer.TOKEN)`,
      });
    }
    expect(t.server.registry.size).toBe(before);
  });

  test('redactHead: Set-Cookie in a response is redacted too, the raw text keeps its layout and other headers are untouched', () => {
    const raw = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nset-cookie:  a=123456; HttpOnly\r\nX-Other: keep\r\n\r\n';
    const out = redactHead({ startLine: 'HTTP/1.1 101 Switching Protocols', headers: [['Upgrade', 'websocket'], ['set-cookie', 'a=123456; HttpOnly'], ['X-Other', 'keep']], raw });
    expect(out).toEqual({
      startLine: 'HTTP/1.1 101 Switching Protocols',
      headers: [['Upgrade', 'websocket'], ['set-cookie', '<redacted 18 bytes>'], ['X-Other', 'keep']],
      raw: 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nset-cookie:  <redacted 18 bytes>\r\nX-Other: keep\r\n\r\n',
    });
  });
});
