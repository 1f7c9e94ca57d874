// RFC 7692 permessage-deflate: parameters and the 00 00 ff ff tail.
import { describe, expect, it } from 'vitest';
import { DEFLATE_TAIL, negotiatedPerMessageDeflate, parsePerMessageDeflateParams, withDeflateTail } from '../../../server/core/wire/index.ts';

describe('RFC 7692 §7.1 extension parameters', () => {
  it('reads all four parameters', () => {
    expect(negotiatedPerMessageDeflate('permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=9')).toEqual({
      serverNoContextTakeover: true,
      clientNoContextTakeover: true,
      serverMaxWindowBits: 10,
      clientMaxWindowBits: 9,
    });
  });

  it('a bare client_max_window_bits (an offer) is true; nothing given is null', () => {
    expect(parsePerMessageDeflateParams({ client_max_window_bits: true })).toEqual({
      params: { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: null, clientMaxWindowBits: true },
    });
  });

  it.each([
    [{ server_max_window_bits: '7' }, 'server_max_window_bits=7 is outside 8-15'],
    [{ server_max_window_bits: true }, 'server_max_window_bits needs a value from 8 to 15'],
    [{ client_max_window_bits: 'x' }, 'client_max_window_bits=x is not a number'],
    [{ server_no_context_takeover: '1' }, 'server_no_context_takeover takes no value'],
    [{ mystery: true }, 'unknown permessage-deflate parameter mystery'],
  ] as [Record<string, string | true>, string][])('%j is rejected: %s', (params, error) => {
    expect(parsePerMessageDeflateParams(params)).toEqual({ error });
  });

  it('no permessage-deflate in the answer means none negotiated', () => {
    expect(negotiatedPerMessageDeflate(undefined)).toBeNull();
    expect(negotiatedPerMessageDeflate('x-other')).toBeNull();
  });
});

describe('RFC 7692 §7.2.2 decompression', () => {
  it('appends 00 00 ff ff to the compressed message', () => {
    expect([...DEFLATE_TAIL]).toEqual([0, 0, 0xff, 0xff]);
    expect([...withDeflateTail(Uint8Array.of(0xf2, 0x48))]).toEqual([0xf2, 0x48, 0, 0, 0xff, 0xff]);
  });
});
