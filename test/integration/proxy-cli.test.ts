// `wslab proxy` as users run it (node bin/wslab.js proxy …), and `wslab watch` following it.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { ROOT } from '../../server/paths.ts';
import { openClient, shut } from '../helpers/server.ts';
import { selfSignedCert, wsUpstream, type Upstream } from '../helpers/upstreams.ts';

const BIN = join(ROOT, 'bin', 'wslab.js');

class Child {
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;
  constructor(readonly proc: ChildProcess) {
    proc.stdout!.on('data', (d: Buffer) => (this.stdout += d));
    proc.stderr!.on('data', (d: Buffer) => (this.stderr += d));
    this.exited = new Promise((resolve) => proc.on('exit', (code) => resolve(code)));
  }
  async waitFor(re: RegExp, where: 'stdout' | 'stderr' = 'stdout', timeoutMs = 30_000): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = re.exec(this[where]);
      if (m) return m;
      if (Date.now() > deadline || this.proc.exitCode !== null) throw new Error(`${where} never matched ${re}. stdout:\n${this.stdout}\nstderr:\n${this.stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

const children: Child[] = [];
const upstreams: Upstream[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) {
    if (c.proc.exitCode === null && c.proc.signalCode === null) {
      c.proc.kill('SIGKILL');
      await c.exited;
    }
  }
  for (const u of upstreams.splice(0)) await u.close();
});

function start(args: string[]): Child {
  const c = new Child(spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } }));
  children.push(c);
  return c;
}

describe('wslab proxy', () => {
  test('--help and the README synopsis list the same proxy flags', async () => {
    const help = start(['--help']);
    expect(await help.exited).toBe(0);
    const flags = (text: string) => (/^\s*wslab proxy [^\n]*\n(\s+\[[^\n]*\n)*/m.exec(text)?.[0].match(/--[a-z-]+/g) ?? []);
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(flags(help.stdout)).toEqual(['--port', '--host', '--insecure', '--header', '--origin', '--heartbeat', '--allow-origin', '--allow-host']);
    expect(flags(/## The CLI\n\n```\n([\s\S]*?)```/.exec(readme)![1])).toEqual(flags(help.stdout));
  });

  test('refuses a missing or non-WebSocket target with exit 2 and a sentence', async () => {
    const none = start(['proxy']);
    expect(await none.exited).toBe(2);
    expect(none.stderr).toBe('wslab proxy: give exactly one upstream: wslab proxy ws://HOST:PORT[/PATH] (or wss://…)\n');
    const http = start(['proxy', 'http://example.com']);
    expect(await http.exited).toBe(2);
    expect(http.stderr).toBe('wslab proxy: the upstream must be a ws:// or wss:// URL, got http://\n');
  });

  test('prints where it listens and what it proxies where, relays, and wslab watch shows the proxied connection', async () => {
    const up = await wsUpstream();
    upstreams.push(up);
    const proxy = start(['proxy', `ws://127.0.0.1:${up.port}/app`, '--port', '0']);
    const [, url] = await proxy.waitFor(/^wslab listening on (http:\/\/127\.0\.0\.1:\d+)\n/);
    const [line] = await proxy.waitFor(/^wslab proxies .*\n/m);
    expect(line).toBe(`wslab proxies WebSocket upgrades on every path except /__wslab/ and /lab/ to ws://127.0.0.1:${up.port}/app: connect your client to ${url.replace('http', 'ws')}/PATH\n`);
    // --since 0: the history from the start, so the order in which watch and the client connect does not matter
    const watch = start(['watch', url, '--types', 'conn.open,close', '--since', '0']);
    const ws = await openClient(`${url.replace('http', 'ws')}/live?x=1`, { perMessageDeflate: false });
    const echo = new Promise((resolve) => ws.once('message', (d) => resolve(d.toString())));
    ws.send('through the CLI');
    expect(await echo).toBe('through the CLI');
    await shut(ws);
    await watch.waitFor(new RegExp(`open /live\\?x=1 from 127\\.0\\.0\\.1:\\d+ \\(external\\) proxied to ws://127\\.0\\.0\\.1:${up.port}/app/live\\?x=1`));
    proxy.proc.kill('SIGTERM');
    expect(await proxy.exited).toBe(0);
  }, 60_000);

  test('--insecure says on screen that the upstream\'s certificate is not verified', async () => {
    const up = await wsUpstream({ tls: selfSignedCert() });
    upstreams.push(up);
    const proxy = start(['proxy', `wss://127.0.0.1:${up.port}`, '--port', '0', '--insecure']);
    const [, url] = await proxy.waitFor(/^wslab listening on (http:\/\/127\.0\.0\.1:\d+)\n/);
    await proxy.waitFor(/to wss:\/\/127\.0\.0\.1:\d+\/ \(TLS certificate NOT verified: --insecure\)/);
    await proxy.waitFor(/--insecure: the upstream's TLS certificate is NOT verified/, 'stderr');
    const ws = await openClient(`${url.replace('http', 'ws')}/`);
    const echo = new Promise((resolve) => ws.once('message', (d) => resolve(d.toString())));
    ws.send('tls');
    expect(await echo).toBe('tls');
    await shut(ws);
  }, 60_000);
});
