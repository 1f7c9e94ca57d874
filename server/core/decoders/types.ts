// The shape every subprotocol decoder shares. A decoder reads one WebSocket message at a time (its
// bytes as far as they are known: the tap's events carry a preview, so the end may be cut), keeps
// whatever per-connection state its protocol needs, and answers with decoded items: a one-line
// summary and named fields, all plain text. Decoders read untrusted bytes: they never throw, bound
// their work, and say what was malformed in a sentence.

export type Dir = 'c2s' | 's2c';

export interface DecoderMessage {
  dir: Dir;
  /** opcode 2 (binary) rather than 1 (text) */
  binary: boolean;
  /** the message's bytes as far as they are known: a prefix when `length` is larger */
  bytes: Uint8Array;
  /** the message's full length in bytes; larger than bytes.length when the end was not captured */
  length: number;
}

/** One decoded unit: a packet, a STOMP frame, a JSON-RPC call of a batch. */
export interface DecodedItem {
  summary: string;
  /** [name, value] in reading order; names carry the decoder's prefix ("mqtt.topic"); a name may repeat */
  fields: [string, string][];
  /** the message ended before this item did: later fields are missing, the last one may be cut */
  cut?: boolean;
  /** a sentence saying what is wrong, when the bytes do not follow the protocol */
  malformed?: string;
}

export interface Decoded {
  /** the decoder's id, also the prefix of its field names ("sio", "mqtt", "stomp", "gql", "rpc") */
  decoder: string;
  /** the protocol's name for people ("Socket.IO v5 / Engine.IO v4") */
  protocol: string;
  items: DecodedItem[];
}

/** What a connection's opening says, to choose a decoder. */
export interface ConnectionHints {
  /** the negotiated Sec-WebSocket-Protocol, or null */
  subprotocol: string | null;
  /** the request target ("/socket.io/?EIO=4&transport=websocket"), or '' */
  target: string;
}

export interface DecoderDef {
  id: string;
  protocol: string;
  /** Sec-WebSocket-Protocol values that select it (compared case-insensitively) */
  subprotocols: readonly string[];
  /** true when the connection's opening (the request target) names this protocol */
  recogniseTarget?(target: string): boolean;
  /** true when one of a connection's first messages shows this protocol */
  recognise(m: DecoderMessage): boolean;
  /** a decoder for one connection (its state lives in the closure) */
  create(): (m: DecoderMessage) => Decoded;
}
