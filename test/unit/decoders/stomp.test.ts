import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { stomp } from '../../../server/core/decoders/stomp.ts';
import { fields, text } from './helpers.ts';

describe('STOMP 1.2 decoder', () => {
  it('reads CONNECT, SEND with content-length, MESSAGE with escaped headers, and heart-beats', () => {
    const d = stomp.create();
    const c = d(text('CONNECT\naccept-version:1.2\nhost:lab\nheart-beat:10000,10000\n\n\0'));
    expect(c.items[0].summary).toBe('CONNECT accept-version=1.2');
    expect(fields(c)).toEqual({ 'stomp.command': 'CONNECT', 'stomp.accept-version': '1.2', 'stomp.host': 'lab', 'stomp.heart-beat': '10000,10000' });
    const s = d(text('SEND\ndestination:/queue/a\ncontent-type:text/plain\ncontent-length:5\n\nhe\0lo\0'));
    expect(fields(s)).toEqual({ 'stomp.command': 'SEND', 'stomp.destination': '/queue/a', 'stomp.content-type': 'text/plain', 'stomp.content-length': '5', 'stomp.body': 'he\0lo' });
    const m = d(text('MESSAGE\r\ndestination:/topic/a\\cb\r\nmessage-id:1\r\nsubscription:0\r\nfoo:1\r\nfoo:2\r\n\r\nhi\0', 's2c'));
    expect(m.items[0].summary).toBe('MESSAGE /topic/a:b subscription=0 message=… "hi"'.replace(' message=…', ''));
    expect(fields(m)).toEqual({ 'stomp.command': 'MESSAGE', 'stomp.destination': '/topic/a:b', 'stomp.message-id': '1', 'stomp.subscription': '0', 'stomp.foo': '1', 'stomp.body': 'hi' });
    expect(d(text('\n', 's2c')).items[0].summary).toBe('heart-beat');
  });

  it('reads two frames in one message', () => {
    const d = stomp.create();
    expect(d(text('SUBSCRIBE\nid:0\ndestination:/a\n\n\0\nSUBSCRIBE\nid:1\ndestination:/b\n\n\0')).items.map((i) => i.summary)).toEqual(['SUBSCRIBE /a id=0', 'SUBSCRIBE /b id=1']);
  });

  it('says what is malformed', () => {
    const d = stomp.create();
    expect(d(text('HELLO\n\n\0')).items[0].malformed).toBe('"HELLO" is not a STOMP 1.2 command.');
    expect(d(text('SEND\ndestination /a\n\n\0')).items[0].malformed).toBe('The header line "destination /a" has no ":".');
    expect(d(text('SEND\na:\\t\n\n\0')).items[0].malformed).toBe('The header line "a:\\\\t" uses an escape STOMP 1.2 does not define.');
    expect(d(text('SEND\ndestination:/a\n\nbody')).items[0].malformed).toBe('A STOMP frame ends with a NUL byte.');
  });

  it('reads a cut frame as far as it goes', () => {
    const d = stomp.create();
    const r = d(text('SEND\ndestination:/queue/long\n\nsome body that was cut\0', 'c2s', 40));
    expect(r.items[0].cut).toBe(true);
    expect(fields(r)).toEqual({ 'stomp.command': 'SEND', 'stomp.destination': '/queue/long', 'stomp.body': 'some body ' });
  });

  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('SEND', 'CONNECT', '\n', '\r', ':', '\\', '\0', 'a', 'content-length:', '3', 'é') }), fc.nat(60), (s, keep) => {
        expect(stomp.create()(text(s, 'c2s', keep)).items.length).toBeGreaterThan(0);
      }),
      { numRuns: 500 },
    );
  });
});
