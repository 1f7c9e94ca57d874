// The numbers on /cheatsheet, computed from the codec (server/core/wire) rather than typed in,
// so the sheet and the decoder cannot disagree. Pure: no DOM, no React.
import { CLOSE_CODES, OPCODES, computeAccept, encodeFrame, isControlOpcode, opcodeName, WEBSOCKET_GUID } from '../../../server/core/wire/index.ts';

export interface HeaderSizeRow {
  /** the payload lengths this row covers */
  range: string;
  /** what the 7-bit length field holds */
  len7: string;
  /** bytes of extended length */
  extended: number;
  /** header bytes of a server frame (unmasked) and a client frame (masked) */
  unmasked: number;
  masked: number;
}

const KEY = new Uint8Array([1, 2, 3, 4]);

/** Header bytes of a text frame carrying `n` payload bytes, measured by encoding one. */
export function headerBytes(n: number, masked: boolean): number {
  return encodeFrame({ opcode: OPCODES.TEXT, payload: new Uint8Array(n), maskingKey: masked ? KEY : null }).length - n;
}

/** The three length encodings of §5.2, each measured at both ends of its range. */
export function headerSizes(): HeaderSizeRow[] {
  const rows: Array<[string, string, number, number]> = [
    ['0 – 125', 'the length', 0, 125],
    ['126 – 65,535', '126', 126, 65_535],
    ['65,536 and up', '127', 65_536, 65_536],
  ];
  return rows.map(([range, len7, lo, hi]) => {
    const unmasked = headerBytes(lo, false);
    const masked = headerBytes(lo, true);
    if (headerBytes(hi, false) !== unmasked || headerBytes(hi, true) !== masked) throw new Error(`header size changes inside ${range}`);
    return { range, len7, extended: unmasked - 2, unmasked, masked };
  });
}

export interface OpcodeRow {
  hex: string;
  name: string;
  control: boolean;
}

export function opcodeRows(): OpcodeRow[] {
  return Object.values(OPCODES).map((op) => ({ hex: `0x${op.toString(16).toUpperCase()}`, name: opcodeName(op), control: isControlOpcode(op) }));
}

/** Who puts each code in a Close frame (RFC 6455 §7.4.1 and what libraries do). */
const SENDERS: Record<number, string> = {
  1000: 'either side, done on purpose',
  1001: 'server shutting down; browser leaving the page',
  1002: 'the side that received bytes breaking RFC 6455',
  1003: 'the side that got a data type it cannot take',
  1004: 'nobody (reserved)',
  1005: 'nobody: reported when a close had no code',
  1006: 'nobody: reported when TCP dropped without a close',
  1007: 'the side that got bad data (invalid UTF-8 text)',
  1008: 'usually the server (auth, Origin, rules)',
  1009: 'the side whose size limit was passed',
  1010: 'the client, when the server skipped a required extension',
  1011: 'the server, on an unexpected error',
  1012: 'the server, restarting',
  1013: 'the server, overloaded',
  1014: 'a gateway, when its upstream failed',
  1015: 'nobody: reported when TLS failed',
};

export interface CloseRow {
  code: number;
  name: string;
  onWire: boolean;
  sender: string;
}

export function closeRows(): CloseRow[] {
  return Object.entries(CLOSE_CODES)
    .map(([code, info]) => ({ code: Number(code), name: info.name, onWire: info.sendable, sender: SENDERS[Number(code)] ?? '' }))
    .filter((r) => r.code !== 1004);
}

/** RFC 6455 §1.3's own example key and the accept value it must produce. */
export const SAMPLE_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
export function sampleAccept(): string {
  return computeAccept(SAMPLE_KEY);
}
export { WEBSOCKET_GUID };

export const READY_STATES: ReadonlyArray<{ value: number; name: string; meaning: string }> = [
  { value: 0, name: 'CONNECTING', meaning: 'handshake under way; send() throws' },
  { value: 1, name: 'OPEN', meaning: 'messages flow both ways' },
  { value: 2, name: 'CLOSING', meaning: 'close frame sent or received; no more sends' },
  { value: 3, name: 'CLOSED', meaning: 'TCP gone; onclose has fired' },
];
