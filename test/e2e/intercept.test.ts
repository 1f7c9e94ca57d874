// The Intercept panel in Chromium, in front of a real `ws` echo server: a hold rule added with the
// form, a real client's message held, shown on the open page as the server pushes it (no reload,
// no polling), edited in the page and forwarded; a rule added through the API appearing live; a
// message injected to the client from the page, both legs listed with their mode, and the
// connection view saying which leg it shows. Screenshots at 1440x900 and 390x844.
import { expect, test } from 'vitest';
import type { Request } from 'playwright-core';
import type WebSocket from 'ws';
import { describeWithChromium } from '../helpers/chromium.ts';
import { useProxySuite, type ProxySuite } from '../helpers/proxy-suite.ts';

describeWithChromium('/intercept', () => {
  let s: ProxySuite;
  useProxySuite((suite) => (s = suite));
  let client: WebSocket;
  const got: string[] = [];

  test('a held message appears on the open page without a reload, is edited and forwarded, and the list follows; nothing polls', async () => {
    const { page, server } = s;
    const asked: string[] = [];
    const onRequest = (r: Request) => {
      const path = new URL(r.url()).pathname;
      if (path.startsWith('/__wslab/intercept')) asked.push(`${r.method()} ${path}`);
    };
    page.on('request', onRequest);
    await page.goto(`${server.url}/intercept`);
    await page.getByText('No rule: new proxied connections are relayed byte for byte.').waitFor();
    const form = page.getByRole('form', { name: 'New rule' });
    await form.getByLabel('match (regex)').fill('^order');
    await form.getByRole('button', { name: 'Add rule' }).click();
    await expect.poll(() => page.locator('[data-rule="r1"]').textContent()).toContain('hold: client → upstream messages matching /^order/');
    // a pattern RE2 cannot run: the server's sentence, shown
    await form.getByLabel('match (regex)').fill('(?<=a)b');
    await form.getByRole('button', { name: 'Add rule' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('match may not use a lookbehind (?<=…)');

    client = await s.client('/shop');
    client.on('message', (d) => got.push(d.toString()));
    client.send('order 1 apple');
    const held = page.locator('[data-held="h1"]');
    await held.waitFor();
    expect(await held.locator('.icp-held-head').textContent()).toMatch(/^h1 client → upstream on c\d+ · rule r1 · text, 13 bytes$/);
    await expect.poll(() => page.locator('[data-rule="r1"]').textContent()).toContain('1 hit');
    await expect.poll(() => page.locator('.icp-conns tr').count()).toBe(2);
    const modes = await page.locator('.icp-conns tr .icp-mode').allTextContents();
    expect(modes.map((m) => m.replace(/c\d+/, 'cN'))).toEqual(['intercept: client leg (upstream leg cN)', 'intercept: upstream leg (client leg cN)']);
    await s.shot(page, 'intercept-1440', { fullPage: true });
    await held.getByRole('textbox').fill('order 2 apples');
    await held.getByRole('button', { name: 'Forward' }).click();
    await expect.poll(() => got).toEqual(['order 2 apples']);
    await page.getByText('Nothing held.', { exact: false }).waitFor();
    expect(await page.locator('[data-held]').count()).toBe(0);

    // a rule added elsewhere (the API) appears on the open page
    const res = await fetch(`${server.url}/__wslab/intercept`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ dir: 's2c', match: 'never', action: 'drop' }) });
    expect(res.status).toBe(201);
    await expect.poll(() => page.locator('[data-rule="r2"]').textContent()).toContain('drop: upstream → client messages matching /never/');

    // the page asked for the state once, on the live stream; every other request changed something
    page.off('request', onRequest);
    expect(asked.filter((a) => a.startsWith('GET'))).toEqual(['GET /__wslab/intercept/live']);
    expect(asked.filter((a) => !a.startsWith('GET'))).toEqual(['POST /__wslab/intercept', 'POST /__wslab/intercept', 'POST /__wslab/intercept/held/h1']);

    const inject = page.getByRole('form', { name: 'Inject a message' });
    await inject.getByLabel('text').fill('hello from the page');
    await inject.getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => got).toEqual(['order 2 apples', 'hello from the page']);
    await fetch(`${server.url}/__wslab/intercept/r2`, { method: 'DELETE' });
    await expect.poll(() => page.locator('[data-rule="r2"]').count()).toBe(0);
  });

  test('a closed connection leaves the list as it closes', async () => {
    const { page } = s;
    const other = await s.client('/brief');
    await expect.poll(() => page.locator('.icp-conns tr').count()).toBe(4);
    other.close();
    await expect.poll(() => page.locator('.icp-conns tr').count()).toBe(2);
  });

  test('the connection view names the mode and the leg', async () => {
    const { page, server } = s;
    const conn = (await page.locator('.icp-conns tr').first().getAttribute('data-conn'))!;
    await page.goto(`${server.url}/inspect?conn=${conn}`);
    const view = page.locator(`.conn-view[data-conn="${conn}"]`);
    await view.waitFor();
    await expect.poll(() => view.locator('.conn-proxy-mode').textContent()).toMatch(/^intercept mode, client ↔ wslab leg; other leg c\d+ · Intercept$/);
  });

  test('reads on a phone', async () => {
    const phone = await s.browser.newPage({ viewport: { width: 390, height: 844 }, colorScheme: 'light' });
    await phone.goto(`${s.server.url}/intercept`);
    await phone.locator('[data-rule="r1"]').waitFor();
    client.send('order 3 pears');
    await phone.locator('[data-held="h2"]').waitFor();
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBe(0);
    await s.shot(phone, 'intercept-390', { fullPage: true });
    await phone.close();
  });
});
