// The `wslab` command as users run it: `node bin/wslab.js ...` in a child process.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { ROOT } from '../../server/paths.ts';
import { parseEvent, type WslabEvent } from '../../server/core/events/schema.ts';
import { startWslab } from '../../server/app.ts';
import { openClient, shut, startTestServer, type TestServer } from '../helpers/server.ts';
import { qrText } from '../../server/workshop/qr.ts';
import { runWslab, WSLAB_BIN as BIN, type CliRun as Run } from '../helpers/cli.ts';

// Ceilings, not budgets: a Node start on two shared cores under load can take many seconds.
function run(args: string[], input?: string, timeoutMs = 45_000): Promise<Run> {
  return runWslab(args, { input, timeoutMs });
}

/** A long-running wslab child; lines of stdout are collected as they come. */
class Child {
  readonly lines: string[] = [];
  stderr = '';
  private partial = '';
  readonly exited: Promise<number | null>;
  constructor(readonly proc: ChildProcess) {
    proc.stdout!.on('data', (d: Buffer) => {
      const text = this.partial + d.toString();
      const parts = text.split('\n');
      this.partial = parts.pop()!;
      this.lines.push(...parts);
    });
    proc.stderr!.on('data', (d: Buffer) => (this.stderr += d));
    this.exited = new Promise((resolve) => proc.on('exit', (code) => resolve(code)));
  }
  async waitForLine(pred: (line: string) => boolean, timeoutMs: number, what: string): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = this.lines.find(pred);
      if (line !== undefined) return line;
      if (Date.now() > deadline || this.proc.exitCode !== null) {
        throw new Error(`no ${what} within ${timeoutMs} ms. stdout:\n${this.lines.slice(-20).join('\n')}\nstderr:\n${this.stderr}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  async waitForStderr(re: RegExp, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!re.test(this.stderr)) {
      if (Date.now() > deadline || this.proc.exitCode !== null) throw new Error(`stderr never matched ${re}: ${this.stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

const children: Child[] = [];
const servers: TestServer[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) {
    if (c.proc.exitCode === null && c.proc.signalCode === null) {
      c.proc.kill('SIGKILL');
      await c.exited;
    }
  }
  for (const s of servers.splice(0)) await s.close();
});

function start(args: string[]): Child {
  const c = new Child(spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } }));
  children.push(c);
  return c;
}

describe('wslab accept', () => {
  test('prints the RFC 6455 sample accept value', async () => {
    const r = await run(['accept', 'dGhlIHNhbXBsZSBub25jZQ==']);
    expect(r).toEqual({ code: 0, stdout: 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=\n', stderr: '' });
  });

  test('a key that is not base64 of 16 bytes: a warning naming RFC 6455 §4.1 on stderr, the value still printed', async () => {
    const rfc = 'RFC 6455 §4.1 requires Sec-WebSocket-Key to be a base64 value that decodes to 16 bytes (24 characters ending in ==); a conforming server refuses this handshake with 400. The value below is computed anyway.';
    const short = await run(['accept', 'c2hvcnQ=']);
    expect(short).toEqual({ code: 0, stdout: '5mxwMKXNI9akKyJbT9Ot03A9YWg=\n', stderr: `wslab accept: warning: "c2hvcnQ=" decodes to 5 bytes, not 16. ${rfc}\n` });
    const notBase64 = await run(['accept', 'just-a-word!']);
    expect(notBase64.code).toBe(0);
    expect(notBase64.stderr).toBe(`wslab accept: warning: "just-a-word!" is not base64. ${rfc}\n`);
    expect(notBase64.stdout).toMatch(/^[A-Za-z0-9+/]{27}=\n$/);
  });

  test('without a key it exits 2 with usage', async () => {
    const r = await run(['accept']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/usage: wslab accept KEY/);
  });
});

describe('wslab decode', () => {
  test('decode --hex "81 05 48 65 6c 6c 6f" prints exactly the frame object and exits 0', async () => {
    const r = await run(['decode', '--hex', '81 05 48 65 6c 6c 6f']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe('');
    expect(JSON.parse(lines[0])).toEqual({
      offset: 0,
      fin: true,
      rsv1: false,
      rsv2: false,
      rsv3: false,
      opcode: 1,
      opcodeName: 'TEXT',
      masked: false,
      maskingKey: null,
      payloadLength: 5,
      headerLength: 2,
      payloadHex: '48656c6c6f',
      text: 'Hello',
      closeCode: null,
      closeReason: null,
    });
  });

  test('a masked client frame and a close frame: one NDJSON line each', async () => {
    const r = await run(['decode', '--direction', 'client', '--hex', '81 85 37 fa 21 3d 7f 9f 4d 51 58 88 82 11 22 33 44 12 ca']);
    expect(r.code).toBe(0);
    const [hello, close, end] = r.stdout.split('\n');
    expect(end).toBe('');
    expect(JSON.parse(hello)).toMatchObject({ offset: 0, masked: true, maskingKey: '37fa213d', payloadLength: 5, headerLength: 6, text: 'Hello', payloadHex: '48656c6c6f' });
    expect(JSON.parse(close)).toMatchObject({ offset: 11, opcode: 8, opcodeName: 'CLOSE', closeCode: 1000, closeReason: '', text: null, masked: true });
  });

  test('bytes that break RFC 6455 exit 1 with the violation object', async () => {
    const r = await run(['decode', '--direction', 'client', '--hex', '81 05 48 65 6c 6c 6f']);
    expect(r.code).toBe(1);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    const { violation } = JSON.parse(lines[0]);
    expect(violation).toMatchObject({ closeCode: 1002, offset: 1 });
    expect(violation.reason).toMatch(/mask/i);
  });

  test('bytes that end inside a frame exit 1 with the incomplete object', async () => {
    const r = await run(['decode', '--hex', '81 05 48 65 6c']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('{"incomplete":{"offset":0,"needed":2}}\n');
  });

  test('--file reads raw bytes and - reads hex from stdin', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wslab-cli-'));
    try {
      const file = join(dir, 'frames.bin');
      writeFileSync(file, Buffer.from('810548656c6c6f8a00', 'hex'));
      const r = await run(['decode', '--file', file]);
      expect(r.code).toBe(0);
      const lines = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
      expect(lines.map((l) => [l.offset, l.opcodeName])).toEqual([
        [0, 'TEXT'],
        [7, 'PONG'],
      ]);
      const s = await run(['decode', '-'], '81 05 48 65 6c 6c 6f\n');
      expect(s.code).toBe(0);
      expect(JSON.parse(s.stdout).text).toBe('Hello');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('bad arguments exit 2 with a usage message', async () => {
    const cases: string[][] = [
      ['decode'],
      ['decode', '--hex', '81 00', '--file', 'x.bin'],
      ['decode', '--hex', 'zz'],
      ['decode', '--hex', '81 00', '--direction', 'sideways'],
      ['decode', '--hex', '81 00', '--max-payload', 'lots'],
      ['decode', '--file', '/nonexistent/wslab.bin'],
      ['decode', '--nonsense'],
      ['frobnicate'],
      ['start', '--port', '70000'],
      ['start', '--bogus'],
      ['start', '--heartbeat', '10'],
    ];
    // three processes at a time: each is a whole Node start, and two shared cores are not twelve
    const results: Run[] = [];
    for (let i = 0; i < cases.length; i += 3) results.push(...(await Promise.all(cases.slice(i, i + 3).map((args) => run(args, undefined, 60_000)))));
    results.forEach((r, i) => {
      expect(r.code, cases[i].join(' ')).toBe(2);
      expect(r.stderr.length, cases[i].join(' ')).toBeGreaterThan(0);
    });
  }, 180_000);
});

describe('wslab --help', () => {
  test('documents start, decode, accept and watch', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    for (const word of ['wslab start', 'wslab decode', 'wslab accept', 'wslab watch', '--port', '--host', '--workshop', '--hex', '--direction', '--json']) {
      expect(r.stdout).toContain(word);
    }
  });

  test("the README's CLI synopsis lists exactly the flags of --help's, command by command", async () => {
    const r = await run(['--help']);
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const block = /## The CLI\n\n```\n([\s\S]*?)```/.exec(readme)![1];
    /** command → the --flags of its synopsis (a synopsis runs until the next "wslab " line or an indented description) */
    const synopses = (text: string) => {
      const out = new Map<string, string[]>();
      let current: string | null = null;
      for (const line of text.split('\n')) {
        const m = /^\s*wslab (\w+)/.exec(line);
        if (m) current = m[1];
        else if (!/^\s+\[/.test(line)) current = null;
        if (current) out.set(current, [...(out.get(current) ?? []), ...(line.match(/--[a-z-]+/g) ?? [])]);
      }
      return out;
    };
    const help = synopses(r.stdout);
    const doc = synopses(block);
    for (const command of ['start', 'decode', 'accept', 'watch', 'conform']) expect(doc.get(command), command).toEqual(help.get(command));
    expect(help.get('conform')).toEqual(['--cases', '--json', '--out', '--agent', '--time-scale', '--scale', '--serve', '--port', '--host', '--cases', '--out', '--time-scale', '--scale', '--allow-origin']);
    expect(help.get('start')).toContain('--workshop');
  });
});

describe('wslab start', () => {
  test('start --port 0 prints "wslab listening on http://127.0.0.1:PORT" and serves pages and labs', async () => {
    const c = start(['start', '--port', '0']);
    // generous: the first start after a source change builds the web app
    const line = await c.waitForLine((l) => l.startsWith('wslab listening on '), 90_000, 'listening line');
    const m = /^wslab listening on http:\/\/127\.0\.0\.1:(\d+)$/.exec(line);
    expect(m, line).not.toBeNull();
    const port = Number(m![1]);
    expect(port).toBeGreaterThan(0);

    const health = await fetch(`http://127.0.0.1:${port}/__wslab/health`);
    expect(health.status).toBe(200);
    const ws = await openClient(`ws://127.0.0.1:${port}/lab/echo`);
    const echoed = await new Promise<string>((r) => {
      ws.once('message', (d) => r(d.toString()));
      ws.send('from the test');
    });
    expect(echoed).toBe('from the test');
    await shut(ws);

    c.proc.kill('SIGTERM');
    expect(await c.exited).toBe(0);
  }, 120_000);
});

describe('wslab start --workshop', () => {
  test('prints the presenter URL with a random key once, the --host hint, and the key works', async () => {
    const c = start(['start', '--port', '0', '--workshop']);
    const line = await c.waitForLine((l) => l.startsWith('wslab listening on '), 90_000, 'listening line');
    const port = Number(/:(\d+)$/.exec(line)![1]);
    const presenter = await c.waitForLine((l) => l.startsWith('workshop presenter'), 30_000, 'presenter line');
    const m = /^workshop presenter \(keep this URL to yourself: it holds the presenter key\): http:\/\/127\.0\.0\.1:(\d+)\/workshop\?key=([A-Za-z0-9_-]{24})$/.exec(presenter);
    expect(m, presenter).not.toBeNull();
    expect(Number(m![1])).toBe(port);
    const key = m![2];
    await c.waitForStderr(/workshop: the server listens on 127\.0\.0\.1 only \(the safe default\), so only this machine can join\. Participants on your network need --host 0\.0\.0\.0: wslab start --workshop --host 0\.0\.0\.0/, 30_000);
    expect(c.lines.filter((l) => l.includes(key))).toEqual([presenter]);
    expect(c.stderr).not.toContain(key);

    const ok = await fetch(`http://127.0.0.1:${port}/__wslab/workshop/presenter`, { headers: { Authorization: `Bearer ${key}` } });
    expect(ok.status).toBe(200);
    const wrong = await fetch(`http://127.0.0.1:${port}/__wslab/workshop/presenter`, { headers: { Authorization: 'Bearer not-the-key' } });
    expect(wrong.status).toBe(403);
    const page = await fetch(`http://127.0.0.1:${port}/workshop`);
    expect(page.status).toBe(200);
    expect(await page.text()).not.toContain(key);

    c.proc.kill('SIGTERM');
    expect(await c.exited).toBe(0);
  }, 120_000);

  test('with --host 0.0.0.0 it prints the URLs participants open, one per network address', async () => {
    const c = start(['start', '--port', '0', '--workshop', '--host', '0.0.0.0']);
    const line = await c.waitForLine((l) => l.startsWith('wslab listening on '), 90_000, 'listening line');
    const port = Number(/:(\d+)$/.exec(line)![1]);
    await c.waitForLine((l) => l.startsWith('workshop presenter'), 30_000, 'presenter line');
    const addresses = [...new Set(Object.values(networkInterfaces()).flat().filter((a) => a && a.family === 'IPv4' && !a.internal).map((a) => a!.address))];
    if (addresses.length) {
      const join = await c.waitForLine((l) => l.startsWith('workshop participants open: '), 30_000, 'participants line');
      expect(join).toBe(`workshop participants open: ${addresses.map((a) => `http://${a}:${port}/workshop`).join('  or  ')}`);
      // then the first of them as a QR code: the lines qrText draws for it, right after
      const qr = qrText(`http://${addresses[0]}:${port}/workshop`).split('\n');
      await c.waitForLine((l) => l === qr.at(-1), 10_000, 'the QR code\'s last line');
      const at = c.lines.indexOf(join);
      expect(c.lines.slice(at + 1, at + 1 + qr.length)).toEqual(qr);
      expect(qr.length).toBeGreaterThan(10);
    }
    c.proc.kill('SIGTERM');
    expect(await c.exited).toBe(0);
    expect(c.stderr).not.toMatch(/only this machine can join/);
  }, 120_000);
});

describe('wslab watch', () => {
  async function watchServer(args: string[]): Promise<{ t: TestServer; c: Child }> {
    const t = await startTestServer();
    servers.push(t);
    const c = start(['watch', t.httpUrl, ...args]);
    await c.waitForStderr(/following ws:\/\/127\.0\.0\.1:\d+\/__wslab\/events/, 20_000);
    return { t, c };
  }

  async function conversation(t: TestServer, text: string): Promise<void> {
    const ws = await openClient(t.wsUrl('/lab/echo'));
    await new Promise<void>((r) => {
      ws.once('message', () => r());
      ws.send(text);
    });
    await shut(ws);
  }

  test('watch URL --json prints the events of a running server as NDJSON, each valid', async () => {
    const { t, c } = await watchServer(['--json']);
    await conversation(t, 'watched');
    await c.waitForLine((l) => l.includes('"type":"close"'), 30_000, 'close event');
    const events: WslabEvent[] = c.lines.map((l) => {
      const r = parseEvent(JSON.parse(l));
      if (!r.ok) throw new Error(r.error);
      return r.event;
    });
    const types = events.map((e) => e.type);
    for (const type of ['conn.open', 'handshake', 'frame', 'message', 'state', 'close']) expect(types).toContain(type);
    expect(events.find((e) => e.type === 'message' && e.dir === 'c2s')).toMatchObject({ text: 'watched' });
    for (let i = 1; i < events.length; i++) expect(events[i].seq).toBeGreaterThan(events[i - 1].seq);

    c.proc.kill('SIGINT');
    expect(await c.exited).toBe(0);
  });

  test('watch without --json prints one readable line per event, control characters escaped', async () => {
    const { t, c } = await watchServer(['--types', 'message']);
    await conversation(t, 'red \x1b[31malert\x1b[0m\r\nnext line');
    await c.waitForLine((l) => l.includes('⇐'), 30_000, 'the echoed message line');
    expect(c.lines).toHaveLength(2);
    for (const line of c.lines) {
      expect(line).toContain('message TEXT');
      expect(line).toContain("'red \\x1b[31malert\\x1b[0m\\r\\nnext line'");
      expect(line).not.toMatch(/[\x00-\x1f\x7f]/);
    }
    c.proc.kill('SIGINT');
    expect(await c.exited).toBe(0);
  });

  test('watch HOST:PORT (no scheme) follows the server', async () => {
    const t = await startTestServer();
    servers.push(t);
    const c = start(['watch', `127.0.0.1:${t.port}`, '--types', 'message']);
    await c.waitForStderr(new RegExp(`following ws://127\\.0\\.0\\.1:${t.port}/__wslab/events\\?types=message&format=bin`), 20_000);
    await conversation(t, 'no scheme');
    await c.waitForLine((l) => l.includes('⇐'), 30_000, 'the echoed message line');
    expect(c.lines.every((l) => l.includes("'no scheme'"))).toBe(true);
    c.proc.kill('SIGINT');
    expect(await c.exited).toBe(0);
  });

  test('watch --since 0 replays from seq 1 with no gap event (seqs start at 1: nothing was missed)', async () => {
    const t = await startTestServer();
    servers.push(t);
    await conversation(t, 'before the watch');
    const c = start(['watch', t.httpUrl, '--since', '0', '--json']);
    await c.waitForLine((l) => l.includes('"type":"close"'), 20_000, 'the close event from the history');
    const events = c.lines.map((l) => JSON.parse(l) as WslabEvent);
    expect(events[0].seq).toBe(1);
    expect(events.filter((e) => e.type === 'gap')).toEqual([]);
    for (let i = 1; i < events.length; i++) expect(events[i].seq).toBe(events[i - 1].seq + 1);
    c.proc.kill('SIGINT');
    expect(await c.exited).toBe(0);
  });

  test('when the server stops, watch says so and reconnects to a new server on the same port, following it from its first event', async () => {
    const first = await startTestServer();
    const port = first.port;
    const c = start(['watch', `127.0.0.1:${port}`, '--types', 'message']);
    await c.waitForStderr(/following ws:/, 20_000);
    await conversation(first, 'to the first server');
    await c.waitForLine((l) => l.includes('to the first server') && l.includes('⇐'), 30_000, 'first server message');
    await first.close();
    await c.waitForStderr(/wslab watch: the server stopped or the stream closed \(.*\); reconnecting…/, 30_000);
    expect(c.proc.exitCode).toBeNull();
    const second = await startWslab({ host: '127.0.0.1', port });
    servers.push({ server: second, port, httpUrl: `http://127.0.0.1:${port}`, wsUrl: (p) => `ws://127.0.0.1:${port}${p}`, close: () => second.close() });
    await c.waitForStderr(/wslab watch: reconnected; following ws:/, 20_000);
    expect(c.stderr).toMatch(/wslab watch: this is a new server \(up [\d.]+ s, its events start again at seq 1\): following it from its first event/);
    await conversation(servers[servers.length - 1], 'to the second server');
    await c.waitForLine((l) => l.includes('to the second server') && l.includes('⇐'), 30_000, 'second server message');
    c.proc.kill('SIGINT');
    expect(await c.exited).toBe(0);
  }, 60_000);

  test('watch --summary prints one line a second: connections, frames/s per opcode, bytes/s', async () => {
    const t = await startTestServer();
    servers.push(t);
    const c = start(['watch', t.httpUrl, '--summary']);
    await c.waitForStderr(/following ws:.*types=frame%2Cconn\.open%2Cclose/, 20_000);
    await c.waitForLine(() => true, 30_000, 'a first summary line');
    const a = await openClient(t.wsUrl('/lab/echo'));
    const b = await openClient(t.wsUrl('/lab/echo'));
    await c.waitForLine((l) => / conns 2 /.test(l), 30_000, 'a line counting both connections');
    for (let i = 0; i < 20; i++) {
      await new Promise<void>((r) => {
        a.once('message', () => r());
        a.send('0123456789');
      });
    }
    const busy = await c.waitForLine((l) => /\(TEXT \d+/.test(l), 30_000, 'a line with TEXT frames');
    await shut(a);
    await shut(b);
    await c.waitForLine((l) => / conns 0 /.test(l) && c.lines.indexOf(l) > c.lines.indexOf(busy), 30_000, 'a line after both closed');
    const LINE = /^\d\d:\d\d:\d\d  conns \d+  frames\/s [\d,]+( \((CONT|TEXT|BINARY|PING|PONG|CLOSE) [\d,]+(, (CONT|TEXT|BINARY|PING|PONG|CLOSE) [\d,]+)*\))?  bytes\/s [\d,]+ \(in [\d,]+, out [\d,]+\)$/;
    for (const line of c.lines) expect(line).toMatch(LINE);
    c.proc.kill('SIGINT');
    expect(await c.exited).toBe(0);
  }, 60_000);

  test('watch exits 1 with a message when no server answers', async () => {
    const t = await startTestServer();
    const port = t.port;
    await t.close();
    const r = await run(['watch', `http://127.0.0.1:${port}`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/wslab watch: .*ECONNREFUSED/);
  });
});
