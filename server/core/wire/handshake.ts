// The opening handshake (RFC 6455 §4): Sec-WebSocket-Accept, checks of an upgrade request
// (§4.2.1) and of a 101 response (§4.1), and the Sec-WebSocket-Extensions (§9.1) and
// Sec-WebSocket-Protocol (§4.1, §11.3.4) headers. Pure and synchronous: SHA-1 and base64
// are implemented here so the browser can compute an accept value without crypto.subtle.

/** §1.3: the GUID every server appends to the key. */
export const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** SHA-1 (FIPS 180-4) of bytes; 20 bytes out. Used only for the handshake, never for security. */
export function sha1(bytes: Uint8Array): Uint8Array {
  const ml = bytes.length;
  const total = (((ml + 8) >>> 6) + 1) << 6;
  const msg = new Uint8Array(total);
  msg.set(bytes);
  msg[ml] = 0x80;
  const bitsHi = Math.floor((ml * 8) / 0x100000000);
  const bitsLo = (ml * 8) >>> 0;
  const dv = new DataView(msg.buffer);
  dv.setUint32(total - 8, bitsHi);
  dv.setUint32(total - 4, bitsLo);
  let h0 = 0x67452301;
  let h1 = 0xefcdab89;
  let h2 = 0x98badcfe;
  let h3 = 0x10325476;
  let h4 = 0xc3d2e1f0;
  const w = new Int32Array(80);
  for (let off = 0; off < total; off += 64) {
    for (let t = 0; t < 16; t++) w[t] = dv.getInt32(off + t * 4);
    for (let t = 16; t < 80; t++) {
      const x = w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16];
      w[t] = (x << 1) | (x >>> 31);
    }
    let a = h0;
    let b = h1;
    let c = h2;
    let d = h3;
    let e = h4;
    for (let t = 0; t < 80; t++) {
      let f: number;
      let k: number;
      if (t < 20) {
        f = (b & c) | (~b & d);
        k = 0x5a827999;
      } else if (t < 40) {
        f = b ^ c ^ d;
        k = 0x6ed9eba1;
      } else if (t < 60) {
        f = (b & c) | (b & d) | (c & d);
        k = 0x8f1bbcdc;
      } else {
        f = b ^ c ^ d;
        k = 0xca62c1d6;
      }
      const temp = (((a << 5) | (a >>> 27)) + f + e + k + w[t]) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = temp;
    }
    h0 = (h0 + a) | 0;
    h1 = (h1 + b) | 0;
    h2 = (h2 + c) | 0;
    h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0;
  }
  const out = new Uint8Array(20);
  const ov = new DataView(out.buffer);
  ov.setInt32(0, h0);
  ov.setInt32(4, h1);
  ov.setInt32(8, h2);
  ov.setInt32(12, h3);
  ov.setInt32(16, h4);
  return out;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Standard base64 with padding (RFC 4648 §4). */
export function base64(bytes: Uint8Array): string {
  let s = '';
  let i = 0;
  for (; i + 3 <= bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    s += B64[n >>> 18] + B64[(n >>> 12) & 63] + B64[(n >>> 6) & 63] + B64[n & 63];
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i] << 16;
    s += B64[n >>> 18] + B64[(n >>> 12) & 63] + '==';
  } else if (rest === 2) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8);
    s += B64[n >>> 18] + B64[(n >>> 12) & 63] + B64[(n >>> 6) & 63] + '=';
  }
  return s;
}

/**
 * §4.2.2 step 5.4: base64(SHA-1(key + GUID)). The key is used as sent (not base64-decoded);
 * surrounding whitespace is trimmed, as HTTP parsers do for header values.
 * computeAccept('dGhlIHNhbXBsZSBub25jZQ==') === 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=' (§1.3).
 */
export function computeAccept(key: string): string {
  return base64(sha1(new TextEncoder().encode(String(key).trim() + WEBSOCKET_GUID)));
}

export type Headers = Record<string, string | string[] | undefined>;
export type HandshakeCheck = { ok: true } | { ok: false; reason: string };

/** A header value by case-insensitive name; repeated headers are joined with ", " (RFC 9110 §5.3). */
export function headerValue(headers: Headers, name: string): string | undefined {
  if (!headers) return undefined;
  const want = name.toLowerCase();
  let v = headers[want];
  if (v === undefined) {
    for (const k of Object.keys(headers)) {
      if (k.toLowerCase() === want) {
        v = headers[k];
        break;
      }
    }
  }
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v.join(', ') : String(v);
}

/** Does a comma-separated header contain `token` (case-insensitive)? */
function hasToken(value: string | undefined, token: string): boolean {
  if (value === undefined) return false;
  return value.split(',').some((t) => t.trim().toLowerCase() === token);
}

/** §4.1: the key is base64 of 16 random bytes, so exactly 22 characters and "==". */
const KEY_RE = /^[+/0-9A-Za-z]{22}==$/; // the same check ws makes

/** Checks an opening handshake request as a server must (§4.2.1), explaining the first failure. */
export function validateUpgradeRequest(method: string, headers: Headers): HandshakeCheck {
  if (String(method).toUpperCase() !== 'GET') {
    return { ok: false, reason: `The method is ${method}, but an opening handshake must be a GET request (RFC 6455 §4.2.1 item 1).` };
  }
  if (!headerValue(headers, 'host')) {
    return { ok: false, reason: 'The Host header is missing; every opening handshake names the server it is for (RFC 6455 §4.2.1 item 2).' };
  }
  const upgrade = headerValue(headers, 'upgrade');
  if (!hasToken(upgrade, 'websocket')) {
    return { ok: false, reason: upgrade === undefined ? 'The Upgrade header is missing; it must say "websocket" (RFC 6455 §4.2.1 item 3).' : `The Upgrade header is "${upgrade}", but it must include "websocket" (RFC 6455 §4.2.1 item 3).` };
  }
  const connection = headerValue(headers, 'connection');
  if (!hasToken(connection, 'upgrade')) {
    return { ok: false, reason: connection === undefined ? 'The Connection header is missing; it must include "Upgrade" (RFC 6455 §4.2.1 item 4).' : `The Connection header is "${connection}", but it must include "Upgrade" (RFC 6455 §4.2.1 item 4).` };
  }
  const key = headerValue(headers, 'sec-websocket-key');
  if (key === undefined) {
    return { ok: false, reason: 'The Sec-WebSocket-Key header is missing; the client must send a random 16-byte nonce in base64 (RFC 6455 §4.2.1 item 5).' };
  }
  if (!KEY_RE.test(key.trim())) {
    return { ok: false, reason: `The Sec-WebSocket-Key "${key}" is not the base64 of 16 bytes (24 characters ending in "==") (RFC 6455 §4.2.1 item 5).` };
  }
  const version = headerValue(headers, 'sec-websocket-version');
  if (version === undefined) {
    return { ok: false, reason: 'The Sec-WebSocket-Version header is missing; it must be 13 (RFC 6455 §4.2.1 item 6).' };
  }
  if (version.trim() !== '13') {
    return { ok: false, reason: `Sec-WebSocket-Version is "${version}", but only 13 is defined; a server answers 426 with "Sec-WebSocket-Version: 13" (RFC 6455 §4.2.2, §4.4).` };
  }
  return { ok: true };
}

/** Checks a server's answer as a client must (§4.1, "the client MUST validate the server's response"). */
export function validateUpgradeResponse(statusCode: number, headers: Headers, key: string): HandshakeCheck {
  if (statusCode !== 101) {
    return { ok: false, reason: `The server answered ${statusCode}, not 101 Switching Protocols, so the connection is not a WebSocket (RFC 6455 §4.1, §4.2.2).` };
  }
  const upgrade = headerValue(headers, 'upgrade');
  if (upgrade === undefined || upgrade.trim().toLowerCase() !== 'websocket') {
    return { ok: false, reason: `The response's Upgrade header is ${upgrade === undefined ? 'missing' : `"${upgrade}"`}; it must be "websocket" (RFC 6455 §4.1, item 2 of the client's checks).` };
  }
  const connection = headerValue(headers, 'connection');
  if (!hasToken(connection, 'upgrade')) {
    return { ok: false, reason: `The response's Connection header is ${connection === undefined ? 'missing' : `"${connection}"`}; it must include "Upgrade" (RFC 6455 §4.1, item 3).` };
  }
  const accept = headerValue(headers, 'sec-websocket-accept');
  const expected = computeAccept(key);
  if (accept === undefined) {
    return { ok: false, reason: `Sec-WebSocket-Accept is missing; it must be ${expected}, the base64 SHA-1 of the key plus the WebSocket GUID (RFC 6455 §4.1, item 4).` };
  }
  if (accept.trim() !== expected) {
    return { ok: false, reason: `Sec-WebSocket-Accept is "${accept.trim()}", but for this key it must be "${expected}" (RFC 6455 §4.1, item 4).` };
  }
  const ext = headerValue(headers, 'sec-websocket-extensions');
  if (ext !== undefined) {
    const parsed = parseExtensionsStrict(ext);
    if ('error' in parsed) return { ok: false, reason: `The Sec-WebSocket-Extensions header cannot be parsed: ${parsed.error} (RFC 6455 §9.1).` };
  }
  const proto = headerValue(headers, 'sec-websocket-protocol');
  if (proto !== undefined) {
    const list = parseProtocols(proto);
    if (list.length !== 1) {
      return { ok: false, reason: `Sec-WebSocket-Protocol in a response names exactly one subprotocol the client offered, got "${proto}" (RFC 6455 §4.1, item 6).` };
    }
  }
  return { ok: true };
}

/** One entry of Sec-WebSocket-Extensions: a name and its parameters (a bare parameter is `true`). */
export interface ExtensionOffer {
  name: string;
  params: Record<string, string | true>;
}

const TOKEN_RE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Parse Sec-WebSocket-Extensions (§9.1):
 *   extension-list = 1#extension;  extension = name *( ";" param );  param = token [ "=" (token | quoted-string) ]
 * e.g. "permessage-deflate; client_max_window_bits, x-foo" →
 *   [{ name: 'permessage-deflate', params: { client_max_window_bits: true } }, { name: 'x-foo', params: {} }].
 * Lenient: malformed entries are skipped (use parseExtensionsStrict for the reason).
 */
export function parseExtensions(header: string): ExtensionOffer[] {
  const r = parseExtensionsStrict(header ?? '', true);
  return 'error' in r ? [] : r.offers;
}

/** Like parseExtensions, but reports the first syntax error instead of skipping. */
export function parseExtensionsStrict(header: string, lenient = false): { offers: ExtensionOffer[] } | { error: string } {
  const offers: ExtensionOffer[] = [];
  for (const entry of splitOutsideQuotes(String(header), ',')) {
    if (entry.trim() === '') continue;
    const parts = splitOutsideQuotes(entry, ';').map((p) => p.trim());
    const name = parts[0];
    if (!TOKEN_RE.test(name)) {
      if (lenient) continue;
      return { error: `"${name}" is not a valid extension name` };
    }
    const params: Record<string, string | true> = {};
    let bad: string | null = null;
    for (const p of parts.slice(1)) {
      if (p === '') continue;
      const eq = p.indexOf('=');
      const k = (eq < 0 ? p : p.slice(0, eq)).trim();
      if (!TOKEN_RE.test(k)) {
        bad = `"${k}" is not a valid parameter name`;
        break;
      }
      if (eq < 0) {
        params[k] = true;
        continue;
      }
      let v = p.slice(eq + 1).trim();
      if (v.startsWith('"')) {
        if (v.length < 2 || !v.endsWith('"')) {
          bad = `the quoted value of ${k} is not closed`;
          break;
        }
        v = v.slice(1, -1).replace(/\\(.)/g, '$1');
      }
      // §9.1: a quoted value must still be a token once unquoted.
      if (!TOKEN_RE.test(v)) {
        bad = `"${v}" is not a valid value for ${k}`;
        break;
      }
      params[k] = v;
    }
    if (bad !== null) {
      if (lenient) continue;
      return { error: bad };
    }
    offers.push({ name, params });
  }
  return { offers };
}

function splitOutsideQuotes(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quoted) {
      cur += c;
      if (c === '\\' && i + 1 < s.length) cur += s[++i];
      else if (c === '"') quoted = false;
    } else if (c === '"') {
      quoted = true;
      cur += c;
    } else if (c === sep) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/** Sec-WebSocket-Protocol (§4.1, §11.3.4): a comma-separated list of tokens, in preference order. */
export function parseProtocols(header: string): string[] {
  if (typeof header !== 'string') return [];
  return header
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
}
