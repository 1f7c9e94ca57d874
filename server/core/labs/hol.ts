// The head-of-line blocking lab's protocol (/lab/hol), shared by the server's lab and the page that
// drives it: the size cap, the acknowledgement every message gets, and the greeting on open.

/** Largest message /lab/hol accepts, bytes. */
export const HOL_MAX_PAYLOAD = 8 * 1024 * 1024;

export interface HolAck {
  type: 'ack';
  n: number;
  bytes: number;
  binary: boolean;
  t: number;
}

export interface HolHello {
  type: 'hello';
  conn: string;
  maxPayload: number;
}
