import { describe, expect, it, vi } from 'vitest';
import { compileDecodedQuery, decodedSummary, decoderFor, DecoderSession, RECOGNISE_MESSAGES, type FrameLike } from '../../../server/core/decoders/index.ts';

const hex = (s: string) => Buffer.from(s).toString('hex');
const frame = (conn: string, dir: 'c2s' | 's2c', s: string, over: Partial<FrameLike> = {}): FrameLike => ({
  conn,
  dir,
  opcode: 1,
  fin: true,
  rsv1: false,
  payloadLength: Buffer.byteLength(s),
  payloadHex: hex(s).slice(0, 128),
  truncated: Buffer.byteLength(s) > 64,
  inflated: null,
  ...over,
});

describe('choosing a decoder and decoding frame events', () => {
  it('chooses by Sec-WebSocket-Protocol, then by the request target', () => {
    expect(decoderFor({ subprotocol: 'MQTT', target: '' })?.id).toBe('mqtt');
    expect(decoderFor({ subprotocol: 'v12.stomp', target: '' })?.id).toBe('stomp');
    expect(decoderFor({ subprotocol: 'graphql-transport-ws', target: '' })?.protocol).toBe('GraphQL over WebSocket (graphql-transport-ws)');
    expect(decoderFor({ subprotocol: null, target: '/socket.io/?EIO=4&transport=websocket' })?.id).toBe('sio');
    expect(decoderFor({ subprotocol: 'chat', target: '/' })).toBeNull();
  });

  it('recognises a protocol from a first message, and leaves other connections alone', () => {
    const s = new DecoderSession();
    expect(s.frame(frame('c1', 's2c', '0{"sid":"abc","upgrades":[]}'))?.items[0].summary).toBe('OPEN sid=abc');
    expect(s.frame(frame('c1', 'c2s', '42["chat","hi"]'))?.items[0].summary).toBe('EVENT "chat"');
    for (let i = 0; i < 6; i++) expect(s.frame(frame('c2', 'c2s', `plain ${i}`))).toBeNull();
    // past the first messages, a recognisable one is no longer looked at
    expect(s.frame(frame('c2', 'c2s', '{"jsonrpc":"2.0","method":"a","id":1}'))).toBeNull();
    s.open('c3', { subprotocol: 'jsonrpc' });
    expect(s.protocolOf('c3')).toBe('JSON-RPC 2.0');
    expect(decodedSummary(s.frame(frame('c3', 'c2s', '{"jsonrpc":"2.0","method":"a","id":1}'))!)).toBe('a() #1');
  });

  it('decodes a compressed message on its final frame, from the inflated text; control and continuation frames give null', () => {
    const s = new DecoderSession();
    s.open('c1', { subprotocol: 'graphql-transport-ws' });
    expect(s.frame(frame('c1', 'c2s', 'xx', { rsv1: true, fin: false }))).toBeNull();
    expect(s.frame(frame('c1', 'c2s', 'yy', { opcode: 0, fin: true, inflated: '{"type":"ping"}' }))?.items[0].summary).toBe('ping');
    expect(s.frame(frame('c1', 'c2s', '', { opcode: 9 }))).toBeNull();
    expect(s.frame(frame('c1', 'c2s', '{"type":"pong"}', { fin: false }))?.items[0]).toEqual({ summary: 'pong', fields: [['gql.type', 'pong']] });
    expect(s.frame(frame('c1', 'c2s', '}', { opcode: 0 }))).toBeNull();
  });
});

describe('decoding message events', () => {
  it('reads the text of a message event (its first 256 bytes), else its 64-byte hex preview, and marks a longer message cut', () => {
    const s = new DecoderSession();
    s.open('c1', { subprotocol: 'v12.stomp' });
    const body = 'x'.repeat(100);
    const frameText = `SEND\ndestination:/queue/a\ncontent-length:${body.length}\n\n${body}\0`;
    const d = s.message({ conn: 'c1', dir: 'c2s', opcode: 1, length: frameText.length, text: frameText, previewHex: hex(frameText).slice(0, 128) })!;
    expect(d.items[0].fields.find(([k]) => k === 'stomp.body')?.[1]).toBe(body);
    expect(d.items[0].cut).toBeUndefined();
    const long = `SEND\ndestination:/q\n\n${'y'.repeat(400)}\0`;
    const cut = s.message({ conn: 'c1', dir: 'c2s', opcode: 1, length: long.length, text: long.slice(0, 256), previewHex: hex(long).slice(0, 128) })!;
    expect(cut.items[0].cut).toBe(true);
    s.open('c2', { subprotocol: 'mqtt' });
    const pingreq = s.message({ conn: 'c2', dir: 'c2s', opcode: 2, length: 2, text: null, previewHex: 'c000' })!;
    expect(pingreq.items[0].summary).toBe('PINGREQ');
  });
});

describe('the decoded-fields query', () => {
  const d = { decoder: 'mqtt', protocol: 'MQTT', items: [{ summary: '', fields: [['mqtt.type', 'SUBSCRIBE'], ['mqtt.topic', 'lab/a'], ['mqtt.topic', 'lab/b b']] as [string, string][] }] };
  it('stops looking at a connection whose first RECOGNISE_MESSAGES messages matched no protocol: later ones are not even encoded', () => {
    const s = new DecoderSession();
    const tick = (i: number) => ({ conn: 'c9', dir: 's2c' as const, opcode: 1, length: 12, text: `{"tick":${i}}`, previewHex: '' });
    for (let i = 0; i < RECOGNISE_MESSAGES; i++) expect(s.message(tick(i))).toBeNull();
    const encode = vi.spyOn(TextEncoder.prototype, 'encode');
    try {
      for (let i = 0; i < 100; i++) expect(s.message(tick(i))).toBeNull();
      expect(encode).toHaveBeenCalledTimes(0);
    } finally {
      encode.mockRestore();
    }
    expect(s.protocolOf('c9')).toBeNull();
  });

  it('matches decoder names, presence, equality (any case), containment and inequality, all terms together', () => {
    const t = (q: string) => compileDecodedQuery(q).test(d);
    expect(t('mqtt')).toBe(true);
    expect(t('sio')).toBe(false);
    expect(t('mqtt.type=subscribe')).toBe(true);
    expect(t('mqtt.topic=lab/b')).toBe(false);
    expect(t('mqtt.topic="lab/b b"')).toBe(true);
    expect(t('mqtt.topic~b b mqtt.type=SUBSCRIBE')).toBe(false); // "b" alone is read as a decoder name
    expect(t('mqtt.topic~"b b" mqtt.type=SUBSCRIBE')).toBe(true);
    expect(t('mqtt.type!=PUBLISH')).toBe(true);
    expect(t('mqtt.id')).toBe(false);
    expect(compileDecodedQuery('mqtt.type=PUBLISH').test(null)).toBe(false);
    expect(compileDecodedQuery('').test(null)).toBe(true);
  });
  it('says what is wrong with a query', () => {
    expect(compileDecodedQuery('mqtt=PUBLISH').error).toBe('"mqtt" is a decoder, not a field: write mqtt.FIELD=value');
    expect(compileDecodedQuery('sio.event==x').error).toBe('Not a decoded-field term: "sio.event==x" (write name=value, name~value, name!=value or name)');
  });
});
