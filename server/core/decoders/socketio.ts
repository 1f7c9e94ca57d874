// Socket.IO v5 over Engine.IO v4 (https://socket.io/docs/v4/socket-io-protocol/,
// https://socket.io/docs/v4/engine-io-protocol/). A text message is an Engine.IO packet, its type
// the first character (0 open, 1 close, 2 ping, 3 pong, 4 message, 5 upgrade, 6 noop); a message
// packet carries a Socket.IO packet: `<type>[<attachments>-][<namespace>,][<ack id>][JSON]`. A
// binary event or ack announces N attachments and puts {"_placeholder":true,"num":i} where each
// goes; the N binary WebSocket messages that follow in the same direction are those attachments.
import { parseJsonPrefix, type Json } from './json-prefix.ts';
import type { Decoded, DecodedItem, DecoderDef, DecoderMessage, Dir } from './types.ts';
import { clip, hexText, isObject, jsonText, known, utf8 } from './util.ts';

const EIO_TYPES = ['OPEN', 'CLOSE', 'PING', 'PONG', 'MESSAGE', 'UPGRADE', 'NOOP'];
const SIO_TYPES = ['CONNECT', 'DISCONNECT', 'EVENT', 'ACK', 'CONNECT_ERROR', 'BINARY_EVENT', 'BINARY_ACK'];
const PROTOCOL = 'Socket.IO v5 / Engine.IO v4';

function countPlaceholders(v: Json | undefined, depth = 0): number {
  if (depth > 32 || v === null || typeof v !== 'object') return 0;
  if (!Array.isArray(v) && v._placeholder === true && typeof v.num === 'number') return 1;
  let n = 0;
  for (const x of Array.isArray(v) ? v : Object.values(v)) n += countPlaceholders(x, depth + 1);
  return n;
}

interface Pending {
  left: number;
  total: number;
  what: string;
}

/** One Socket.IO packet (the text after the Engine.IO "4"). */
function socketIoPacket(s: string, cut: boolean): DecodedItem & { attachments: number; label: string } {
  const fields: [string, string][] = [['sio.eio', 'MESSAGE']];
  const fail = (sentence: string) => ({ summary: 'MESSAGE (malformed Socket.IO packet)', fields, malformed: sentence, attachments: 0, label: '' });
  if (s.length === 0) return cut ? { summary: 'MESSAGE …', fields, cut: true, attachments: 0, label: '' } : fail('An Engine.IO message packet must carry a Socket.IO packet type (0 to 6).');
  const t = s.charCodeAt(0) - 0x30;
  if (t < 0 || t > 6) return fail(`"${clip(s[0], 8)}" is not a Socket.IO packet type (0 to 6).`);
  const type = SIO_TYPES[t];
  fields.push(['sio.type', type]);
  let i = 1;
  let attachments = 0;
  if (t === 5 || t === 6) {
    const m = /^(\d{1,6})-/.exec(s.slice(1, 9));
    if (!m) {
      if (cut && /^\d{0,6}$/.test(s.slice(1))) return { summary: type, fields, cut: true, attachments: 0, label: '' };
      return fail(`A ${type} packet must give its number of attachments followed by "-".`);
    }
    attachments = Number(m[1]);
    fields.push(['sio.attachments', String(attachments)]);
    i += m[0].length;
  }
  let nsp = '/';
  if (s[i] === '/') {
    const comma = s.indexOf(',', i);
    if (comma < 0) {
      nsp = s.slice(i);
      fields.push(['sio.nsp', clip(nsp)]);
      return { summary: `${type} ${clip(nsp, 60)}`, fields, cut: cut || undefined, attachments, label: '' };
    }
    nsp = s.slice(i, comma);
    i = comma + 1;
  }
  fields.push(['sio.nsp', clip(nsp)]);
  const idm = /^\d{1,16}/.exec(s.slice(i, i + 17));
  let id: string | null = null;
  if (idm) {
    id = idm[0];
    i += id.length;
    fields.push(['sio.id', id]);
    if (i >= s.length && cut) return { summary: `${type} ${nsp}`, fields, cut: true, attachments, label: '' };
  }
  const rest = s.slice(i);
  const nspText = nsp === '/' ? '' : ` ${clip(nsp, 60)}`;
  if (rest === '') {
    if (t === 2 || t === 3 || t === 5 || t === 6) return fail(`A ${type} packet must carry a JSON array.`);
    return { summary: `${type}${nspText}`, fields, attachments, label: '' };
  }
  const json = parseJsonPrefix(rest, cut);
  if (json.error) return fail(json.error);
  const v = json.value;
  const partial = !json.complete || undefined;
  let summary = `${type}${nspText}`;
  let label = '';
  if (t === 2 || t === 5) {
    if (v !== undefined && !Array.isArray(v)) return fail(`A ${type} packet carries a JSON array, [event name, ...arguments].`);
    const arr = (v ?? []) as Json[];
    if (arr.length > 0 && typeof arr[0] !== 'string') return fail(`The first element of a ${type} packet is the event name, a string.`);
    if (arr.length > 0) {
      const event = arr[0] as string;
      fields.push(['sio.event', clip(event)]);
      label = `"${clip(event, 60)}"`;
      summary = `${type}${nspText} "${clip(event, 60)}"`;
      for (const a of arr.slice(1, 9)) fields.push(['sio.arg', jsonText(a)]);
    }
    if (id !== null) summary += ` (ack ${id})`;
  } else if (t === 3 || t === 6) {
    if (v !== undefined && !Array.isArray(v)) return fail(`A ${type} packet carries a JSON array of the acknowledgement's arguments.`);
    if (id === null) return fail(`A ${type} packet must carry the id it acknowledges.`);
    for (const a of ((v ?? []) as Json[]).slice(0, 8)) fields.push(['sio.arg', jsonText(a)]);
    summary = `${type}${nspText} ${id}`;
    label = `ack ${id}`;
  } else if (t === 0 || t === 4) {
    if (isObject(v) && typeof v.sid === 'string') fields.push(['sio.sid', clip(v.sid)]);
    if (isObject(v) && typeof v.message === 'string') fields.push(['sio.message', clip(v.message)]);
    else if (v !== undefined) fields.push(['sio.data', jsonText(v)]);
    if (t === 4 && isObject(v) && typeof v.message === 'string') summary += ` "${clip(v.message, 60)}"`;
  } else fields.push(['sio.data', jsonText(v)]);
  if (attachments > 0) {
    const placeholders = countPlaceholders(v);
    fields.push(['sio.placeholders', String(placeholders)]);
    summary += ` + ${attachments} attachment${attachments === 1 ? '' : 's'}`;
    if (json.complete && placeholders !== attachments)
      return { summary, fields, attachments, label, malformed: `The packet announces ${attachments} attachment${attachments === 1 ? '' : 's'} but holds ${placeholders} placeholder${placeholders === 1 ? '' : 's'}.` };
  }
  return { summary, fields, cut: partial, attachments, label };
}

function create(): (m: DecoderMessage) => Decoded {
  const pending: Record<Dir, Pending | null> = { c2s: null, s2c: null };
  const out = (item: DecodedItem): Decoded => ({ decoder: 'sio', protocol: PROTOCOL, items: [item] });
  return (m) => {
    const { bytes, cut } = known(m);
    if (m.binary) {
      const p = pending[m.dir];
      if (p) {
        const n = p.total - p.left + 1;
        p.left--;
        if (p.left === 0) pending[m.dir] = null;
        return out({
          summary: `attachment ${n} of ${p.total}${p.what ? ` for ${p.what}` : ''} (${m.length} B)`,
          fields: [
            ['sio.eio', 'MESSAGE'],
            ['sio.attachment', `${n}/${p.total}`],
            ['sio.bytes', hexText(bytes, 32)],
          ],
        });
      }
      return out({ summary: `binary message (${m.length} B)`, fields: [['sio.eio', 'MESSAGE'], ['sio.bytes', hexText(bytes, 32)]] });
    }
    const text = utf8(bytes, cut);
    if (text === null) return out({ summary: '(not UTF-8)', fields: [], malformed: 'An Engine.IO text packet must be UTF-8.' });
    if (text.length === 0) return out({ summary: '(empty)', fields: [], malformed: 'An Engine.IO packet starts with its type, a digit from 0 to 6.', cut: cut || undefined });
    const t = text.charCodeAt(0) - 0x30;
    if (t < 0 || t > 6) return out({ summary: '(unknown packet)', fields: [], malformed: `"${clip(text[0], 8)}" is not an Engine.IO packet type (0 to 6).` });
    const type = EIO_TYPES[t];
    const data = text.slice(1);
    if (t === 4) {
      // a new binary packet's attachments replace a count left unfinished
      const item = socketIoPacket(data, cut);
      const { attachments, label, ...rest } = item;
      pending[m.dir] = attachments > 0 && !rest.malformed ? { left: attachments, total: attachments, what: label } : null;
      return out(rest);
    }
    const fields: [string, string][] = [['sio.eio', type]];
    if (t === 0) {
      const json = parseJsonPrefix(data, cut);
      if (json.error) return out({ summary: 'OPEN', fields, malformed: `The Engine.IO open packet carries a JSON object: ${json.error}` });
      const v = json.value;
      if (isObject(v)) {
        if (typeof v.sid === 'string') fields.push(['sio.sid', clip(v.sid)]);
        for (const k of ['pingInterval', 'pingTimeout', 'maxPayload'] as const) if (typeof v[k] === 'number') fields.push([`sio.${k}`, String(v[k])]);
        if (Array.isArray(v.upgrades)) fields.push(['sio.upgrades', jsonText(v.upgrades)]);
      }
      const sid = isObject(v) && typeof v.sid === 'string' ? ` sid=${clip(v.sid, 40)}` : '';
      return out({ summary: `OPEN${sid}`, fields, cut: !json.complete || undefined });
    }
    if (data !== '') fields.push(['sio.data', clip(data)]);
    return out({ summary: data ? `${type} ${clip(data, 40)}` : type, fields, cut: cut || undefined });
  };
}

export const socketIo: DecoderDef = {
  id: 'sio',
  protocol: PROTOCOL,
  subprotocols: [],
  recogniseTarget: (target) => /[?&]EIO=4(&|$)/.test(target),
  recognise: (m) => {
    if (m.binary) return false;
    const head = utf8(m.bytes.subarray(0, 16), true) ?? '';
    return (m.dir === 's2c' && /^0\{"sid"/.test(head)) || (m.dir === 'c2s' && head === '2probe');
  },
  create,
};
