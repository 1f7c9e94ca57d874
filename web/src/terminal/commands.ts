// The terminal's command language, wscat-like: a pure parser from one typed line to a command,
// with errors a learner can act on. No DOM, no xterm: test/unit/web-terminal-commands.test.ts runs it.
import { parseHex } from '../../../server/core/wire/index.ts';

export type Command =
  | { kind: 'empty' }
  | { kind: 'help'; topic: string | null }
  | { kind: 'connect'; url: string; protocols: string[]; headers: [string, string][]; puppet: boolean; autoPong: boolean }
  /** `bare`: a line that is not a command, sent as typed (as wscat does); `suggestion`: a command its first word is close to */
  | { kind: 'send'; text: string; bare?: boolean; suggestion?: string | null }
  | { kind: 'json'; text: string; value: unknown }
  | { kind: 'binary'; hex: string; bytes: Uint8Array }
  | { kind: 'ping'; data: string }
  | { kind: 'pong'; data: string }
  | { kind: 'close'; code: number | null; reason: string }
  | { kind: 'pause' }
  | { kind: 'resume' }
  | { kind: 'autopong'; enabled: boolean }
  | { kind: 'state' }
  | { kind: 'frames'; count: number }
  | { kind: 'clear' };

export type ParseResult = { ok: true; command: Command } | { ok: false; error: string };

export interface CommandHelp {
  name: string;
  usage: string;
  about: string;
  /** needs a puppet client (the browser API cannot do it) */
  puppet?: boolean;
}

export const COMMANDS: readonly CommandHelp[] = [
  { name: 'connect', usage: 'connect URL [-s PROTOCOL]... [-H "Name: value"]... [--puppet] [--no-autopong]', about: 'open a connection (a browser WebSocket; with -H, --puppet or --no-autopong a puppet client the server runs for you)' },
  { name: 'send', usage: 'send TEXT', about: 'send a text message (quote it to use escapes like "\\n" or "\\u001b"); a line that is not a command is sent as it is, as in wscat' },
  { name: 'json', usage: 'json {"type":"hello"}', about: 'check that the text is JSON, then send it as a text message' },
  { name: 'binary', usage: 'binary HEX', about: 'send a binary message, e.g. binary 01 02 ff' },
  { name: '/ping', usage: '/ping [DATA]', about: 'send a ping frame (up to 125 bytes of data)', puppet: true },
  { name: '/pong', usage: '/pong [DATA]', about: 'send an unsolicited pong frame', puppet: true },
  { name: '/close', usage: '/close [CODE] [REASON]', about: 'start the closing handshake, e.g. /close 4000 bye' },
  { name: '/pause', usage: '/pause', about: 'stop reading from the socket (the server’s send buffer fills)', puppet: true },
  { name: '/resume', usage: '/resume', about: 'read from the socket again', puppet: true },
  { name: '/autopong', usage: '/autopong on|off', about: 'answer pings automatically, or not (then the server’s heartbeat gives up on you)', puppet: true },
  { name: 'state', usage: 'state', about: 'the readyState and the transitions so far' },
  { name: 'frames', usage: 'frames [N]', about: 'the last N frames of this connection in hex (default 10), as the server saw them' },
  { name: 'clear', usage: 'clear', about: 'clear the screen' },
  { name: 'help', usage: 'help [COMMAND]', about: 'this list, or one command' },
];

const ALIASES: Record<string, string> = { ping: '/ping', pong: '/pong', close: '/close', pause: '/pause', resume: '/resume', autopong: '/autopong', '/help': 'help', '?': 'help', '/state': 'state', '/frames': 'frames', '/clear': 'clear' };

/** The name a typed word stands for, or null. */
export function commandName(word: string): string | null {
  const w = word.toLowerCase();
  if (COMMANDS.some((c) => c.name === w)) return w;
  return ALIASES[w] ?? null;
}

/**
 * Splits a line into words like a shell: spaces separate, 'single quotes' are literal, "double
 * quotes" and bare words take backslash escapes (\n \r \t \\ \" \' \xHH \uHHHH \u{H...}).
 */
export function tokenize(line: string): { ok: true; words: string[] } | { ok: false; error: string } {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  while (i < line.length) {
    const ch = line[i];
    if (ch === ' ' || ch === '\t') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      i++;
      continue;
    }
    inWord = true;
    if (ch === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) return { ok: false, error: `unterminated ' quote starting at column ${i + 1}` };
      word += line.slice(i + 1, end);
      i = end + 1;
      continue;
    }
    if (ch === '"') {
      i++;
      let closed = false;
      while (i < line.length) {
        const c = line[i];
        if (c === '"') {
          closed = true;
          i++;
          break;
        }
        if (c === '\\') {
          const esc = readEscape(line, i);
          if ('error' in esc) return { ok: false, error: esc.error };
          word += esc.text;
          i = esc.next;
          continue;
        }
        word += c;
        i++;
      }
      if (!closed) return { ok: false, error: 'unterminated " quote' };
      continue;
    }
    if (ch === '\\') {
      const esc = readEscape(line, i);
      if ('error' in esc) return { ok: false, error: esc.error };
      word += esc.text;
      i = esc.next;
      continue;
    }
    word += ch;
    i++;
  }
  if (inWord) words.push(word);
  return { ok: true, words };
}

function readEscape(line: string, at: number): { text: string; next: number } | { error: string } {
  const c = line[at + 1];
  if (c === undefined) return { error: 'a line cannot end with a lone backslash' };
  const simple: Record<string, string> = { n: '\n', r: '\r', t: '\t', '0': '\0', '\\': '\\', '"': '"', "'": "'", ' ': ' ' };
  if (c in simple) return { text: simple[c], next: at + 2 };
  if (c === 'x') {
    const h = line.slice(at + 2, at + 4);
    if (!/^[0-9a-fA-F]{2}$/.test(h)) return { error: `\\x needs two hex digits, got "${h}"` };
    return { text: String.fromCharCode(parseInt(h, 16)), next: at + 4 };
  }
  if (c === 'u') {
    if (line[at + 2] === '{') {
      const end = line.indexOf('}', at + 3);
      const h = end < 0 ? '' : line.slice(at + 3, end);
      if (!/^[0-9a-fA-F]{1,6}$/.test(h) || parseInt(h, 16) > 0x10ffff) return { error: '\\u{...} needs 1 to 6 hex digits up to 10FFFF' };
      return { text: String.fromCodePoint(parseInt(h, 16)), next: end + 1 };
    }
    const h = line.slice(at + 2, at + 6);
    if (!/^[0-9a-fA-F]{4}$/.test(h)) return { error: `\\u needs four hex digits, got "${h}"` };
    return { text: String.fromCharCode(parseInt(h, 16)), next: at + 6 };
  }
  // an unknown escape keeps the character itself, as a shell does
  return { text: c, next: at + 2 };
}

/** The rest of the line after the first word, as typed (leading spaces dropped). */
function restOf(line: string): string {
  const m = /^\s*\S+\s?/.exec(line);
  return m ? line.slice(m[0].length) : '';
}

/**
 * A free-text argument: the rest of the line as typed; when the whole of it is one quoted word,
 * the quotes come off and the escapes inside apply.
 */
function textArg(rest: string): { ok: true; text: string } | { ok: false; error: string } {
  const t = rest.trim();
  if ((t.startsWith('"') && t.endsWith('"') && t.length >= 2) || (t.startsWith("'") && t.endsWith("'") && t.length >= 2)) {
    const tok = tokenize(t);
    if (!tok.ok) return tok;
    if (tok.words.length === 1) return { ok: true, text: tok.words[0] };
  }
  return { ok: true, text: rest };
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const PROTOCOL = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export function parseCommand(line: string): ParseResult {
  const trimmed = line.trim();
  if (trimmed === '') return { ok: true, command: { kind: 'empty' } };
  const first = trimmed.split(/\s+/, 1)[0];
  const name = commandName(first);
  if (!name) {
    const close = closest(first);
    // "/word" is meant as a command; anything else is a message, sent as typed (wscat does the same)
    if (first.startsWith('/')) return { ok: false, error: `unknown command "${first}"${close ? ` — did you mean ${close}?` : ''} (type help for the list)` };
    return { ok: true, command: { kind: 'send', text: line, bare: true, suggestion: close } };
  }
  const rest = restOf(line.replace(/^\s+/, ''));
  switch (name) {
    case 'help': {
      const topic = rest.trim() || null;
      if (topic && !commandName(topic)) return { ok: false, error: `no help for "${topic}": type help for the list` };
      return { ok: true, command: { kind: 'help', topic: topic ? commandName(topic) : null } };
    }
    case 'connect':
      return parseConnect(rest);
    case 'send': {
      if (rest.trim() === '') return { ok: false, error: 'send needs some text: send hello' };
      const t = textArg(rest);
      return t.ok ? { ok: true, command: { kind: 'send', text: t.text } } : t;
    }
    case 'json': {
      const text = rest.trim();
      if (text === '') return { ok: false, error: 'json needs a JSON value: json {"type":"hello"}' };
      try {
        return { ok: true, command: { kind: 'json', text, value: JSON.parse(text) } };
      } catch (err) {
        return { ok: false, error: `that is not valid JSON: ${friendlyJsonError(text, err as Error)}` };
      }
    }
    case 'binary': {
      if (rest.trim() === '') return { ok: false, error: 'binary needs bytes in hex: binary 01 02 ff' };
      const parsed = parseHex(rest);
      if ('error' in parsed) return { ok: false, error: parsed.error };
      return { ok: true, command: { kind: 'binary', hex: rest.trim(), bytes: parsed.bytes } };
    }
    case '/ping':
    case '/pong': {
      const t = textArg(rest);
      if (!t.ok) return t;
      const n = new TextEncoder().encode(t.text).length;
      if (n > 125) return { ok: false, error: `a ${name.slice(1)} carries at most 125 bytes (RFC 6455 §5.5); this is ${n}` };
      return { ok: true, command: { kind: name === '/ping' ? 'ping' : 'pong', data: t.text } };
    }
    case '/close': {
      const tok = tokenize(rest);
      if (!tok.ok) return tok;
      if (tok.words.length === 0) return { ok: true, command: { kind: 'close', code: null, reason: '' } };
      const [codeWord, ...reasonWords] = tok.words;
      if (!/^\d+$/.test(codeWord)) return { ok: false, error: `the close code must be a number, like /close 1000 or /close 4000 bye; got "${codeWord}"` };
      const code = Number(codeWord);
      if (!(code === 1000 || (code >= 3000 && code <= 4999))) {
        return { ok: false, error: `an application may close with 1000 or 3000-4999; ${code} is ${code >= 1001 && code <= 1015 ? 'reserved for the protocol itself' : 'not a valid close code'}` };
      }
      const reason = reasonWords.join(' ');
      const bytes = new TextEncoder().encode(reason).length;
      if (bytes > 123) return { ok: false, error: `a close reason is at most 123 bytes of UTF-8 (RFC 6455 §5.5); this one is ${bytes}` };
      return { ok: true, command: { kind: 'close', code, reason } };
    }
    case '/pause':
    case '/resume':
      if (rest.trim()) return { ok: false, error: `${name} takes no arguments` };
      return { ok: true, command: { kind: name === '/pause' ? 'pause' : 'resume' } };
    case '/autopong': {
      const v = rest.trim().toLowerCase();
      if (v !== 'on' && v !== 'off') return { ok: false, error: '/autopong takes on or off' };
      return { ok: true, command: { kind: 'autopong', enabled: v === 'on' } };
    }
    case 'state':
      return { ok: true, command: { kind: 'state' } };
    case 'clear':
      return { ok: true, command: { kind: 'clear' } };
    case 'frames': {
      const v = rest.trim();
      if (v === '') return { ok: true, command: { kind: 'frames', count: 10 } };
      if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 200) return { ok: false, error: 'frames takes a count from 1 to 200' };
      return { ok: true, command: { kind: 'frames', count: Number(v) } };
    }
  }
  return { ok: false, error: `unknown command "${first}"` };
}

function parseConnect(rest: string): ParseResult {
  const tok = tokenize(rest);
  if (!tok.ok) return tok;
  const words = tok.words;
  let url: string | null = null;
  const protocols: string[] = [];
  const headers: [string, string][] = [];
  let puppet = false;
  let autoPong = true;
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (w === '-s' || w === '--subprotocol') {
      const p = words[++i];
      if (p === undefined) return { ok: false, error: `${w} needs a subprotocol name: -s chat` };
      if (!PROTOCOL.test(p)) return { ok: false, error: `"${p}" is not a valid subprotocol token (letters, digits and !#$%&'*+.^_\`|~- only)` };
      if (protocols.includes(p)) return { ok: false, error: `subprotocol "${p}" is listed twice (the browser would throw a SyntaxError)` };
      protocols.push(p);
    } else if (w === '-H' || w === '--header') {
      const h = words[++i];
      if (h === undefined) return { ok: false, error: `${w} needs a header: -H "X-Client-Version: 1.2"` };
      const colon = h.indexOf(':');
      if (colon <= 0) return { ok: false, error: `a header is "Name: value", got "${h}"` };
      const name = h.slice(0, colon).trim();
      const value = h.slice(colon + 1).trim();
      if (!HEADER_NAME.test(name)) return { ok: false, error: `"${name}" is not a valid header name` };
      if (/[\r\n\0]/.test(value)) return { ok: false, error: `the value of ${name} must be one line` };
      headers.push([name, value]);
    } else if (w === '--puppet' || w === '-p') {
      puppet = true;
    } else if (w === '--no-autopong') {
      autoPong = false;
    } else if (w.startsWith('-') && w.length > 1) {
      return { ok: false, error: `unknown option ${w} (connect takes -s, -H, --puppet and --no-autopong)` };
    } else if (url === null) {
      url = w;
    } else {
      return { ok: false, error: `connect takes one URL; "${w}" is a second one` };
    }
  }
  if (url === null) return { ok: false, error: 'connect needs a URL: connect /lab/echo (or ws://host/lab/echo)' };
  return { ok: true, command: { kind: 'connect', url, protocols, headers, puppet: puppet || headers.length > 0 || !autoPong, autoPong } };
}

function friendlyJsonError(text: string, err: Error): string {
  const m = /position (\d+)/.exec(err.message);
  if (m) {
    const at = Number(m[1]);
    const near = text.slice(Math.max(0, at - 8), at + 8);
    return `${err.message.replace(/^JSON\.parse: /, '')} (near "${near}")${/'/.test(text) ? ' — JSON strings use double quotes' : ''}`;
  }
  if (/'/.test(text)) return `${err.message} — JSON strings and keys use double quotes, not single`;
  return err.message;
}

/** The command names and connect flags, for tab completion. */
export function completions(line: string): string[] {
  const words = line.split(/\s+/);
  if (words.length <= 1) {
    const w = (words[0] ?? '').toLowerCase();
    return COMMANDS.map((c) => c.name).filter((n) => n.startsWith(w));
  }
  const name = commandName(words[0]);
  const last = words[words.length - 1];
  if (name === 'connect') {
    const options = ['-s', '-H', '--puppet', '--no-autopong', '/lab/echo', '/lab/raw', '/lab/ticker'];
    return options.filter((o) => o.startsWith(last) && last !== '');
  }
  if (name === 'help') return COMMANDS.map((c) => c.name).filter((n) => n.startsWith(last));
  if (name === '/autopong') return ['on', 'off'].filter((o) => o.startsWith(last));
  return [];
}

/** Completes `line` with the candidates: the single one, or their longest common prefix. */
export function complete(line: string): { line: string; candidates: string[] } {
  const candidates = completions(line);
  if (candidates.length === 0) return { line, candidates };
  const words = line.split(/\s+/);
  const last = words[words.length - 1];
  let common = candidates[0];
  for (const c of candidates) while (!c.startsWith(common)) common = common.slice(0, -1);
  const head = line.slice(0, line.length - last.length);
  if (candidates.length === 1) return { line: head + candidates[0] + ' ', candidates };
  return { line: head + (common.length > last.length ? common : last), candidates };
}

function closest(word: string): string | null {
  const w = word.toLowerCase();
  let best: string | null = null;
  let bestD = 3;
  for (const c of COMMANDS) {
    const d = distance(w, c.name.replace(/^\//, ''));
    if (d < bestD) {
      bestD = d;
      best = c.name;
    }
  }
  return best;
}

function distance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0];
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j];
      dp[j] = Math.min(dp[j] + 1, dp[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length];
}
