// Shared values of RFC 6455: opcodes (§5.2, §11.8) and close codes (§7.4, IANA registry).
// Pure data and tiny lookups; no I/O.

/** RFC 6455 §5.2 "Opcode: 4 bits" and §11.8 (the IANA opcode registry). */
export const OPCODES = {
  CONTINUATION: 0x0,
  TEXT: 0x1,
  BINARY: 0x2,
  CLOSE: 0x8,
  PING: 0x9,
  PONG: 0xa,
} as const;

const OPCODE_NAMES: readonly string[] = [
  'CONTINUATION',
  'TEXT',
  'BINARY',
  'RESERVED_3',
  'RESERVED_4',
  'RESERVED_5',
  'RESERVED_6',
  'RESERVED_7',
  'CLOSE',
  'PING',
  'PONG',
  'RESERVED_B',
  'RESERVED_C',
  'RESERVED_D',
  'RESERVED_E',
  'RESERVED_F',
];

/** The name of an opcode: TEXT, BINARY, CONTINUATION, CLOSE, PING, PONG or RESERVED_X. */
export function opcodeName(op: number): string {
  return OPCODE_NAMES[op & 0x0f] ?? 'UNKNOWN';
}

/** §5.5: "Control frames are identified by opcodes where the most significant bit of the opcode is 1." */
export function isControlOpcode(op: number): boolean {
  return (op & 0x08) !== 0;
}

/** §5.2: %x3-7 and %xB-F are reserved; a receiver that sees one MUST fail the connection. */
export function isKnownOpcode(op: number): boolean {
  return op <= 0x2 || (op >= 0x8 && op <= 0xa);
}

export interface CloseCodeInfo {
  code: number;
  name: string;
  /** one line a learner can read */
  meaning: string;
  /** may an endpoint put this code in a Close frame on the wire (§7.4.1, §7.4.2)? */
  sendable: boolean;
}

type CloseCodeEntry = Omit<CloseCodeInfo, 'code'>;

/**
 * The registered close codes (RFC 6455 §7.4.1 and the IANA "WebSocket Close Code Number"
 * registry, §11.7). 1012-1014 were registered after the RFC; ws accepts them, so do we.
 */
export const CLOSE_CODES: Readonly<Record<number, CloseCodeEntry>> = {
  1000: { name: 'Normal Closure', meaning: 'The purpose of the connection has been fulfilled.', sendable: true },
  1001: { name: 'Going Away', meaning: 'The endpoint is going away: a server shutting down or a browser leaving the page.', sendable: true },
  1002: { name: 'Protocol Error', meaning: 'The endpoint received bytes that break the WebSocket protocol.', sendable: true },
  1003: { name: 'Unsupported Data', meaning: 'The endpoint received a type of data it cannot accept (e.g. binary when it only understands text).', sendable: true },
  1004: { name: 'Reserved', meaning: 'Reserved; its meaning might be defined in the future. Never sent.', sendable: false },
  1005: { name: 'No Status Received', meaning: 'Reported locally when a Close frame carried no code. Must never appear on the wire.', sendable: false },
  1006: { name: 'Abnormal Closure', meaning: 'Reported locally when the connection dropped without a Close frame. Must never appear on the wire.', sendable: false },
  1007: { name: 'Invalid Frame Payload Data', meaning: 'A message contained data inconsistent with its type, e.g. invalid UTF-8 in a text message.', sendable: true },
  1008: { name: 'Policy Violation', meaning: 'A message violated the endpoint\'s policy (a generic code when no better one fits).', sendable: true },
  1009: { name: 'Message Too Big', meaning: 'A message was too big for the endpoint to process.', sendable: true },
  1010: { name: 'Mandatory Extension', meaning: 'The client expected the server to negotiate an extension it did not.', sendable: true },
  1011: { name: 'Internal Error', meaning: 'The server hit an unexpected condition that kept it from fulfilling the request.', sendable: true },
  1012: { name: 'Service Restart', meaning: 'The server is restarting; reconnecting later may succeed.', sendable: true },
  1013: { name: 'Try Again Later', meaning: 'The server is overloaded; try again later.', sendable: true },
  1014: { name: 'Bad Gateway', meaning: 'A gateway or proxy received an invalid response from the upstream server.', sendable: true },
  1015: { name: 'TLS Handshake', meaning: 'Reported locally when the TLS handshake failed. Must never appear on the wire.', sendable: false },
};

/**
 * §7.4.1 / §7.4.2: may this code be sent in a Close frame? Registered codes as marked above,
 * 3000-3999 (registered by libraries and frameworks) and 4000-4999 (private use). 0-999 are
 * unused, 1016-2999 are reserved for future RFCs, and 5000+ is outside every range.
 */
export function isSendableCloseCode(code: number): boolean {
  if (code >= 1000 && code <= 1015) return CLOSE_CODES[code].sendable;
  return code >= 3000 && code <= 4999;
}

/** Name, one-line meaning and sendability of any close code. */
export function describeCloseCode(code: number): CloseCodeInfo {
  const known = CLOSE_CODES[code];
  if (known) return { code, ...known };
  if (!Number.isInteger(code) || code < 0 || code > 0xffff) {
    return { code, name: 'Invalid', meaning: 'Not a 16-bit close code.', sendable: false };
  }
  if (code < 1000) {
    return { code, name: 'Unused', meaning: 'Codes 0-999 are not used (RFC 6455 §7.4.2); never sent.', sendable: false };
  }
  if (code < 3000) {
    return { code, name: 'Reserved', meaning: 'Codes 1016-2999 are reserved for future WebSocket RFCs; never sent today.', sendable: false };
  }
  if (code < 4000) {
    return { code, name: 'Registered (library/framework)', meaning: 'Codes 3000-3999 are registered with IANA by libraries, frameworks and applications.', sendable: true };
  }
  if (code < 5000) {
    return { code, name: 'Private Use', meaning: 'Codes 4000-4999 are for private use: the application decides what they mean (e.g. 4001 = unauthorized).', sendable: true };
  }
  return { code, name: 'Undefined', meaning: 'Codes 5000 and above are outside every range RFC 6455 defines; never sent.', sendable: false };
}
