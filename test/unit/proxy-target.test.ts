// wslab proxy's pure rules: where a request goes upstream, how its head is rewritten, and where
// frames end in a relayed stream (so the proxy's own control frames go between two frames).
import { describe, expect, it } from 'vitest';
import { parseHeaderOption, parseTarget, rewriteRequest, upstreamTarget, upstreamUrl } from '../../server/proxy/target.ts';
import { FrameBoundary, closePayload, controlFrame } from '../../server/proxy/boundary.ts';
import { isProxiedPath } from '../../server/proxy/relay.ts';

describe('proxy targets', () => {
  it('appends the request path to the target path and keeps both queries', () => {
    const t = parseTarget('wss://api.example.com/v2?token=a');
    expect(upstreamTarget(t, '/chat?room=1')).toBe('/v2/chat?token=a&room=1');
    expect(upstreamTarget(t, '/')).toBe('/v2?token=a');
    expect(upstreamUrl(t, '/chat')).toBe('wss://api.example.com/v2/chat?token=a');
    const bare = parseTarget('ws://127.0.0.1:9000');
    expect(upstreamTarget(bare, '/a/b?c=d')).toBe('/a/b?c=d');
    expect(upstreamTarget(bare, '/')).toBe('/');
    expect(parseTarget('ws://[::1]:9000/x')).toMatchObject({ host: '::1', port: 9000, hostHeader: '[::1]:9000', secure: false });
    expect(parseTarget('wss://h')).toMatchObject({ port: 443, hostHeader: 'h' });
  });

  it('refuses targets that are not ws:// or wss:// URLs with a sentence', () => {
    expect(() => parseTarget('http://x')).toThrow('the upstream must be a ws:// or wss:// URL, got http://');
    expect(() => parseTarget('nonsense')).toThrow('"nonsense" is not a URL');
    expect(() => parseTarget('ws://u:p@x')).toThrow('may not carry a user name or password');
  });

  it('rewrites only the request line, Host and the headers asked for, keeping every other line as sent', () => {
    const head = 'GET /chat HTTP/1.1\r\nhost: 127.0.0.1:8080\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nOrigin: http://localhost:3000\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nX-Odd-Case: v\r\n\r\n';
    expect(rewriteRequest(head, '/v2/chat', 'api.example.com', [['Origin', 'https://app.example.com'], ['Authorization', 'Bearer t']])).toBe(
      'GET /v2/chat HTTP/1.1\r\nhost: api.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nX-Odd-Case: v\r\nOrigin: https://app.example.com\r\nAuthorization: Bearer t\r\n\r\n',
    );
    expect(rewriteRequest(head, '/chat', 'h:1', [])).toBe(head.replace('127.0.0.1:8080', 'h:1'));
  });

  it('parses --header and refuses headers that would break the handshake', () => {
    expect(parseHeaderOption('Authorization:  Bearer x ')).toEqual(['Authorization', 'Bearer x']);
    expect(() => parseHeaderOption('Sec-WebSocket-Key: x')).toThrow('would break the handshake');
    expect(() => parseHeaderOption('no colon')).toThrow('is not "Name: value"');
  });

  it('forwards every path but wslab\'s own', () => {
    expect([isProxiedPath('/'), isProxiedPath('/socket.io/'), isProxiedPath('/labs'), isProxiedPath('/lab/echo'), isProxiedPath('/__wslab/events')]).toEqual([true, true, true, false, false]);
  });
});

describe('frame boundaries in a relayed stream', () => {
  const frame = (len: number, masked: boolean): Uint8Array => {
    const ext = len > 65535 ? 8 : len > 125 ? 2 : 0;
    const out = new Uint8Array(2 + ext + (masked ? 4 : 0) + len);
    out[0] = 0x82;
    out[1] = (masked ? 0x80 : 0) | (ext === 8 ? 127 : ext === 2 ? 126 : len);
    if (ext === 2) new DataView(out.buffer).setUint16(2, len);
    if (ext === 8) new DataView(out.buffer).setBigUint64(2, BigInt(len));
    return out;
  };

  it('finds each frame end whatever the chunking, for 7-, 16- and 64-bit lengths, masked or not', () => {
    const frames = [frame(0, false), frame(5, true), frame(300, false), frame(70_000, true)];
    const stream = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
    let at = 0;
    const ends: number[] = [];
    for (const f of frames) {
      stream.set(f, at);
      at += f.length;
      ends.push(at);
    }
    for (const size of [1, 3, 7, 1000, stream.length]) {
      const b = new FrameBoundary();
      const found: number[] = [];
      for (let start = 0; start < stream.length; start += size) {
        let chunk = stream.subarray(start, Math.min(stream.length, start + size));
        let base = start;
        for (;;) {
          const end = b.firstEnd(chunk);
          if (end < 0) break;
          found.push(base + end);
          base += end;
          chunk = chunk.subarray(end);
          if (chunk.length === 0) break;
        }
      }
      expect(found).toEqual(ends);
      expect(b.atBoundary).toBe(true);
    }
    const mid = new FrameBoundary();
    expect(mid.feed(stream.subarray(0, ends[1] + 1))).toBe(false);
  });

  it('builds the control frames the proxy injects', () => {
    expect([...controlFrame(9, new TextEncoder().encode('hb:1'))]).toEqual([0x89, 4, 0x68, 0x62, 0x3a, 0x31]);
    expect([...controlFrame(8, closePayload(1001, 'x'), new Uint8Array([1, 2, 3, 4]))]).toEqual([0x88, 0x83, 1, 2, 3, 4, 0x03 ^ 1, 0xe9 ^ 2, 0x78 ^ 3]);
  });
});
