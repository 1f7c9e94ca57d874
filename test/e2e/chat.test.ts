// The chat / fan-out lab in Chromium against the real server (in-process, 2 embedded nodes): two
// pages, each a different user, connect through the balancer and land on different nodes; both
// join #lobby; A's "hello lobby" shows on B with A's name and A's node, and the server's event
// stream has its hops publish → broker → deliver; the live diagram has both nodes, the broker and
// the PUBLISH arrow; a connect without a token is closed 1008 with its reason. Screenshots of
// both pages, light and dark, at 1280×720.
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { WslabServer } from '../../server/app.ts';
import type { EventOf, WslabEvent } from '../../server/core/events/schema.ts';
import { describeWithChromium, screenshot } from '../helpers/chromium.ts';
import { useBrowserSuite } from '../helpers/browser-suite.ts';

describeWithChromium('chat / fan-out lab in Chromium', () => {
  let server: WslabServer;
  let context: BrowserContext;
  let pageA: Page;
  let pageB: Page;
  const events: WslabEvent[] = [];
  let stop: () => void = () => {};

  let browser: Browser;
  useBrowserSuite((s) => ({ server, browser } = s));
  // pages A and B (and the later tests' pages) share one browser context, as two tabs would
  beforeAll(async () => {
    stop = server.bus.subscribe((e) => events.push(e));
    context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    pageA = await context.newPage();
    pageB = await context.newPage();
  });
  afterAll(() => stop());

  const client = (page: Page, name: 'A' | 'B') => page.getByTestId(`chat-client-${name}`);

  /** The top of the page in light and dark, and the whole page in light. */
  async function shoot(page: Page, name: string): Promise<void> {
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.emulateMedia({ colorScheme: 'light' });
    await screenshot(page, `${name}-light`);
    await screenshot(page, `${name}-full-light`, { fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.waitForTimeout(150);
    await screenshot(page, `${name}-dark`);
    await screenshot(page, `${name}-full-dark`, { fullPage: true });
    await page.emulateMedia({ colorScheme: 'light' });
  }

  test('two users on two nodes: hello lobby crosses the broker, and the diagram shows it', async () => {
    await pageA.goto(`${server.url}/labs/chat`);
    await pageB.goto(`${server.url}/labs/chat`);
    for (const p of [pageA, pageB]) await expect.poll(() => p.locator('h1').textContent()).toBe('Chat, fan-out and scale');

    // page A: client A as ada, token in the query; page B: client B as bob, token in Sec-WebSocket-Protocol
    const a = client(pageA, 'A');
    await a.getByLabel('User').fill('ada');
    await a.getByLabel('via', { exact: true }).selectOption('query');
    await a.getByRole('button', { name: 'Login' }).click();
    await expect.poll(() => a.locator('.chat-token').textContent()).toMatch(/^JWT …[\w-]{6}$/);
    expect(await a.locator('.chat-token').getAttribute('title')).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+\nfor ada, valid until /);
    await a.getByRole('button', { name: 'Connect' }).click();
    await expect.poll(() => pageA.getByTestId('chat-status-A').textContent()).toBe('open');
    const nodeA = (await pageA.getByTestId('chat-node-A').textContent())!;

    const b = client(pageB, 'B');
    await b.getByLabel('User').fill('bob');
    await b.getByLabel('via', { exact: true }).selectOption('subprotocol');
    await b.getByRole('button', { name: 'Login' }).click();
    await b.getByRole('button', { name: 'Connect' }).click();
    await expect.poll(() => pageB.getByTestId('chat-status-B').textContent()).toBe('open');
    const nodeB = (await pageB.getByTestId('chat-node-B').textContent())!;

    expect(new Set([nodeA, nodeB])).toEqual(new Set(['n1', 'n2']));
    expect(nodeA).not.toBe(nodeB);
    // how each was signed in, as the server says it
    await expect.poll(() => a.getByTestId('chat-feed-A').textContent()).toContain(`authenticated as ada via handshake (query), on node ${nodeA}`);
    await expect.poll(() => b.getByTestId('chat-feed-B').textContent()).toContain(`authenticated as bob via handshake (subprotocol), on node ${nodeB}`);
    // the event stream agrees: each connection's local port is its node's
    await expect.poll(() => a.locator('.chat-landed').textContent()).toMatch(new RegExp(`port \\d+ = ${nodeA}$`));

    // both join #lobby (the room field says lobby by default)
    for (const c of [a, b]) await c.getByRole('button', { name: 'Join', exact: true }).click();
    await expect.poll(() => pageA.getByTestId('chat-presence-A').textContent()).toBe('#lobby: ada, bob');
    await expect.poll(() => pageB.getByTestId('chat-presence-B').textContent()).toBe('#lobby: ada, bob');

    await a.getByLabel('Text').fill('hello lobby');
    await a.getByRole('button', { name: 'Send to lobby' }).click();
    const line = b.locator('.chat-item.chat-chat', { hasText: 'hello lobby' });
    await line.waitFor();
    expect(await line.locator('.chat-from').textContent()).toBe('ada');
    expect(await line.locator('.chat-where').textContent()).toBe('#lobby');
    expect(await line.locator('.chat-via').textContent()).toBe(`via ${nodeB}, published on ${nodeA}`);

    // the server's own record of that message: published on A's node, through the broker, delivered on B's
    const published = events.find((e): e is EventOf<'fanout'> => e.type === 'fanout' && e.hop === 'publish' && e.kind === 'chat' && e.from === 'ada');
    expect(published?.node).toBe(nodeA);
    const hops = events.filter((e): e is EventOf<'fanout'> => e.type === 'fanout' && e.msgId === published!.msgId).map((e) => `${e.hop}@${e.node}`);
    expect(hops).toEqual([`publish@${nodeA}`, `deliver@${nodeA}`, `broker@${nodeB}`, `deliver@${nodeB}`]);

    // page A's diagram: A's frame to its node, PUBLISH to the broker, the broker to the other node
    const svgText = () => pageA.getByTestId('sequence-diagram').locator('svg').textContent();
    await expect.poll(svgText, { timeout: 10_000 }).toContain('PUBLISH chat room:lobby');
    const text = (await svgText())!;
    for (const part of ['Node n1', 'Node n2', 'Broker', `PUBLISH chat room:lobby ${published!.msgId}`]) expect(text).toContain(part);
    expect(text).not.toContain('Server'); // each client is drawn against its own node, not a generic server

    // an error envelope for malformed input, and the socket stays open
    await a.getByRole('button', { name: 'invalid JSON' }).click();
    await expect.poll(() => a.locator('.chat-item.chat-error').first().textContent()).toBe('error bad_json: message is not valid JSON (ref none)');
    expect(await pageA.getByTestId('chat-status-A').textContent()).toBe('open');

    await pageA.getByTestId('sequence-diagram').scrollIntoViewIfNeeded();
    await shoot(pageA, 'labs-chat-a');
    await shoot(pageB, 'labs-chat-b');
  });

  test('a connect with no token is closed 1008 with the server’s reason', async () => {
    const c = client(pageB, 'A');
    await c.getByLabel('via', { exact: true }).selectOption('none');
    await c.getByRole('button', { name: 'Connect' }).click();
    await expect.poll(() => pageB.getByTestId('chat-status-A').textContent()).toBe('open');
    const close = c.getByTestId('chat-close');
    await close.waitFor({ timeout: 9000 });
    expect(await close.textContent()).toBe(
      'closed 1008: authentication required: no auth message within 5000 ms — policy violation: no token, or the first message was not auth',
    );
    expect(await pageB.getByTestId('chat-status-A').textContent()).toBe('closed');
    expect(events.some((e) => e.type === 'error' && e.source === 'lab' && /no auth message within 5000 ms \(close 1008\)/.test(e.message))).toBe(true);
  });

  test('one page, both clients: an offline DM is delivered once and acked; pub/sub loses what Streams keeps', async () => {
    // the first two pages leave: their users leave #lobby with them
    await pageA.close();
    await pageB.close();
    const page = await context.newPage();
    await page.goto(`${server.url}/labs/chat`);
    const a = client(page, 'A');
    const b = client(page, 'B');
    await a.getByLabel('User').fill('cy');
    await b.getByLabel('User').fill('dee');
    await a.getByLabel('Text').fill('hi');
    await b.getByLabel('DM to').fill('cy');
    // Connect logs in first when there is no token yet
    await a.getByRole('button', { name: 'Connect' }).click();
    await expect.poll(() => page.getByTestId('chat-status-A').textContent()).toBe('open');
    await b.getByRole('button', { name: 'Connect' }).click();
    await expect.poll(() => page.getByTestId('chat-status-B').textContent()).toBe('open');
    const nodeA = await page.getByTestId('chat-node-A').textContent();
    const nodeB = await page.getByTestId('chat-node-B').textContent();
    expect(nodeA).not.toBe(nodeB);
    for (const c of [a, b]) await c.getByRole('button', { name: 'Join', exact: true }).click();
    await expect.poll(() => page.getByTestId('chat-presence-B').textContent()).toBe('#lobby: cy, dee');

    // the registry and the broker's presence list both clients, each on its node
    const presence = page.getByTestId('chat-presence-table');
    await expect.poll(() => presence.locator('tr.chat-mine').count()).toBe(2);
    expect((await presence.locator('tr.chat-mine td:nth-child(4)').allTextContents()).sort()).toEqual([nodeA, nodeB].sort());

    // offline: disconnect B, A DMs dee (queued), B comes back and gets it once
    const offline = page.getByTestId('chat-offline');
    await page.getByRole('button', { name: '1. Disconnect B' }).click();
    await expect.poll(() => page.getByTestId('chat-status-B').textContent()).toBe('closed');
    await page.getByRole('button', { name: '2. A DMs dee' }).click();
    await expect.poll(() => a.getByTestId('chat-feed-A').textContent()).toContain('queued: the user is offline');
    await expect.poll(() => offline.textContent()).toContain('Waiting in dee’s queue: 1');
    await page.getByRole('button', { name: '3. Reconnect B' }).click();
    await expect.poll(() => offline.textContent()).toContain('B got from the queue: 1 · copies dropped by id: 0');
    await expect.poll(() => offline.textContent(), { timeout: 5000 }).toContain('Waiting in dee’s queue: 0');
    expect(await b.locator('.chat-item.chat-dm').count()).toBe(1);
    expect(await b.locator('.chat-item.chat-dm .chat-via').textContent()).toMatch(/, from the offline queue$/);
    await expect.poll(() => events.some((e) => e.type === 'fanout' && e.hop === 'ack' && e.to === 'dee')).toBe(true);
    // round robin over two nodes: the reconnect put B on A's node; the panel offers to move it
    expect(await page.getByTestId('chat-node-B').textContent()).toBe(nodeA);
    await page.getByRole('button', { name: 'Reconnect B to another node' }).click();
    await expect.poll(() => page.getByTestId('chat-node-B').textContent()).toBe(nodeB);
    expect(await b.locator('.chat-item.chat-dm').count()).toBe(1); // the acked DM does not come again

    // delivery guarantees: 30 messages with B's node paused for ten of them, in pub/sub and then in Streams.
    // A run's row appears when the run has settled (chat/run.ts): every message acknowledged, and
    // each one either received by B or reported lost by B's node; waiting for the row is waiting for that.
    const run = page.getByRole('button', { name: /^A sends 30; pause/ });
    const runs = page.getByTestId('chat-runs');
    await run.click();
    await expect.poll(() => runs.locator('tbody tr').count(), { timeout: 45_000 }).toBe(1);
    expect(await runs.locator('tbody tr').nth(0).getAttribute('data-unaccounted')).toBe('0');
    const [, mode1, sent1, got1, lost1] = await runs.locator('tbody tr').nth(0).locator('td').allTextContents();
    expect([mode1, sent1]).toEqual(['pubsub', '30']);
    expect(Number(lost1)).toBeGreaterThan(0);
    expect(Number(got1) + Number(lost1)).toBe(30);

    await page.getByRole('radio', { name: /Streams/ }).check();
    await expect.poll(() => page.getByTestId('chat-mode').textContent()).toBe('streams');
    await run.click();
    await expect.poll(() => runs.locator('tbody tr').count(), { timeout: 45_000 }).toBe(2);
    expect(await runs.locator('tbody tr').nth(1).getAttribute('data-unaccounted')).toBe('0');
    expect(await runs.locator('tbody tr').nth(1).locator('td').allTextContents()).toEqual(['2', 'streams', '30', '30', '0']);

    await shoot(page, 'labs-chat-both');
    await page.getByRole('radio', { name: /pub\/sub/ }).check();
    await page.close();
    // two runs of 30 paced messages each, on two shared cores: more than the default minute
  }, 150_000);

  test('crash a node: its sockets vanish without close frames and leave the registry, their presence rows outlive them; start brings the node back', async () => {
    const page = await context.newPage();
    await page.goto(`${server.url}/labs/chat`);
    const a = client(page, 'A');
    const b = client(page, 'B');
    await a.getByLabel('User').fill('eve');
    await b.getByLabel('User').fill('fay');
    for (const [c, name] of [[a, 'A'], [b, 'B']] as const) {
      await c.getByRole('button', { name: 'Connect' }).click();
      await expect.poll(() => page.getByTestId(`chat-status-${name}`).textContent()).toBe('open');
      await c.getByRole('button', { name: 'Join', exact: true }).click();
    }
    if ((await page.getByTestId('chat-node-A').textContent()) === (await page.getByTestId('chat-node-B').textContent())) {
      await page.getByRole('button', { name: 'Reconnect B to another node' }).click();
    }
    const nodeB = (await page.getByTestId('chat-node-B').textContent())!;
    await expect.poll(() => page.getByTestId('chat-presence-table').locator('tr.chat-mine').count()).toBe(2);
    const connB = /^(c\d+)/.exec((await page.getByTestId('chat-presence-table').locator('tr.chat-mine', { hasText: '(B)' }).locator('td').first().textContent())!)![1];

    await page.getByTestId('chat-crash').getByRole('button', { name: `Crash ${nodeB}` }).click();
    await expect.poll(() => page.getByTestId('chat-status-B').textContent()).toBe('closed');
    await expect.poll(() => page.getByTestId('chat-crash').textContent()).toContain(`${nodeB} down`);
    // the socket is gone from the process that held it; the broker's row describing it lingers
    const closes = events.filter((e): e is EventOf<'close'> => e.type === 'close' && e.conn === connB);
    expect(closes.map((e) => e.clean)).toEqual([false]);
    await expect.poll(async () => (await page.locator('table.chat-table').nth(1).textContent()) ?? '').not.toContain(`${connB} (B)`);
    expect(await page.getByTestId('chat-presence-table').textContent()).toContain(`${connB} (B)`);
    await shoot(page, 'labs-chat-crash');

    await page.getByTestId('chat-crash').getByRole('button', { name: `Start ${nodeB}` }).click();
    await expect.poll(() => page.getByTestId('chat-crash').textContent()).toContain(`${nodeB} running`);
    await page.close();
  });
});
