// graphql-transport-ws (https://github.com/enisdenjo/graphql-ws/blob/master/PROTOCOL.md): JSON
// messages {type, id?, payload?}; connection_init / connection_ack, ping / pong, and per operation
// subscribe (the query), next (a result), error, complete. The older subscriptions-transport-ws
// (subprotocol "graphql-ws": start, data, stop, ka, ...) is read the same way and named as such.
import { parseJsonPrefix } from './json-prefix.ts';
import type { Decoded, DecodedItem, DecoderDef, DecoderMessage } from './types.ts';
import { clip, isObject, jsonText, known, utf8 } from './util.ts';

const PROTOCOL = 'GraphQL over WebSocket (graphql-transport-ws)';
const TYPES = new Set(['connection_init', 'connection_ack', 'ping', 'pong', 'subscribe', 'next', 'error', 'complete']);
const LEGACY = new Set(['connection_init', 'connection_ack', 'connection_error', 'connection_terminate', 'ka', 'start', 'data', 'error', 'complete', 'stop']);
const WITH_ID = new Set(['subscribe', 'next', 'error', 'complete']);

function item(text: string, cut: boolean, legacy: boolean): DecodedItem {
  const fields: [string, string][] = [];
  const json = parseJsonPrefix(text, cut);
  if (json.error) return { summary: '(not JSON)', fields, malformed: `A graphql-transport-ws message is a JSON object. ${json.error}` };
  const v = json.value;
  if (v !== undefined && !isObject(v)) return { summary: '(not an object)', fields, malformed: 'A graphql-transport-ws message is a JSON object with a "type".' };
  const o = v ?? {};
  const partial = !json.complete || undefined;
  if (typeof o.type !== 'string') {
    if (cut) return { summary: '…', fields, cut: true };
    return { summary: '(no type)', fields, malformed: 'A graphql-transport-ws message must have a string "type".' };
  }
  const type = o.type;
  fields.push(['gql.type', clip(type)]);
  const known = legacy ? LEGACY : TYPES;
  if (!known.has(type)) return { summary: clip(type, 40), fields, malformed: `"${clip(type, 40)}" is not a message type of ${legacy ? 'subscriptions-transport-ws' : 'graphql-transport-ws'}.` };
  let summary = type;
  if (typeof o.id === 'string') {
    fields.push(['gql.id', clip(o.id)]);
    summary += ` ${clip(o.id, 40)}`;
  } else if (!legacy && WITH_ID.has(type) && json.complete) return { summary, fields, malformed: `A "${type}" message must carry the operation's "id", a string.` };
  const p = o.payload;
  if (isObject(p)) {
    if (typeof p.operationName === 'string') fields.push(['gql.operationName', clip(p.operationName)]);
    if (typeof p.query === 'string') {
      const q = p.query.replace(/\s+/g, ' ').trim();
      fields.push(['gql.query', clip(q)]);
      summary += ` ${clip(q, 60)}`;
    }
    if (p.variables !== undefined) fields.push(['gql.variables', jsonText(p.variables)]);
    if (p.data !== undefined) {
      fields.push(['gql.data', jsonText(p.data)]);
      summary += ` ${clip(jsonText(p.data), 60)}`;
    }
    if (p.errors !== undefined) fields.push(['gql.errors', jsonText(p.errors)]);
    if (p.query === undefined && p.data === undefined && p.errors === undefined && Object.keys(p).length) fields.push(['gql.payload', jsonText(p)]);
  } else if (p !== undefined) {
    fields.push(['gql.payload', jsonText(p)]);
    if (type === 'error') summary += ` ${clip(jsonText(p), 60)}`;
  }
  return { summary, fields, cut: partial };
}

function create(legacy: boolean): () => (m: DecoderMessage) => Decoded {
  return () => (m) => {
    const { bytes, cut } = known(m);
    const text = utf8(bytes, cut);
    const it: DecodedItem = m.binary || text === null ? { summary: '(binary)', fields: [], malformed: 'graphql-transport-ws messages are JSON text; binary messages are not part of it.' } : item(text, cut, legacy);
    return { decoder: 'gql', protocol: legacy ? 'GraphQL over WebSocket (subscriptions-transport-ws)' : PROTOCOL, items: [it] };
  };
}

export const graphqlWs: DecoderDef = {
  id: 'gql',
  protocol: PROTOCOL,
  subprotocols: ['graphql-transport-ws'],
  recognise: (m) => !m.binary && m.dir === 'c2s' && /^\{\s*"type"\s*:\s*"connection_init"/.test(utf8(m.bytes.subarray(0, 40), true) ?? ''),
  create: create(false),
};

/** The older protocol, negotiated as "graphql-ws" (not to be confused with the graphql-ws library, which speaks graphql-transport-ws). */
export const subscriptionsTransportWs: DecoderDef = {
  id: 'gql',
  protocol: 'GraphQL over WebSocket (subscriptions-transport-ws)',
  subprotocols: ['graphql-ws'],
  recognise: () => false,
  create: create(true),
};
