// JSON-RPC 2.0 (https://www.jsonrpc.org/specification): a request {jsonrpc:"2.0", method, params?,
// id}, a notification (no id), a response {result, id} or {error:{code, message}, id}, or a batch
// (an array of them). Responses name the method of the request with their id, remembered per
// connection (a bounded number of open ids).
import { parseJsonPrefix, type Json } from './json-prefix.ts';
import type { Decoded, DecodedItem, DecoderDef, DecoderMessage } from './types.ts';
import { clip, isObject, jsonText, known, utf8 } from './util.ts';

const PROTOCOL = 'JSON-RPC 2.0';
const MAX_BATCH = 100;
const MAX_OPEN_IDS = 1000;

function one(v: Json | undefined, complete: boolean, methods: Map<string, string>): DecodedItem {
  const fields: [string, string][] = [];
  if (v === undefined) return { summary: '…', fields, cut: true };
  if (!isObject(v)) return { summary: '(not an object)', fields, malformed: 'A JSON-RPC 2.0 message is an object (or a batch: an array of objects).' };
  const cut = !complete || undefined;
  const id = v.id === undefined ? undefined : jsonText(v.id);
  const idKey = v.id === undefined ? '' : JSON.stringify(v.id);
  let kind: string;
  let summary: string;
  if (typeof v.method === 'string') {
    kind = id !== undefined ? 'request' : complete ? 'notification' : 'call';
    fields.push(['rpc.kind', kind], ['rpc.method', clip(v.method)]);
    if (id !== undefined) {
      fields.push(['rpc.id', id]);
      if (methods.size >= MAX_OPEN_IDS) methods.delete(methods.keys().next().value as string);
      methods.set(idKey, v.method);
    }
    if (v.params !== undefined) fields.push(['rpc.params', jsonText(v.params)]);
    summary = `${clip(v.method, 60)}(${v.params === undefined ? '' : clip(jsonText(v.params), 60)})${id !== undefined ? ` #${clip(id, 20)}` : ''}`;
  } else if ('result' in v || 'error' in v) {
    const method = methods.get(idKey);
    if (method !== undefined && complete) methods.delete(idKey);
    kind = 'error' in v ? 'error' : 'response';
    fields.push(['rpc.kind', kind]);
    if (id !== undefined) fields.push(['rpc.id', id]);
    if (method !== undefined) fields.push(['rpc.method', clip(method)]);
    if ('result' in v) {
      fields.push(['rpc.result', jsonText(v.result)]);
      summary = `#${clip(id ?? '?', 20)} → ${clip(jsonText(v.result), 60)}`;
    } else {
      const e = v.error;
      if (isObject(e)) {
        if (typeof e.code === 'number') fields.push(['rpc.error.code', String(e.code)]);
        if (typeof e.message === 'string') fields.push(['rpc.error.message', clip(e.message)]);
      }
      summary = `#${clip(id ?? '?', 20)} error ${isObject(e) ? `${e.code ?? ''} ${typeof e.message === 'string' ? clip(e.message, 60) : ''}`.trim() : ''}`;
    }
    if (method !== undefined) summary = `${clip(method, 40)} ${summary}`;
  } else {
    if (!complete) return { summary: '…', fields, cut: true };
    return { summary: '(neither call nor response)', fields, malformed: 'A JSON-RPC 2.0 object has a "method" (a call) or a "result" or "error" (a response).' };
  }
  if (complete && v.jsonrpc !== '2.0') return { summary, fields, malformed: 'A JSON-RPC 2.0 message must have "jsonrpc": "2.0".' };
  return { summary, fields, cut };
}

function create(): (m: DecoderMessage) => Decoded {
  const methods = new Map<string, string>();
  return (m) => {
    const { bytes, cut } = known(m);
    const text = utf8(bytes, cut);
    const out = (items: DecodedItem[]): Decoded => ({ decoder: 'rpc', protocol: PROTOCOL, items });
    if (text === null) return out([{ summary: '(not UTF-8)', fields: [], malformed: 'JSON-RPC messages are UTF-8 JSON text.' }]);
    const json = parseJsonPrefix(text, cut);
    if (json.error) return out([{ summary: '(not JSON)', fields: [], malformed: json.error }]);
    if (Array.isArray(json.value)) {
      const items: DecodedItem[] = [];
      const arr = json.value;
      if (arr.length === 0 && json.complete) return out([{ summary: '(empty batch)', fields: [], malformed: 'An empty batch is not a valid JSON-RPC 2.0 message.' }]);
      for (let i = 0; i < arr.length && i < MAX_BATCH; i++) items.push(one(arr[i], json.complete || i < arr.length - 1, methods));
      if (items.length === 0) items.push({ summary: 'batch …', fields: [], cut: true });
      return out(items);
    }
    return out([one(json.value, json.complete, methods)]);
  };
}

export const jsonRpc: DecoderDef = {
  id: 'rpc',
  protocol: PROTOCOL,
  subprotocols: ['jsonrpc', 'json-rpc', 'jsonrpc-2.0'],
  recognise: (m) => !m.binary && /"jsonrpc"\s*:\s*"2\.0"/.test(utf8(m.bytes.subarray(0, 256), true) ?? ''),
  create,
};
