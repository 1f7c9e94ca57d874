import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { socketIo } from '../../../server/core/decoders/socketio.ts';
import { bin, fields, text } from './helpers.ts';

describe('Socket.IO v5 / Engine.IO v4 decoder', () => {
  it('reads the open packet, events with namespace and ack id, acks and pings', () => {
    const d = socketIo.create();
    const open = d(text('0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}', 's2c'));
    expect(open.items[0].summary).toBe('OPEN sid=lv_VI97HAXpY6yYWAAAC');
    expect(fields(open)).toEqual({ 'sio.eio': 'OPEN', 'sio.sid': 'lv_VI97HAXpY6yYWAAAC', 'sio.pingInterval': '25000', 'sio.pingTimeout': '20000', 'sio.maxPayload': '1000000', 'sio.upgrades': '[]' });
    expect(fields(d(text('40/admin,{"token":"x"}')))).toEqual({ 'sio.eio': 'MESSAGE', 'sio.type': 'CONNECT', 'sio.nsp': '/admin', 'sio.data': '{"token":"x"}' });
    const ev = d(text('42/admin,13["chat","hi",{"n":1}]'));
    expect(ev.items[0].summary).toBe('EVENT /admin "chat" (ack 13)');
    expect(fields(ev)).toEqual({ 'sio.eio': 'MESSAGE', 'sio.type': 'EVENT', 'sio.nsp': '/admin', 'sio.id': '13', 'sio.event': 'chat', 'sio.arg': ['hi', '{"n":1}'] });
    expect(fields(d(text('4313["ok"]', 's2c')))).toEqual({ 'sio.eio': 'MESSAGE', 'sio.type': 'ACK', 'sio.nsp': '/', 'sio.id': '13', 'sio.arg': 'ok' });
    expect(d(text('2', 's2c')).items[0]).toEqual({ summary: 'PING', fields: [['sio.eio', 'PING']] });
    expect(d(text('44{"message":"Not authorized"}', 's2c')).items[0].summary).toBe('CONNECT_ERROR "Not authorized"');
  });

  it('labels the binary messages after a binary event as its attachments, in its direction', () => {
    const d = socketIo.create();
    const ev = d(text('452-["upload",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]'));
    expect(ev.items[0].summary).toBe('BINARY_EVENT "upload" + 2 attachments');
    expect(fields(ev)['sio.placeholders']).toBe('2');
    expect(d(bin([9], 's2c')).items[0].summary).toBe('binary message (1 B)');
    expect(d(bin([1, 2, 3])).items[0].summary).toBe('attachment 1 of 2 for "upload" (3 B)');
    expect(fields(d(bin([4])))['sio.attachment']).toBe('2/2');
    expect(d(bin([5])).items[0].summary).toBe('binary message (1 B)');
  });

  it('reports malformed packets in a sentence', () => {
    const d = socketIo.create();
    expect(d(text('9')).items[0].malformed).toBe('"9" is not an Engine.IO packet type (0 to 6).');
    expect(d(text('47')).items[0].malformed).toBe('"7" is not a Socket.IO packet type (0 to 6).');
    expect(d(text('42{"a":1}')).items[0].malformed).toBe('A EVENT packet carries a JSON array, [event name, ...arguments].');
    expect(d(text('451-["x"]')).items[0].malformed).toBe('The packet announces 1 attachment but holds 0 placeholders.');
  });

  it('reads a cut event as far as it goes', () => {
    const d = socketIo.create();
    const r = d(text('42["chat","a long message that the tap cut short"]', 'c2s', 20));
    expect(r.items[0].cut).toBe(true);
    expect(fields(r)).toEqual({ 'sio.eio': 'MESSAGE', 'sio.type': 'EVENT', 'sio.nsp': '/', 'sio.event': 'chat', 'sio.arg': 'a long me' });
  });

  it('recognises the open packet and the probe', () => {
    expect(socketIo.recognise(text('0{"sid":"abc"}', 's2c'))).toBe(true);
    expect(socketIo.recognise(text('2probe'))).toBe(true);
    expect(socketIo.recognise(text('hello'))).toBe(false);
    expect(socketIo.recogniseTarget!('/socket.io/?EIO=4&transport=websocket')).toBe(true);
  });

  it('never throws on arbitrary input, whole or cut', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.oneof(fc.string(), fc.constantFrom('452-[', '42/a,1["e"', '0{"sid"')), fc.boolean(), fc.nat(40)), { maxLength: 8 }), (msgs) => {
        const d = socketIo.create();
        for (const [s, binary, keep] of msgs) {
          const m = text(s, 'c2s', keep);
          const r = d(binary ? { ...m, binary: true } : m);
          expect(r.items.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 400 },
    );
  });
});
