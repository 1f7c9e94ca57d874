import { describe, expect, it } from 'vitest';
import { serverDeflateAnswer } from '../../server/core/conform/cases-12-13.ts';
import type { DeflateOffer } from '../../server/core/conform/types.ts';

const plain: DeflateOffer[] = [{ requestNoContextTakeover: false, requestMaxWindowBits: 0 }];
const small: DeflateOffer[] = [{ requestNoContextTakeover: true, requestMaxWindowBits: 9 }];

describe("the fuzzing server's answer to a client's permessage-deflate offer (chapters 12, 13)", () => {
  it('is none when the client offers no valid permessage-deflate', () => {
    expect(serverDeflateAnswer(plain, undefined)).toEqual({ kind: 'none' });
    expect(serverDeflateAnswer(plain, 'x-webkit-deflate-frame')).toEqual({ kind: 'none' });
    expect(serverDeflateAnswer(plain, 'permessage-deflate; server_max_window_bits=20')).toEqual({ kind: 'none' });
  });

  it('accepts the first valid offer, granting what the client asked of the server', () => {
    expect(serverDeflateAnswer(plain, 'permessage-deflate; bogus, permessage-deflate; server_no_context_takeover; server_max_window_bits=10')).toEqual({
      kind: 'accepted',
      text: 'permessage-deflate; server_no_context_takeover; server_max_window_bits=10',
      params: { serverNoContextTakeover: true, clientNoContextTakeover: false, serverMaxWindowBits: 10, clientMaxWindowBits: null },
    });
  });

  it("asks the client for what the case's first offer names: client_no_context_takeover always, client_max_window_bits only when offered, never above the client's value", () => {
    expect(serverDeflateAnswer(small, 'permessage-deflate; client_max_window_bits')).toMatchObject({ text: 'permessage-deflate; client_no_context_takeover; client_max_window_bits=9' });
    expect(serverDeflateAnswer(small, 'permessage-deflate')).toMatchObject({ text: 'permessage-deflate; client_no_context_takeover' });
    expect(serverDeflateAnswer([{ requestNoContextTakeover: false, requestMaxWindowBits: 15 }], 'permessage-deflate; client_max_window_bits=11')).toMatchObject({
      text: 'permessage-deflate; client_max_window_bits=11',
      params: { clientMaxWindowBits: 11 },
    });
  });
});
