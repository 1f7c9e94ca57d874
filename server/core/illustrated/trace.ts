// The shape of the illustrated connection's trace (web/src/illustrated/trace.json and the answer of
// POST /__wslab/illustrated/run): one WebSocket session as the tap saw it, record by record, each
// record the exact bytes that crossed the TCP connection in one direction. Pure: no node:*, no DOM.

/** Who wrote the bytes. */
export type TraceDir = 'client' | 'server';

export type TraceRecord =
  /** a TCP event with no WebSocket bytes (the tap sees what is above TCP only) */
  | { kind: 'tcp'; dir: TraceDir; step: 'connect' | 'close' }
  /** an HTTP head (the upgrade request or the 101 response), hex of its latin1 bytes */
  | { kind: 'http'; dir: TraceDir; hex: string }
  /** one frame exactly as sent (header, masking key, masked payload), hex; `inflated` is the tap's inflated text of a compressed frame */
  | { kind: 'frame'; dir: TraceDir; hex: string; inflated: string | null };

export interface Trace {
  version: 1;
  /** how the records were made: the fixed inputs, or what a live run chose at random */
  inputs: {
    host: string;
    key: string;
    /** the client's masking keys in the order its frames were sent, hex */
    masks: string[];
  };
  records: TraceRecord[];
}

/** The fixed inputs of the committed trace: RFC 6455's own sample key (§1.3) and masking key (§5.7) first. */
export const FIXED_INPUTS: Trace['inputs'] = {
  host: 'localhost',
  key: 'dGhlIHNhbXBsZSBub25jZQ==',
  masks: ['37fa213d', '0a0b0c0d', '1c2d3e4f', 'a1b2c3d4', '55aa55aa', 'deadbeef'],
};

/** The text each client message carries (the session's script). */
export const SCRIPT = {
  text: 'Hello',
  fragments: ['Hel', 'lo, fragments!'],
  ping: 'hb-1',
  deflated: 'Hello, Hello, Hello, Hello!',
  closeCode: 1000,
  closeReason: 'bye',
} as const;
