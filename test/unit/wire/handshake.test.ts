// RFC 6455 §4 opening handshake: accept value, request and response checks, extension and
// subprotocol headers.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { base64, computeAccept, parseExtensions, parseExtensionsStrict, parseProtocols, sha1, validateUpgradeRequest, validateUpgradeResponse } from '../../../server/core/wire/index.ts';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const request = (over: Record<string, string | undefined> = {}) => ({
  host: 'localhost:8080',
  upgrade: 'websocket',
  connection: 'Upgrade',
  'sec-websocket-key': KEY,
  'sec-websocket-version': '13',
  ...over,
});

describe('RFC 6455 §4.2.2 Sec-WebSocket-Accept', () => {
  it('§1.3: dGhlIHNhbXBsZSBub25jZQ== → s3pPLMBiTxaQ9kYGzzhZRbK+xOo=', () => {
    expect(computeAccept(KEY)).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    expect(computeAccept(`  ${KEY} `)).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });

  it('the pure SHA-1 and base64 agree with node:crypto for every length 0-200', () => {
    for (let n = 0; n <= 200; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff);
      expect(base64(sha1(bytes))).toBe(createHash('sha1').update(bytes).digest('base64'));
      expect(base64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
    }
  });
});

describe('RFC 6455 §4.2.1 upgrade request', () => {
  it('accepts a well-formed request, with header names in any case and list values', () => {
    expect(validateUpgradeRequest('GET', request())).toEqual({ ok: true });
    expect(validateUpgradeRequest('GET', { Host: 'x', Upgrade: 'WebSocket', Connection: 'keep-alive, Upgrade', 'Sec-WebSocket-Key': KEY, 'Sec-WebSocket-Version': '13' })).toEqual({ ok: true });
  });

  it.each([
    ['POST', request(), /must be a GET request/],
    ['GET', request({ host: undefined }), /Host header is missing/],
    ['GET', request({ upgrade: undefined }), /Upgrade header is missing/],
    ['GET', request({ upgrade: 'h2c' }), /Upgrade header is "h2c"/],
    ['GET', request({ connection: 'keep-alive' }), /Connection header is "keep-alive"/],
    ['GET', request({ 'sec-websocket-key': undefined }), /Sec-WebSocket-Key header is missing/],
    ['GET', request({ 'sec-websocket-key': 'short==' }), /not the base64 of 16 bytes/],
    ['GET', request({ 'sec-websocket-version': undefined }), /Sec-WebSocket-Version header is missing/],
    ['GET', request({ 'sec-websocket-version': '8' }), /only 13 is defined; a server answers 426/],
  ])('request %# (%s) is refused with an explanation', (method, headers, reason) => {
    const r = validateUpgradeRequest(method, headers);
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.reason).toMatch(reason);
    expect(r.ok ? '' : r.reason).toMatch(/RFC 6455 §4/);
  });
});

describe('RFC 6455 §4.1 101 response', () => {
  const good = { upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-accept': 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=' };

  it('accepts a correct 101', () => {
    expect(validateUpgradeResponse(101, good, KEY)).toEqual({ ok: true });
    expect(validateUpgradeResponse(101, { ...good, 'sec-websocket-extensions': 'permessage-deflate; client_max_window_bits=15', 'sec-websocket-protocol': 'chat' }, KEY)).toEqual({ ok: true });
  });

  it.each([
    [200, good, /answered 200, not 101/],
    [101, { ...good, upgrade: undefined }, /Upgrade header is missing/],
    [101, { ...good, connection: 'close' }, /Connection header is "close"/],
    [101, { ...good, 'sec-websocket-accept': undefined }, /missing; it must be s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=/],
    [101, { ...good, 'sec-websocket-accept': 'AAAA' }, /is "AAAA", but for this key it must be "s3pPLMBiTxaQ9kYGzzhZRbK\+xOo="/],
    [101, { ...good, 'sec-websocket-extensions': 'permessage-deflate; x="unclosed' }, /cannot be parsed/],
    [101, { ...good, 'sec-websocket-protocol': 'chat, superchat' }, /exactly one subprotocol/],
  ])('response %# (status %s) is refused with an explanation', (status, headers, reason) => {
    const r = validateUpgradeResponse(status, headers, KEY);
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.reason).toMatch(reason);
  });
});

describe('RFC 6455 §9.1 Sec-WebSocket-Extensions', () => {
  it('parses offers, bare params, token and quoted values', () => {
    expect(parseExtensions('permessage-deflate; client_max_window_bits; server_max_window_bits="10", x-webkit-deflate-frame')).toEqual([
      { name: 'permessage-deflate', params: { client_max_window_bits: true, server_max_window_bits: '10' } },
      { name: 'x-webkit-deflate-frame', params: {} },
    ]);
  });

  it('skips malformed entries leniently and reports them strictly', () => {
    expect(parseExtensions('bad name, permessage-deflate')).toEqual([{ name: 'permessage-deflate', params: {} }]);
    expect(parseExtensionsStrict('permessage-deflate; a=b c')).toEqual({ error: '"b c" is not a valid value for a' });
  });
});

describe('RFC 6455 §4.1 Sec-WebSocket-Protocol', () => {
  it('splits the comma list and trims', () => {
    expect(parseProtocols('chat, superchat ,v2.json')).toEqual(['chat', 'superchat', 'v2.json']);
    expect(parseProtocols('')).toEqual([]);
  });
});
