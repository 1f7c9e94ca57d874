import { describe, expect, it } from 'vitest';
import { complete, parseCommand, tokenize, type Command } from '../../web/src/terminal/commands.ts';
import { LineEditor } from '../../web/src/terminal/line-editor.ts';
import { safe } from '../../web/src/terminal/shell.ts';

function ok(line: string): Command {
  const r = parseCommand(line);
  if (!r.ok) throw new Error(`expected ${line} to parse: ${r.error}`);
  return r.command;
}
function err(line: string): string {
  const r = parseCommand(line);
  if (r.ok) throw new Error(`expected ${line} to fail, got ${JSON.stringify(r.command)}`);
  return r.error;
}

describe('tokenize', () => {
  it('splits on spaces and honours single quotes, double quotes and escapes', () => {
    expect(tokenize(`a  'b c' "d \\"e\\"" f\\ g`)).toEqual({ ok: true, words: ['a', 'b c', 'd "e"', 'f g'] });
    expect(tokenize(`'no \\n here' "\\n\\t\\x41\\u00e9\\u{1F600}"`)).toEqual({ ok: true, words: ['no \\n here', '\n\tAé😀'] });
    expect(tokenize(`x"y z"w`)).toEqual({ ok: true, words: ['xy zw'] });
  });

  it('reports unterminated quotes and bad escapes', () => {
    expect(tokenize(`"abc`)).toEqual({ ok: false, error: 'unterminated " quote' });
    expect(tokenize(`ab 'c`)).toEqual({ ok: false, error: "unterminated ' quote starting at column 4" });
    expect(tokenize(`"\\xZZ"`)).toMatchObject({ ok: false, error: expect.stringContaining('two hex digits') });
  });
});

describe('parseCommand', () => {
  it('parses connect with repeated -s and -H; headers mean a puppet', () => {
    expect(ok('connect /lab/echo')).toEqual({ kind: 'connect', url: '/lab/echo', protocols: [], headers: [], puppet: false, autoPong: true });
    expect(ok(`connect ws://h/lab/echo -s chat -s v2.json -H "Authorization: Bearer abc" -H X-Id:7`)).toEqual({
      kind: 'connect', url: 'ws://h/lab/echo', protocols: ['chat', 'v2.json'], headers: [['Authorization', 'Bearer abc'], ['X-Id', '7']], puppet: true, autoPong: true,
    });
    expect(ok('connect /lab/echo --puppet')).toMatchObject({ puppet: true, headers: [] });
    expect(ok('connect /lab/echo --no-autopong')).toMatchObject({ puppet: true, autoPong: false });
  });

  it('explains connect mistakes', () => {
    expect(err('connect')).toContain('connect needs a URL');
    expect(err('connect /lab/echo -s')).toContain('-s needs a subprotocol');
    expect(err('connect /lab/echo -s "a b"')).toContain('not a valid subprotocol token');
    expect(err('connect /lab/echo -s chat -s chat')).toContain('listed twice');
    expect(err('connect /lab/echo -H novalue')).toContain('"Name: value"');
    expect(err('connect /lab/echo -H "Bad Name: x"')).toContain('not a valid header name');
    expect(err('connect /lab/echo /lab/raw')).toContain('one URL');
    expect(err('connect /lab/echo -x')).toContain('unknown option -x');
  });

  it('sends the rest of the line as typed, or one quoted word with its escapes applied', () => {
    expect(ok('send hello world')).toEqual({ kind: 'send', text: 'hello world' });
    expect(ok('send   two  spaces ')).toEqual({ kind: 'send', text: '  two  spaces ' });
    expect(ok('send "line\\nbreak"')).toEqual({ kind: 'send', text: 'line\nbreak' });
    expect(ok(`send 'a' b`)).toEqual({ kind: 'send', text: `'a' b` });
    expect(ok(`send '\\x1b stays literal'`)).toEqual({ kind: 'send', text: '\\x1b stays literal' });
    expect(err('send')).toContain('send needs some text');
  });

  it('validates json with a friendly error and keeps the text as typed', () => {
    expect(ok('json {"type":"hi","n":1}')).toEqual({ kind: 'json', text: '{"type":"hi","n":1}', value: { type: 'hi', n: 1 } });
    expect(err(`json {'type':'hi'}`)).toMatch(/^that is not valid JSON: .*double quotes/);
    expect(err('json {"a":')).toMatch(/^that is not valid JSON/);
  });

  it('parses binary hex, ping/pong data and close codes with the RFC limits', () => {
    expect(ok('binary 01 02 ff')).toMatchObject({ kind: 'binary', bytes: new Uint8Array([1, 2, 255]) });
    expect(err('binary 0g')).toBeTruthy();
    expect(ok('/ping')).toEqual({ kind: 'ping', data: '' });
    expect(ok('/ping are you there')).toEqual({ kind: 'ping', data: 'are you there' });
    expect(ok('ping x')).toEqual({ kind: 'ping', data: 'x' });
    expect(err(`/ping ${'x'.repeat(126)}`)).toContain('at most 125 bytes');
    expect(ok('/pong')).toEqual({ kind: 'pong', data: '' });
    expect(ok('/close')).toEqual({ kind: 'close', code: null, reason: '' });
    expect(ok('/close 4000 bye')).toEqual({ kind: 'close', code: 4000, reason: 'bye' });
    expect(ok('/close 1000 "see you soon"')).toEqual({ kind: 'close', code: 1000, reason: 'see you soon' });
    expect(err('/close 1005')).toContain('reserved for the protocol');
    expect(err('/close abc')).toContain('must be a number');
    expect(err(`/close 4000 ${'é'.repeat(62)}`)).toContain('at most 123 bytes');
  });

  it('knows state, frames, help, autopong and suggests a near miss', () => {
    expect(ok('state')).toEqual({ kind: 'state' });
    expect(ok('frames')).toEqual({ kind: 'frames', count: 10 });
    expect(ok('frames 3')).toEqual({ kind: 'frames', count: 3 });
    expect(err('frames 0')).toContain('1 to 200');
    expect(ok('help /ping')).toEqual({ kind: 'help', topic: '/ping' });
    expect(ok('/autopong off')).toEqual({ kind: 'autopong', enabled: false });
    expect(ok('   ')).toEqual({ kind: 'empty' });
    expect(err('/conect /lab/echo')).toContain('did you mean connect?');
  });
});

describe('completion', () => {
  it('completes a unique command, lists several, and completes connect flags', () => {
    expect(complete('con')).toEqual({ line: 'connect ', candidates: ['connect'] });
    expect(complete('/p')).toEqual({ line: '/p', candidates: ['/ping', '/pong', '/pause'] });
    expect(complete('/pi').line).toBe('/ping ');
    expect(complete('connect /lab/e').line).toBe('connect /lab/echo ');
    expect(complete('connect /lab/echo --pu').line).toBe('connect /lab/echo --puppet ');
    expect(complete('send hel')).toEqual({ line: 'send hel', candidates: [] });
  });
});

describe('line editor', () => {
  it('edits with the arrows, submits on Enter and walks history with up/down', () => {
    const ed = new LineEditor();
    ed.input('helo');
    ed.input('\x1b[D\x1b[D');
    ed.input('l');
    expect(ed.buffer).toBe('hello');
    expect(ed.input('\r')).toEqual([{ type: 'submit', line: 'hello' }]);
    ed.input('second\r');
    ed.input('draft');
    ed.input('\x1b[A');
    expect(ed.buffer).toBe('second');
    ed.input('\x1b[A');
    expect(ed.buffer).toBe('hello');
    ed.input('\x1b[B\x1b[B');
    expect(ed.buffer).toBe('draft');
    ed.input('\x7f\x7f');
    expect(ed.buffer).toBe('dra');
    expect(ed.input('\t')).toEqual([{ type: 'complete' }]);
    expect(ed.input('\x1b')).toEqual([{ type: 'leave' }]);
  });

  it('treats pasted lines as separate submissions and drops control characters', () => {
    const ed = new LineEditor();
    const actions = ed.input('send a\r\nsend b\r');
    expect(actions.filter((a) => a.type === 'submit')).toEqual([
      { type: 'submit', line: 'send a' },
      { type: 'submit', line: 'send b' },
    ]);
    ed.input('x\x07y');
    expect(ed.buffer).toBe('xy');
  });
});

describe('terminal escaping', () => {
  it('makes payload control characters visible so no message can drive the terminal', () => {
    expect(safe('\u001b[2Jgone\r\n\u0007')).toBe('\\x1b[2Jgone\\r\\n\\x07');
    expect(safe('</script><img src=x onerror=alert(1)>')).toBe('</script><img src=x onerror=alert(1)>');
  });
});
