// How to show a payload: text, pretty JSON (with the envelope fields of the message-design
// lesson labelled), a close frame's code and reason, or hex + ASCII. Pure.
import { describeCloseCode, parseClosePayload } from '../../../server/core/wire/index.ts';
import { isReadable, utf8OrNull } from './bytes.ts';

/** The envelope fields the message-design lesson teaches: type, id, meta, payload. */
export const ENVELOPE_FIELDS = ['type', 'id', 'meta', 'payload'] as const;

export type PayloadView =
  | { kind: 'empty' }
  | { kind: 'text'; text: string }
  | { kind: 'json'; pretty: string; envelope: { field: string; json: string }[] }
  | { kind: 'binary'; bytes: Uint8Array; note: string | null }
  | {
      kind: 'close';
      code: number | null;
      name: string | null;
      meaning: string | null;
      reason: string;
      /** set when the close payload itself breaks a rule (one byte, bad code, bad UTF-8) */
      problem: string | null;
    };

/**
 * Decide how to show `payload`. `opcode` is the frame's own opcode; `messageOpcode` the data
 * opcode of its message (so a continuation of a text message is shown as text); `compressed`
 * when RSV1 marks a permessage-deflate message; `fragment` when the payload is one piece of a
 * fragmented message (which may legally split a UTF-8 character).
 */
export function payloadView(
  payload: Uint8Array,
  opcode: number,
  { messageOpcode = opcode, compressed = false, fragment = false }: { messageOpcode?: number; compressed?: boolean; fragment?: boolean } = {},
): PayloadView {
  if (opcode === 0x8) return closeView(payload);
  if (payload.length === 0) return { kind: 'empty' };
  if (compressed) {
    return { kind: 'binary', bytes: payload, note: 'RSV1 is set: with permessage-deflate this payload is compressed (RFC 7692), so it is shown as bytes.' };
  }
  const text = utf8OrNull(payload);
  const textual = messageOpcode === 0x1 || ((opcode === 0x9 || opcode === 0xa) && text !== null && isReadable(text));
  if (textual && text !== null) {
    return jsonView(text) ?? { kind: 'text', text };
  }
  if (messageOpcode === 0x1 && text === null) {
    return {
      kind: 'binary',
      bytes: payload,
      note: fragment
        ? 'Not valid UTF-8 on its own (a fragment may split a character); shown as bytes.'
        : 'Not valid UTF-8, though a text message must be (RFC 6455 §8.1); shown as bytes.',
    };
  }
  return { kind: 'binary', bytes: payload, note: null };
}

function jsonView(text: string): PayloadView | null {
  const t = text.trim();
  if (!(t.startsWith('{') || t.startsWith('['))) return null;
  let value: unknown;
  try {
    value = JSON.parse(t);
  } catch {
    return null;
  }
  const envelope: { field: string; json: string }[] = [];
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const field of ENVELOPE_FIELDS) {
      if (Object.prototype.hasOwnProperty.call(value, field)) {
        envelope.push({ field, json: JSON.stringify((value as Record<string, unknown>)[field], null, 2) ?? 'undefined' });
      }
    }
  }
  return { kind: 'json', pretty: JSON.stringify(value, null, 2), envelope };
}

function closeView(payload: Uint8Array): PayloadView {
  if (payload.length === 0) {
    return { kind: 'close', code: null, name: null, meaning: 'No status code: the close frame has an empty payload (the peer sees 1005).', reason: '', problem: null };
  }
  if (payload.length === 1) {
    return { kind: 'close', code: null, name: null, meaning: null, reason: '', problem: 'A close payload of exactly one byte is malformed: the status code needs two (RFC 6455 §5.5.1).' };
  }
  const parsed = parseClosePayload(payload)!;
  const info = describeCloseCode(parsed.code);
  const reasonOk = utf8OrNull(payload.subarray(2)) !== null;
  const problem = !info.sendable
    ? `${parsed.code} may not be sent in a close frame (RFC 6455 §7.4.1).`
    : !reasonOk
      ? 'The reason is not valid UTF-8 (RFC 6455 §5.5.1).'
      : null;
  return { kind: 'close', code: parsed.code, name: info.name, meaning: info.meaning, reason: parsed.reason, problem };
}
