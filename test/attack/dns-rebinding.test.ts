// DNS rebinding with a real browser. Chromium resolves evil.example to 127.0.0.1
// (--host-resolver-rules), the state an attacker reaches once their name's short-lived DNS record
// is swapped for the loopback address: a page of http://evil.example:PORT is then same-origin with
// wslab's port, may read what it fetches, and sends Origin and Host both as evil.example. The
// attacker's page itself comes from the attacker's server (here: served by the test through
// page.route, before any byte reaches wslab); everything it then asks for goes to wslab, which
// must refuse all of it on the Host header: the event history, the connection list, puppets, the
// chaos link, the login, and WebSocket upgrades on the main port and on a chat node's port.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM_ARGS, describeWithChromium, findChromium } from '../helpers/chromium.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const ATTACK = `
  async function attack(nodePort) {
    const out = {};
    const read = async (name, path, init) => {
      try {
        const r = await fetch(path, init);
        out[name] = { status: r.status, body: await r.text() };
      } catch (e) {
        out[name] = { error: String(e) };
      }
    };
    const json = (body) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    await read('events', '/__wslab/events?since=0');
    await read('connections', '/__wslab/connections');
    await read('puppet', '/__wslab/puppets', json({ path: '/lab/echo' }));
    await read('link', '/__wslab/link', json({ latencyMs: 2000 }));
    await read('reset', '/__wslab/link/reset', json({ tag: 'workshop' }));
    await read('login', '/lab/login', json({ user: 'mallory' }));
    const socket = (url) => new Promise((resolve) => {
      const ws = new WebSocket(url);
      let opened = false;
      ws.onopen = () => { opened = true; ws.close(); };
      ws.onclose = (e) => resolve({ opened, code: e.code });
    });
    out.ws = await socket('ws://' + location.host + '/lab/echo');
    out.events = { ...out.events, ws: await socket('ws://' + location.host + '/__wslab/events') };
    out.node = await socket('ws://evil.example:' + nodePort + '/lab/chat');
    return out;
  }
`;

describeWithChromium('DNS rebinding: a page on http://evil.example:PORT resolved to 127.0.0.1', () => {
  let t: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    t = await startTestServer();
    // Chromium's Local Network Access checks would also stop a public page from reaching loopback;
    // other browsers (and older Chromium) have none, so wslab must not rely on them: turned off here.
    browser = await chromium.launch({ executablePath: findChromium()!, args: [...CHROMIUM_ARGS, '--host-resolver-rules=MAP evil.example 127.0.0.1', '--disable-features=LocalNetworkAccessChecks,BlockInsecurePrivateNetworkRequests,PrivateNetworkAccessSendPreflights,PrivateNetworkAccessRespectPreflightResults'] });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  test('every request and upgrade it makes is refused with 421 and the reason, and nothing changes on the server', async () => {
    const page = await browser.newPage();
    const origin = `http://evil.example:${t.port}`;
    // the attacker's page, as the attacker's own server would have served it before the rebind
    await page.route(`${origin}/attack`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: `<!doctype html><title>cats</title><script>${ATTACK}</script>` }));
    await page.goto(`${origin}/attack`);
    const before = { history: t.server.bus.headSeq, link: (await (await fetch(`${t.httpUrl}/__wslab/link`)).json()) as { defaults: unknown } };
    const nodePort = t.server.fanout.nodes[0].port;
    const out = (await page.evaluate(`attack(${nodePort})`)) as Record<string, { status?: number; body?: string; opened?: boolean; code?: number }>;

    const reason = `Host "evil.example:${t.port}" is not a name this wslab serves (it answers to 127.0.0.1:${t.port}, localhost:${t.port} and [::1]:${t.port}). A page that reaches this server under another name may be a DNS rebinding attack, so the request is refused. If you meant to use this name, start wslab with --allow-host evil.example.\n`;
    for (const name of ['events', 'connections', 'puppet', 'link', 'reset', 'login']) {
      expect(out[name], name).toMatchObject({ status: 421, body: reason });
    }
    // the upgrades never open (the browser reports 1006: the server answered 421, not 101)
    expect(out.ws).toEqual({ opened: false, code: 1006 });
    expect((out.events as unknown as { ws: unknown }).ws).toEqual({ opened: false, code: 1006 });
    expect(out.node).toEqual({ opened: false, code: 1006 });

    // nothing happened on the server: no puppet, no link change, no lab connection, no login
    expect(await (await fetch(`${t.httpUrl}/__wslab/puppets`)).json()).toEqual([]);
    expect(((await (await fetch(`${t.httpUrl}/__wslab/link`)).json()) as { defaults: unknown }).defaults).toEqual(before.link.defaults);
    expect(t.server.registry.size).toBe(0);
    const since = (await (await fetch(`${t.httpUrl}/__wslab/events?since=${before.history}`)).text()).trim();
    expect(since.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { type: string }).type).filter((type) => type !== 'node' && type !== 'broker')).toEqual([]);

    // control: with --allow-host evil.example the same page is answered, so the browser really
    // reached wslab under that name and the refusals above are the Host rule's
    const allowed = await startTestServer({ allowHosts: ['evil.example'] });
    try {
      const other = await browser.newPage();
      const allowedOrigin = `http://evil.example:${allowed.port}`;
      await other.route(`${allowedOrigin}/attack`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: `<!doctype html><script>${ATTACK}</script>` }));
      await other.goto(`${allowedOrigin}/attack`);
      expect(await other.evaluate(async () => (await fetch('/__wslab/connections')).status)).toBe(200);
      await other.close();
    } finally {
      await allowed.close();
    }
    await page.close();
  });
});
