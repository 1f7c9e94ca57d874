// The shapes of the conformance suite (`wslab conform`): a case is data — the bytes to send, the
// events expected back, how the connection must end — and a result is the two verdicts Autobahn
// gives (behaviour, close) with the rule behind them. Pure: the CLI, the tests and a browser page
// share it.
import type { CorpusName } from './corpus.ts';

/** Autobahn|Testsuite's verdicts (case.py), for the behaviour and for the close separately. */
export type Verdict =
  | 'OK'
  | 'NON-STRICT'
  | 'INFORMATIONAL'
  | 'UNIMPLEMENTED'
  | 'FAILED'
  | 'WRONG CODE'
  | 'UNCLEAN'
  | 'FAILED BY CLIENT';

/** Verdicts that pass a CI gate written for Autobahn's reports. */
export const PASSING: ReadonlySet<Verdict> = new Set(['OK', 'NON-STRICT', 'INFORMATIONAL', 'UNIMPLEMENTED']);

/** What the suite saw from the server, in order (Autobahn's `received`). */
export type Observed =
  | { type: 'message'; binary: boolean; payload: Uint8Array }
  | { type: 'ping'; payload: Uint8Array }
  | { type: 'pong'; payload: Uint8Array }
  /** a pause of the script passed with the connection still open (Autobahn's ("timeout", tag)) */
  | { type: 'timeout'; tag: string };

/** One thing the client does, in order. */
export type Step =
  /** send one frame; masked with a random key unless `unmasked` (wslab's own chapter) */
  | {
      kind: 'frame';
      opcode: number;
      fin?: boolean;
      /** the three RSV bits as a number 0-7 (RSV1 = 4, RSV2 = 2, RSV3 = 1), as Autobahn writes them */
      rsv?: number;
      payload?: Uint8Array;
      /** write the frame in pieces of this many bytes, each its own write */
      chop?: number;
      /** write the frame on its own and wait until it left before the next step (Autobahn's sync) */
      sync?: boolean;
      unmasked?: boolean;
      /** declare this payload length instead of the real one (a lie on purpose) */
      lengthOverride?: number;
      lengthBits?: 7 | 16 | 64;
    }
  /** start the closing handshake: a Close frame with this payload; the client is now closing */
  | { kind: 'close'; payload: Uint8Array }
  /** the header of one masked frame whose payload follows in `data` steps (Autobahn's beginMessageFrame) */
  | { kind: 'frameStart'; opcode: number; fin?: boolean; length: number }
  | { kind: 'data'; bytes: Uint8Array }
  /** pause; if the connection is still open afterwards, record a timeout event with this tag, else stop */
  | { kind: 'wait'; seconds: number; tag?: string };

export interface ExpectedClose {
  /** must the client (true) or the server (false) start the closing handshake */
  closedByMe: boolean;
  /** close codes the server may send (none at all is always accepted, as in Autobahn) */
  closeCode: number[];
  /** must the TCP connection end after a full close handshake */
  requireClean: boolean;
  /** closing from the wrong side fails the behaviour too (the server did not notice the problem) */
  closedByWrongEndpointIsFatal?: boolean;
}

export interface ConformCase {
  /** Autobahn's number ("6.4.1"), or wslab's own ("w.1.1") */
  id: string;
  /** the RFC 6455 section of the rule */
  rfc: string;
  description: string;
  expectation: string;
  /** the rule the case tests, one sentence a learner understands */
  rule: string;
  steps: Step[];
  /** outcomes by verdict: the first whose events equal what was observed gives the behaviour */
  expected: Partial<Record<'OK' | 'NON-STRICT' | 'INFORMATIONAL', Observed[]>>;
  expectedClose: ExpectedClose;
  /** after the steps, close (send Close 1000) or kill (fail the connection with 1001) after this many seconds */
  end: { after: 'close' | 'kill'; seconds: number };
  /** the close handshake the client starts itself once everything expected arrived is not sent (Autobahn's suppressClose) */
  suppressClose?: boolean;
  /** after judging: 'wrongCode' turns a WRONG CODE close into a FAILED behaviour; 'informational' marks both verdicts INFORMATIONAL */
  post?: 'wrongCode' | 'informational';
  /** chapters 9, 12, 13: messages sent one at a time, each once the one before came back (Autobahn's sendOne/onMessage) */
  echo?: EchoScript;
  /** chapters 12, 13: the permessage-deflate offers of the opening handshake, in order (Autobahn's CLIENT_OFFERS) */
  deflate?: DeflateOffer[];
}

/**
 * A run of echoes: the behaviour is OK when all `count` messages came back as sent before
 * `waitSeconds` ran out, FAILED otherwise; the client closes normally either way (closeAfter).
 */
export interface EchoScript {
  binary: boolean;
  /** bytes per message (Autobahn's DATALEN, LEN) */
  length: number;
  /** messages, each sent once the previous one came back */
  count: number;
  /** the bytes: `repeat` repeated to `length` (sendFrame's payload_len), or consecutive slices of a corpus (12, 13) */
  source: { repeat: Uint8Array } | { corpus: CorpusName };
  /** the message in frames of this many bytes (sendMessage's fragmentSize, autoFragmentSize); 0 or absent: one frame */
  fragmentSize?: number;
  /** the one frame written in pieces of this many bytes (sendFrame's chopsize) */
  chop?: number;
  /** compare the echo byte for byte (12, 13 compare SHA-1s); chapter 9 checks the type and length only, as Autobahn */
  checkContent: boolean;
  /** Autobahn's WAITSECS: then the client closes (1000) and the case has FAILED */
  waitSeconds: number;
}

/** One permessage-deflate offer (autobahn's PerMessageDeflateOffer): the client always accepts no_context_takeover and a max window. */
export interface DeflateOffer {
  /** server_no_context_takeover */
  requestNoContextTakeover: boolean;
  /** server_max_window_bits=N, 0 for none */
  requestMaxWindowBits: number;
}

/** What happened in an echo case, for the verdict. */
export interface EchoOutcome {
  /** the server accepted permessage-deflate (null: the case offered none) */
  deflate: string | null | false;
  /** messages echoed as sent */
  echoed: number;
  /** why the run stopped early, in words; null when every echo came back */
  failure: string | null;
  /** ms from the first message sent to the last echo received */
  elapsedMs: number;
}

/** How one connection ended, from the client's side (the flags of autobahn's protocol). */
export interface CloseFacts {
  /** the WebSocket handshake completed */
  opened: boolean;
  /** the client sent the first Close frame */
  closedByMe: boolean;
  /** the client failed the connection (a timer fired, or the server broke a rule) */
  failedByMe: boolean;
  /** the client dropped the TCP connection itself */
  droppedByMe: boolean;
  /** both Close frames were exchanged and the TCP connection ended */
  wasClean: boolean;
  /** why it was not clean, in words */
  notCleanReason: string | null;
  /** the code in the server's Close frame, null when it sent none or an empty one */
  remoteCloseCode: number | null;
  remoteCloseReason: string | null;
  /** the code in the client's Close frame */
  localCloseCode: number | null;
  /** the rule the server broke in its own frames, if the client saw one */
  serverViolation: string | null;
}

/** One record of the run's wire log: a frame either way, a timer, the TCP end. */
export interface WireRecord {
  /** ms since the case started */
  t: number;
  dir: 'tx' | 'rx' | 'note';
  /** for frames: opcode name, fin, rsv, payload length, first bytes as hex */
  text: string;
}

export interface CaseResult {
  id: string;
  rfc: string;
  description: string;
  expectation: string;
  behavior: Verdict;
  behaviorClose: Verdict;
  /** the expected outcomes, described in words */
  expected: string;
  /** what happened, described in words */
  observed: string;
  /** the rule, and why these verdicts: expected vs observed */
  why: string;
  durationMs: number;
  close: CloseFacts;
  received: Observed[];
  wire: WireRecord[];
}

export interface Summary {
  OK: number;
  'NON-STRICT': number;
  INFORMATIONAL: number;
  UNIMPLEMENTED: number;
  FAILED: number;
}
