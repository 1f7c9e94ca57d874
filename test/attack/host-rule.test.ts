// The Host rule against raw sockets (DNS rebinding): on the main port and on every chat node's port,
// a request or upgrade whose Host is not one wslab serves gets 421 with the reason before anything
// else looks at it; the names wslab serves (127.0.0.1, localhost, [::1] with the right port, the
// bound address, --allow-host) are answered as before. An Origin that only matches the Host is no
// longer enough to pass the cross-site check.
import { describe, expect, test } from 'vitest';
import { connect } from 'node:net';
import { rawUpgrade, startTestServer, upgradeRequest, useLabServer, type Collector, type TestServer } from '../helpers/server.ts';
import { HostRule, splitHost } from '../../server/http/hosts.ts';

let t: TestServer;
let log: Collector;
useLabServer((server, events) => {
  t = server;
  log = events;
});

/** One HTTP/1.1 request written by hand (Host exactly as given, or none); resolves with status line and body. */
function rawGet(port: number, path: string, host: string | null, version = '1.1'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => {
      s.end(`GET ${path} HTTP/${version}\r\n${host === null ? '' : `Host: ${host}\r\n`}Connection: close\r\n\r\n`);
    });
    let out = '';
    s.setEncoding('latin1');
    s.on('data', (d: string) => (out += d));
    s.on('end', () => {
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(out)?.[1] ?? NaN);
      resolve({ status, body: out.slice(out.indexOf('\r\n\r\n') + 4) });
    });
    s.on('error', reject);
  });
}

const refusal = (host: string, port: number) =>
  `Host "${host}" is not a name this wslab serves (it answers to 127.0.0.1:${port}, localhost:${port} and [::1]:${port}). ` +
  'A page that reaches this server under another name may be a DNS rebinding attack, so the request is refused. ' +
  `If you meant to use this name, start wslab with --allow-host ${host.replace(/:\d+$/, '')}.\n`;

describe('main port', () => {
  test('GET with a foreign Host is 421 with the reason; the names wslab serves are answered', async () => {
    const p = t.port;
    for (const host of [`evil.example:${p}`, 'evil.example', `127.0.0.1:${p + 1 === 65536 ? 1 : p + 1}`, '127.0.0.1', `localhost.:${p}`, `127.0.0.2:${p}`, `[::2]:${p}`]) {
      const r = await rawGet(p, '/__wslab/health', host);
      expect(r, host).toEqual({ status: 421, body: refusal(host, p) });
    }
    for (const host of [`127.0.0.1:${p}`, `localhost:${p}`, `LocalHost:${p}`, `[::1]:${p}`]) {
      expect((await rawGet(p, '/__wslab/health', host)).status, host).toBe(200);
    }
  });

  test('no Host at all (HTTP/1.0) is 421 too', async () => {
    const r = await rawGet(t.port, '/__wslab/events?since=0', null, '1.0');
    expect(r).toEqual({ status: 421, body: 'The request has no Host header; wslab answers only requests that name it (127.0.0.1, localhost or [::1] and its port).\n' });
  });

  test('pages, the event history, the connection list and the login are all behind the rule', async () => {
    for (const path of ['/', '/inspect', '/__wslab/events?since=0', '/__wslab/connections', '/__wslab/link', '/lab/transports/poll']) {
      expect((await rawGet(t.port, path, `evil.example:${t.port}`)).status, path).toBe(421);
    }
  });

  test('an upgrade with a foreign Host is refused with 421 before a lab, the chaos link or the event stream sees it', async () => {
    const before = t.server.bus.headSeq;
    for (const path of ['/lab/echo', '/lab/echo?link=x', '/__wslab/events', '/lab/chat']) {
      const req = upgradeRequest(t.port, path).replace(`Host: 127.0.0.1:${t.port}`, `Host: evil.example:${t.port}`);
      const r = await rawUpgrade(t.port, req);
      expect(r.status, path).toBe(421);
      expect(r.body, path).toBe(refusal(`evil.example:${t.port}`, t.port));
    }
    // nothing opened, nothing reached the link
    expect(log.events.filter((e) => e.seq > before && (e.type === 'conn.open' || e.type === 'link'))).toEqual([]);
    // the same upgrades with a Host wslab serves open
    const ok = await rawUpgrade(t.port, upgradeRequest(t.port, '/lab/echo').replace(`Host: 127.0.0.1:${t.port}`, `Host: localhost:${t.port}`));
    expect(ok.status).toBe(101);
    ok.socket.destroy();
  });

  test('Origin equal to "http://" + Host is not enough by itself: only the origins of wslab\'s own pages (and --allow-origin) pass', async () => {
    const same = await rawUpgrade(t.port, upgradeRequest(t.port, '/lab/echo', [`Origin: http://127.0.0.1:${t.port}`]));
    expect(same.status).toBe(101);
    same.socket.destroy();
    const viaLocalhost = await rawUpgrade(t.port, upgradeRequest(t.port, '/lab/echo', [`Origin: http://localhost:${t.port}`]).replace(`Host: 127.0.0.1:${t.port}`, `Host: localhost:${t.port}`));
    expect(viaLocalhost.status).toBe(101);
    viaLocalhost.socket.destroy();
    // https:// of the same host was accepted by the old Origin-matches-Host rule; no page of ours has it
    const https = await rawUpgrade(t.port, upgradeRequest(t.port, '/lab/echo', [`Origin: https://127.0.0.1:${t.port}`]));
    expect(https.status).toBe(403);
    expect(https.body).toBe(`Origin https://127.0.0.1:${t.port} may not open WebSockets here (cross-site WebSocket hijacking is refused).\n`);
  });
});

describe('chat node ports', () => {
  test('every node answers only Hosts wslab serves: 421 for a foreign one on GET and on the upgrade', async () => {
    for (const node of t.server.fanout.nodes) {
      const p = node.port;
      const get = await rawGet(p, '/lab/chat', `evil.example:${p}`);
      expect(get).toEqual({ status: 421, body: refusal(`evil.example:${p}`, p) });
      expect((await rawGet(p, '/lab/chat', `127.0.0.1:${p}`)).status).toBe(426);
      const up = await rawUpgrade(p, upgradeRequest(p, '/lab/chat').replace(`Host: 127.0.0.1:${p}`, `Host: evil.example:${p}`));
      expect(up.status).toBe(421);
      const ok = await rawUpgrade(p, upgradeRequest(p, '/lab/chat').replace(`Host: 127.0.0.1:${p}`, `Host: localhost:${p}`));
      expect(ok.status).toBe(101);
      ok.socket.destroy();
    }
  });

  test('the balancer forwards the main port\'s Host to a node, and the node accepts it', async () => {
    const r = await rawUpgrade(t.port, upgradeRequest(t.port, '/lab/chat'));
    expect(r.status).toBe(101);
    r.socket.destroy();
  });
});

describe('--allow-host', () => {
  test('NAME is allowed on every port wslab serves, NAME:PORT on that port only; the page origin it makes passes the Origin check', async () => {
    const s = await startTestServer({ allowHosts: ['wslab.test', 'other.test:1234'] });
    try {
      const node = s.server.fanout.nodes[0].port;
      expect((await rawGet(s.port, '/__wslab/health', `wslab.test:${s.port}`)).status).toBe(200);
      expect((await rawGet(node, '/lab/chat', `WSLAB.test:${node}`)).status).toBe(426);
      expect((await rawGet(s.port, '/__wslab/health', `other.test:${s.port}`)).status).toBe(421);
      expect((await rawGet(s.port, '/__wslab/health', 'other.test:1234')).status).toBe(200);
      const up = await rawUpgrade(s.port, upgradeRequest(s.port, '/lab/echo', [`Origin: http://wslab.test:${s.port}`]).replace(`Host: 127.0.0.1:${s.port}`, `Host: wslab.test:${s.port}`));
      expect(up.status).toBe(101);
      up.socket.destroy();
    } finally {
      await s.close();
    }
  });
});

describe('the rule itself', () => {
  test('splitHost reads name and port (80 when none), brackets IPv6 and refuses what is not a host', () => {
    expect(splitHost('LocalHost:8080')).toEqual(['localhost', 8080]);
    expect(splitHost('[::1]:9')).toEqual(['[::1]', 9]);
    expect(splitHost('[::1]')).toEqual(['[::1]', 80]);
    expect(splitHost('example.com')).toEqual(['example.com', 80]);
    for (const bad of ['::1', 'a b:1', 'x:0', 'x:65536', 'x:1a', '', '[::1', 'x:']) expect(splitHost(bad), bad).toBeNull();
  });

  test('bound to every interface, the machine\'s network addresses are served; bound to loopback they are not', () => {
    const interfaces = {
      eth0: [
        { address: '192.168.1.20', family: 'IPv4', internal: false, netmask: '', mac: '', cidr: null },
        { address: 'fe80::1', family: 'IPv6', internal: false, netmask: '', mac: '', cidr: null, scopeid: 2 },
      ],
      lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true, netmask: '', mac: '', cidr: null }],
    } as unknown as NodeJS.Dict<import('node:os').NetworkInterfaceInfo[]>;
    const wild = new HostRule({ bound: '0.0.0.0', interfaces });
    wild.addPort(8080);
    expect(wild.allows('192.168.1.20:8080')).toBe(true);
    expect(wild.allows('[fe80::1]:8080')).toBe(true);
    expect(wild.allows('192.168.1.21:8080')).toBe(false);
    const loop = new HostRule({ bound: '127.0.0.1', interfaces });
    loop.addPort(8080);
    expect(loop.allows('192.168.1.20:8080')).toBe(false);
    expect(loop.allows(undefined)).toBe(false);
    expect(loop.origins(8080)).toEqual(['http://127.0.0.1:8080', 'http://localhost:8080', 'http://[::1]:8080']);
  });
});


