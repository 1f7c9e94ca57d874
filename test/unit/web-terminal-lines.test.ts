// The terminal's line handling: a line that is not a command is sent as text (as wscat does), our
// own lines wrap between words and reflow at a new width, and a closed puppet is never DELETEd.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseCommand } from '../../web/src/terminal/commands.ts';
import { Shell } from '../../web/src/terminal/shell.ts';
import { Transcript, visibleWidth, wrapLine, wrapText } from '../../web/src/terminal/wrap.ts';
import { EventStore } from '../../web/src/store/store.ts';
import { OwnConns } from '../../web/src/ws/own-conns.ts';

describe('a line that is not a command', () => {
  it('is sent as typed, with the command it looks like (if any) as a suggestion', () => {
    expect(parseCommand('just some words')).toEqual({ ok: true, command: { kind: 'send', text: 'just some words', bare: true, suggestion: null } });
    expect(parseCommand('{"type":"hello"}')).toEqual({ ok: true, command: { kind: 'send', text: '{"type":"hello"}', bare: true, suggestion: null } });
    expect(parseCommand('sned hi')).toEqual({ ok: true, command: { kind: 'send', text: 'sned hi', bare: true, suggestion: 'send' } });
    expect(parseCommand('send hi')).toEqual({ ok: true, command: { kind: 'send', text: 'hi' } });
  });

  it('a /word that is no command stays an error: slash means command', () => {
    expect(parseCommand('/bogus')).toEqual({ ok: false, error: 'unknown command "/bogus" (type help for the list)' });
  });
});

describe('wrapping our own lines', () => {
  it('breaks between words, never inside one, and keeps the indent on continuation rows', () => {
    expect(wrapLine('the quick brown fox jumps over the lazy dog', 16)).toEqual(['the quick brown', 'fox jumps over', 'the lazy dog']);
    expect(wrapLine('      answer pings automatically, or not', 20)).toEqual(['      answer pings', '      automatically,', '      or not']);
    expect(wrapLine('short', 80)).toEqual(['short']);
  });

  it('colour escapes take no columns and stay with their word', () => {
    const line = '\x1b[2m* reading paused: messages wait\x1b[0m';
    expect(visibleWidth(line)).toBe(31);
    const rows = wrapLine(line, 20);
    expect(rows).toEqual(['\x1b[2m* reading paused:', 'messages wait\x1b[0m']);
    for (const r of rows) expect(visibleWidth(r)).toBeLessThanOrEqual(20);
  });

  it('cuts a word longer than a row (hex dumps, URLs) and wraps each line of a multi-line text', () => {
    expect(wrapLine('x 0123456789abcdef', 8)).toEqual(['x', '01234567', '89abcdef']);
    expect(wrapText('one two\nthree four', 7)).toEqual(['one two', 'three', 'four']);
  });

  it('the transcript reflows at a new width and forgets what a screen clear removed', () => {
    const t = new Transcript(3);
    t.add('alpha beta gamma');
    t.add('delta');
    expect(t.rows(80)).toEqual(['alpha beta gamma', 'delta']);
    expect(t.rows(11)).toEqual(['alpha beta', 'gamma', 'delta']);
    t.add('\x1b[2J\x1b[3J\x1b[H');
    expect(t.size).toBe(0);
    for (const l of ['1', '2', '3', '4']) t.add(l);
    expect(t.rows(80)).toEqual(['2', '3', '4']);
  });
});

describe('the shell', () => {
  const calls: string[] = [];
  afterEach(() => {
    vi.unstubAllGlobals();
    calls.length = 0;
  });

  function shell() {
    const store = new EventStore();
    const lines: string[] = [];
    const sh = new Shell((l) => lines.push(l.replace(/\x1b\[[0-9;]*m/g, '')), { store, own: new OwnConns(() => store), origin: 'http://127.0.0.1:8080' });
    return { sh, lines };
  }

  function stubServer() {
    vi.stubGlobal('fetch', async (path: string, init: { method: string }) => {
      calls.push(`${init.method} ${path}`);
      const body = path === '/__wslab/puppets' ? { id: 'p1', conn: 'c1', path: '/lab/echo', readyState: 1, autoPong: true, paused: false } : { id: 'p1', conn: 'c1', path: '/lab/echo', readyState: 2, autoPong: true, paused: false };
      return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
    });
  }

  it('a bare line before connecting says it would be sent as text once connected', async () => {
    const { sh, lines } = shell();
    await sh.run('just');
    expect(lines).toEqual(['error: not connected: "just" is not a command, and a line that is not one is sent as text once you are connected — connect /lab/echo first']);
  });

  it('on a puppet a bare line is sent as text; after /close no DELETE is made (the server already forgot the puppet)', async () => {
    stubServer();
    const { sh } = shell();
    await sh.run('connect /lab/echo --puppet');
    await sh.run('just a line');
    await sh.run('/close 4000 bye');
    await sh.run('connect /lab/echo --puppet'); // leaving the closed puppet
    sh.dispose(); // leaving the second one, which is open
    expect(calls).toEqual(['POST /__wslab/puppets', 'POST /__wslab/puppets/p1/send', 'POST /__wslab/puppets/p1/close', 'POST /__wslab/puppets', 'DELETE /__wslab/puppets/p1']);
  });
});
