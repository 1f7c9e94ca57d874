// An offer of permessage-deflate the lab cannot accept is declined, not refused (RFC 7692 §5): ws's
// own accept decides which offers fit the lab's options, and the handshake event says why.
import { describe, expect, test } from 'vitest';
import { deflateOfferDeclined } from '../../server/connection/ws-adapter.ts';
import { declinedSentence, deflateOptions } from '../../server/connection/deflate-options.ts';

const MAX = 64 * 1024;
const SMALL = deflateOptions('small');

describe('deflateOfferDeclined', () => {
  test('accepts what the small-window options can grant: a plain offer, server_max_window_bits of 10 or more', () => {
    expect(deflateOfferDeclined(SMALL, MAX, 'permessage-deflate; client_max_window_bits')).toBe(null);
    expect(deflateOfferDeclined(SMALL, MAX, 'permessage-deflate; client_no_context_takeover; client_max_window_bits; server_max_window_bits=10')).toBe(null);
    expect(deflateOfferDeclined(SMALL, MAX, 'permessage-deflate; client_max_window_bits; server_max_window_bits=15')).toBe(null);
  });

  test("declines an offer asking for a smaller server window than the lab's 1 KiB (server_max_window_bits=9 or 8)", () => {
    expect(deflateOfferDeclined(SMALL, MAX, 'permessage-deflate; client_no_context_takeover; client_max_window_bits; server_max_window_bits=9')).toBe('None of the extension offers can be accepted');
    expect(deflateOfferDeclined(SMALL, MAX, 'permessage-deflate; client_max_window_bits; server_max_window_bits=8')).toBe('None of the extension offers can be accepted');
  });

  test('accepts when any one of several offers fits (13.7: the first too small, the second fits)', () => {
    expect(deflateOfferDeclined(SMALL, MAX, 'permessage-deflate; client_max_window_bits; server_max_window_bits=9, permessage-deflate; client_max_window_bits')).toBe(null);
  });

  test('declines an offer with an invalid parameter value or an unknown parameter', () => {
    expect(deflateOfferDeclined(SMALL, MAX, 'permessage-deflate; server_max_window_bits=7')).toBe('Invalid value for parameter "server_max_window_bits": 7');
    expect(deflateOfferDeclined(SMALL, MAX, 'permessage-deflate; colour=blue')).toBe('Unknown parameter "colour"');
  });

  test('leaves to ws what is not an offer it decides: no header, no permessage-deflate in it, a header that does not parse, deflate off', () => {
    expect(deflateOfferDeclined(SMALL, MAX, undefined)).toBe(null);
    expect(deflateOfferDeclined(SMALL, MAX, 'x-webkit-deflate-frame')).toBe(null);
    expect(deflateOfferDeclined(SMALL, MAX, 'permessage-deflate;;')).toBe(null);
    expect(deflateOfferDeclined(false, MAX, 'permessage-deflate; server_max_window_bits=9')).toBe(null);
  });

  test("ws's full defaults (?deflate=takeover) grant any window the client asks for", () => {
    expect(deflateOfferDeclined(true, MAX, 'permessage-deflate; server_max_window_bits=9')).toBe(null);
  });
});

describe('declinedSentence', () => {
  test("names the lab's settings when no offer fits, and ws's reason when an offer is invalid", () => {
    expect(declinedSentence('small', 'None of the extension offers can be accepted')).toBe(
      "The server declined permessage-deflate and opened the connection without it (RFC 7692 §5): none of the client's offers fits the lab's settings (server_max_window_bits=10 and client_max_window_bits=10, no context takeover; an offer's server_max_window_bits below the lab's window, for one, cannot be granted).",
    );
    expect(declinedSentence('small-open', 'Unknown parameter "colour"')).toBe(
      'The server declined permessage-deflate and opened the connection without it (RFC 7692 §5): the offer is invalid (Unknown parameter "colour").',
    );
  });
});
