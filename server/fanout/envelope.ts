// The message envelope from the notes — { type, id, meta: { timestamp, ... }, payload } — with
// runtime validation (zod). Pure: no node:*, no DOM, no clock (callers pass timestamps).
//
// parseClientMessage never throws: every way a message can be wrong maps to one stable error code,
// a reason a person can read, and the offending envelope id when one could be read.
import { z } from 'zod';

/** Largest chat envelope accepted, bytes of UTF-8 (ws's maxPayload stays higher, so an oversized
 * envelope is answered with an `error`, not a 1009 close). */
export const MAX_ENVELOPE_BYTES = 8 * 1024;
/** Longest chat/dm/broadcast text, characters. */
export const MAX_TEXT = 2000;

export const NAME_RE = /^[A-Za-z0-9_-]{1,32}$/;
const name = (what: string) => z.string().regex(NAME_RE, `${what} must be 1-32 characters of A-Z a-z 0-9 _ -`);
export const RoomName = name('room');
export const UserName = name('user');
const Text = z.string().min(1, 'text must not be empty').max(MAX_TEXT, `text is longer than ${MAX_TEXT} characters`);
const EnvelopeId = z.string().min(1).max(64);

/** The shape every envelope has, whatever its type. */
export const Envelope = z.object({
  type: z.string().min(1).max(32),
  id: EnvelopeId,
  meta: z.object({ timestamp: z.number().optional() }).catchall(z.unknown()).optional(),
  payload: z.record(z.string(), z.unknown()),
});

/** Client → server payloads, by type. */
export const CLIENT_PAYLOADS = {
  auth: z.object({ token: z.string().min(1).max(4096) }),
  join: z.object({ room: RoomName }),
  leave: z.object({ room: RoomName }),
  chat: z.object({ room: RoomName, text: Text }),
  dm: z.object({ to: UserName, text: Text }),
  broadcast: z.object({ text: Text }),
  /** acknowledges a message delivered from the offline queue, by its envelope id */
  ack: z.object({ ref: EnvelopeId }),
} as const;

export type ClientType = keyof typeof CLIENT_PAYLOADS;
export const CLIENT_TYPES = Object.keys(CLIENT_PAYLOADS) as ClientType[];

export type ClientMessage = {
  [K in ClientType]: { type: K; id: string; meta: { timestamp?: number; [k: string]: unknown }; payload: z.infer<(typeof CLIENT_PAYLOADS)[K]> };
}[ClientType];

export type ErrorCode =
  | 'bad_json'
  | 'bad_envelope'
  | 'unknown_type'
  | 'too_large'
  | 'bad_payload'
  | 'text_too_long'
  | 'rate_limited'
  | 'too_many_rooms'
  | 'not_in_room'
  | 'already_authenticated'
  | 'broker_down'
  | 'queue_full';

export interface ParseError {
  code: ErrorCode;
  reason: string;
  /** the envelope's id, when the message had a readable one */
  ref: string | null;
}

export type ParseResult = { ok: true; message: ClientMessage } | { ok: false; error: ParseError };

function idOf(value: unknown): string | null {
  if (value && typeof value === 'object' && 'id' in value) {
    const id = (value as { id: unknown }).id;
    if (typeof id === 'string' && id.length > 0 && id.length <= 64) return id;
  }
  return null;
}

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  const path = issue.path.length ? issue.path.join('.') + ': ' : '';
  return path + issue.message;
}

/** Validates one WebSocket message from a client. `byteLength` is the message size on the wire. */
export function parseClientMessage(data: string | null, byteLength: number, maxBytes = MAX_ENVELOPE_BYTES): ParseResult {
  const fail = (code: ErrorCode, reason: string, ref: string | null = null): ParseResult => ({ ok: false, error: { code, reason, ref } });
  if (data === null) return fail('bad_json', 'binary messages are not accepted here: send the envelope as JSON text');
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    if (byteLength > maxBytes) return fail('too_large', `message is ${byteLength} bytes; the limit is ${maxBytes}`);
    return fail('bad_json', 'message is not valid JSON');
  }
  const ref = idOf(json);
  if (byteLength > maxBytes) return fail('too_large', `message is ${byteLength} bytes; the limit is ${maxBytes}`, ref);
  const env = Envelope.safeParse(json);
  if (!env.success) return fail('bad_envelope', `not an envelope {type, id, meta?, payload}: ${firstIssue(env.error)}`, ref);
  const { type, id, payload } = env.data;
  if (!Object.hasOwn(CLIENT_PAYLOADS, type)) {
    return fail('unknown_type', `unknown type "${type}"; expected one of ${CLIENT_TYPES.join(', ')}`, id);
  }
  const schema = CLIENT_PAYLOADS[type as ClientType];
  const body = schema.safeParse(payload);
  if (!body.success) {
    const issue = body.error.issues[0];
    const tooLong = issue?.path[0] === 'text' && issue.code === 'too_big';
    return fail(tooLong ? 'text_too_long' : 'bad_payload', `${type}: ${firstIssue(body.error)}`, id);
  }
  return { ok: true, message: { type, id, meta: env.data.meta ?? {}, payload: body.data } as ClientMessage };
}

/** Server → client envelope. `meta` always carries the timestamp and the node it went through. */
export interface ServerEnvelope {
  type: 'ack' | 'error' | 'chat' | 'dm' | 'broadcast' | 'presence' | 'system';
  id: string;
  meta: { timestamp: number; node: string; [k: string]: unknown };
  payload: Record<string, unknown>;
}

export function encodeEnvelope(e: ServerEnvelope): string {
  return JSON.stringify(e);
}
