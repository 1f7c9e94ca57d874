// /inspect and the connection view in Chromium on a connection relayed by `wslab proxy` to an
// independent ws echo server: the frames are listed with the client's masking key, and the
// connection view checks the upstream's accept and follows the close.
import { expect, test } from 'vitest';
import type WebSocket from 'ws';
import { describeWithChromium } from '../helpers/chromium.ts';
import { useProxySuite, type ProxySuite } from '../helpers/proxy-suite.ts';

const MASK = [0x37, 0xfa, 0x21, 0x3d];

describeWithChromium('/inspect on a proxied connection', () => {
  let s: ProxySuite;
  useProxySuite((suite) => (s = suite));
  let client: WebSocket;
  let conn = '';

  const rows = () => s.page.locator('.frame-scroll .frame-row');
  const cellTexts = async (seq: string) => s.page.locator(`.frame-scroll .frame-row[data-seq="${seq}"] [role="gridcell"]`).allTextContents();

  test('the frames of a proxied connection are listed with the client\'s masking key and the upstream\'s echo', async () => {
    const { page, server } = s;
    await page.goto(`${server.url}/inspect`);
    await expect.poll(() => page.locator('.stream-status').textContent()).toBe('event stream: open');
    client = await s.client('/chat', { generateMask: (m: Uint8Array) => m.set(MASK) } as WebSocket.ClientOptions);
    const echoed = new Promise((r) => client.once('message', r));
    client.send('hello upstream');
    await echoed;
    await expect.poll(() => rows().count()).toBe(2);
    const [c2s, s2c] = await rows().evaluateAll((els) => els.map((e) => e.getAttribute('data-seq')!));
    const first = await cellTexts(c2s);
    conn = first[1];
    expect(first.slice(2)).toEqual(['c→s', 'TEXT', '1', '000', '1', '14', '', 'hello upstream']);
    expect((await cellTexts(s2c)).slice(2)).toEqual(['s→c', 'TEXT', '1', '000', '0', '14', '', 'hello upstream']);
    await rows().first().click();
    await page.locator('.frame-detail').waitFor();
    expect(await page.locator('.frame-detail .mask-hex').textContent()).toBe('37 fa 21 3d');
    await s.shot(page, 'proxy-inspect-1440');
  });

  test('the connection view checks the upstream\'s accept and follows the close', async () => {
    const { page, server, browser, up } = s;
    await page.goto(`${server.url}/inspect?conn=${conn}`);
    const view = page.locator(`.conn-view[data-conn="${conn}"]`);
    await view.waitFor();
    expect(await view.locator('.accept-check').getAttribute('class')).toBe('accept-check ok');
    expect(await view.locator('.conn-proxy code').textContent()).toBe(`ws://127.0.0.1:${up.port}/app/chat`);
    expect(await view.locator('.conn-proxy-mode').textContent()).toBe('relay mode: bytes unchanged · Intercept');
    await expect.poll(() => view.locator('.timeline-server .state-path').textContent()).toBe('0 → 1');
    const closed = new Promise((r) => client.once('close', r));
    client.close(1000, 'done');
    await closed;
    await expect.poll(() => view.locator('.timeline-server .state-path').textContent()).toBe('0 → 1 → 2 → 3');
    expect(await view.locator('.close-summary').textContent()).toContain('1000 Normal Closure · reason done · the client closed first · clean (close frames both ways)');
    await s.shot(page, 'proxy-connection-1440');
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, colorScheme: 'light' });
    await phone.goto(`${server.url}/inspect?conn=${conn}`);
    await phone.locator(`.conn-view[data-conn="${conn}"]`).waitFor();
    await s.shot(phone, 'proxy-connection-390');
    await phone.goto(`${server.url}/inspect`);
    await expect.poll(() => phone.locator('.frame-scroll .frame-row').count()).toBeGreaterThanOrEqual(2);
    await s.shot(phone, 'proxy-inspect-390');
    await phone.close();
  });

  test('the playground connected to a proxied path on this server draws it in the sequence diagram', async () => {
    const { page, server, up } = s;
    await page.goto(`${server.url}/playground`);
    await page.getByLabel('URL', { exact: true }).fill(`${server.url.replace('http', 'ws')}/room`);
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await expect.poll(() => page.getByTestId('ready-state').textContent()).toBe('1');
    await page.getByLabel('Text to send').fill('drawn');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    const svg = page.locator('[data-testid="sequence-diagram"] svg').first();
    await expect.poll(() => page.locator('[data-testid="sequence-diagram"] text.messageText').count(), { timeout: 10_000 }).toBe(4);
    expect(await svg.locator('text.messageText').nth(3).locator('title').textContent()).toBe('TEXT [5 B] "drawn"');
    // the playground marks its own sockets with ?session= to find them in the stream; the query goes upstream as typed
    expect(up.conns.at(-1)!.c2s[0].toString('latin1').split('\r\n')[0]).toMatch(/^GET \/app\/room\?session=pg-[\w-]+ HTTP\/1\.1$/);
    await s.shot(page, 'proxy-playground-1440');
  });
});
