// MQTT 3.1.1 and 5.0 over WebSocket (OASIS MQTT 3.1.1 §6, MQTT 5.0 §6: binary messages carry the
// byte stream; a message may hold several packets or part of one). The version comes from the
// client's CONNECT (protocol level 4 = 3.1.1, 5 = 5.0; v5 adds properties and reason codes). Each
// direction is a stream: a packet cut by a message boundary is completed by the next message; bytes
// the tap did not capture are skipped by the packet's remaining length, and when that is not
// enough to stay aligned the decoder picks the stream up again at the next message's start.
import type { Decoded, DecodedItem, DecoderDef, DecoderMessage, Dir } from './types.ts';
import { clip, DECODE_MAX_BYTES, hexText, payloadText, utf8 } from './util.ts';

const TYPES = ['', 'CONNECT', 'CONNACK', 'PUBLISH', 'PUBACK', 'PUBREC', 'PUBREL', 'PUBCOMP', 'SUBSCRIBE', 'SUBACK', 'UNSUBSCRIBE', 'UNSUBACK', 'PINGREQ', 'PINGRESP', 'DISCONNECT', 'AUTH'];
const PROTOCOL = 'MQTT over WebSocket';
/** Packets decoded from one message at most. */
const MAX_PACKETS = 200;
/** Bytes of a packet waiting for its next message at most. */
const MAX_PENDING = DECODE_MAX_BYTES;

class Short {}
class Bad {
  constructor(readonly message: string) {}
}

class Reader {
  pos = 0;
  constructor(readonly b: Uint8Array) {}
  get left(): number {
    return this.b.length - this.pos;
  }
  u8(): number {
    if (this.pos >= this.b.length) throw new Short();
    return this.b[this.pos++];
  }
  u16(): number {
    return (this.u8() << 8) | this.u8();
  }
  bytes(n: number): Uint8Array {
    if (this.pos + n > this.b.length) throw new Short();
    const out = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  str(): string {
    const n = this.u16();
    const b = this.bytes(n);
    const s = utf8(b, false);
    if (s === null) throw new Bad('An MQTT string must be UTF-8.');
    return s;
  }
  varint(): number {
    let v = 0;
    for (let k = 0; k < 4; k++) {
      const x = this.u8();
      v += (x & 0x7f) * 128 ** k;
      if ((x & 0x80) === 0) return v;
    }
    throw new Bad('A variable byte integer is at most 4 bytes long.');
  }
  /** MQTT 5 properties: skipped, their length reported */
  props(fields: [string, string][]): void {
    const n = this.varint();
    if (n > 0) fields.push(['mqtt.properties', `${n} B`]);
    this.bytes(n);
  }
}

/** The fixed header at `p`: the packet's total length, or null when its header is not all there. */
function packetLength(b: Uint8Array, p: number): { total: number; header: number } | null | Bad {
  let v = 0;
  for (let k = 0; k < 4; k++) {
    if (p + 1 + k >= b.length) return null;
    const x = b[p + 1 + k];
    v += (x & 0x7f) * 128 ** k;
    if ((x & 0x80) === 0) return { total: 2 + k + v, header: 2 + k };
  }
  return new Bad('The remaining length is a variable byte integer of at most 4 bytes.');
}

/** Decodes one packet from its bytes (whole, or a prefix when `cut`). */
function packet(b: Uint8Array, cut: boolean, version: { v: number }, header: number): DecodedItem {
  const type = b[0] >> 4;
  const flags = b[0] & 0x0f;
  const name = TYPES[type] || 'reserved';
  const fields: [string, string][] = [['mqtt.type', name]];
  let summary = name;
  if (type === 0) return { summary, fields, malformed: 'Packet type 0 is reserved.' };
  const r = new Reader(b);
  r.pos = header;
  const v5 = version.v === 5;
  try {
    switch (type) {
      case 1: {
        const proto = r.str();
        const level = r.u8();
        fields.push(['mqtt.protocol', clip(proto)], ['mqtt.version', level === 5 ? '5.0' : level === 4 ? '3.1.1' : level === 3 ? '3.1' : String(level)]);
        if (level === 3 || level === 4 || level === 5) version.v = level;
        const f = r.u8();
        fields.push(['mqtt.clean', String((f & 0x02) !== 0)]);
        fields.push(['mqtt.keepAlive', String(r.u16())]);
        if (level === 5) r.props(fields);
        const clientId = r.str();
        fields.push(['mqtt.clientId', clip(clientId)]);
        summary = `CONNECT v${fields[2][1]} client ${JSON.stringify(clip(clientId, 40))}`;
        if (f & 0x04) {
          if (level === 5) r.props(fields);
          fields.push(['mqtt.willTopic', clip(r.str())]);
          r.bytes(r.u16());
        }
        if (f & 0x80) fields.push(['mqtt.username', clip(r.str())]);
        if (f & 0x40) fields.push(['mqtt.password', `(${r.bytes(r.u16()).length} B, not shown)`]);
        break;
      }
      case 2: {
        fields.push(['mqtt.sessionPresent', String((r.u8() & 1) === 1)]);
        const code = r.u8();
        fields.push([v5 ? 'mqtt.reason' : 'mqtt.returnCode', String(code)]);
        summary = `CONNACK ${code === 0 ? 'accepted' : `refused (${code})`}`;
        if (v5) r.props(fields);
        break;
      }
      case 3: {
        const qos = (flags >> 1) & 3;
        fields.push(['mqtt.qos', String(qos)], ['mqtt.retain', String((flags & 1) === 1)], ['mqtt.dup', String((flags & 8) === 8)]);
        if (qos === 3) return { summary, fields, malformed: 'A PUBLISH packet cannot have QoS 3.' };
        const topic = r.str();
        fields.push(['mqtt.topic', clip(topic)]);
        summary = `PUBLISH ${clip(topic, 60)}`;
        if (qos > 0) fields.push(['mqtt.id', String(r.u16())]);
        if (v5) r.props(fields);
        const payload = r.bytes(r.left);
        fields.push(['mqtt.payload', payloadText(payload, cut)]);
        summary += ` ${JSON.stringify(clip(payloadText(payload, cut), 40))}`;
        if (qos > 0) summary += ` q${qos}`;
        break;
      }
      case 4:
      case 5:
      case 6:
      case 7:
      case 11: {
        const id = r.u16();
        fields.push(['mqtt.id', String(id)]);
        summary = `${name} ${id}`;
        if (v5 && type !== 11 && r.left > 0) fields.push(['mqtt.reason', String(r.u8())]);
        if (v5 && type === 11) {
          r.props(fields);
          while (r.left > 0) fields.push(['mqtt.reason', String(r.u8())]);
        }
        break;
      }
      case 8:
      case 10: {
        const id = r.u16();
        fields.push(['mqtt.id', String(id)]);
        if (v5) r.props(fields);
        const topics: string[] = [];
        while (r.left > 0 && topics.length < 64) {
          const t = r.str();
          topics.push(t);
          fields.push(['mqtt.topic', clip(t)]);
          if (type === 8) fields.push(['mqtt.qos', String(r.u8() & 3)]);
        }
        summary = `${name} ${id} ${topics.map((t) => clip(t, 40)).join(', ')}`;
        break;
      }
      case 9: {
        const id = r.u16();
        fields.push(['mqtt.id', String(id)]);
        if (v5) r.props(fields);
        const codes: number[] = [];
        while (r.left > 0 && codes.length < 64) codes.push(r.u8());
        for (const c of codes) fields.push(['mqtt.reason', String(c)]);
        summary = `SUBACK ${id} [${codes.join(', ')}]`;
        break;
      }
      case 14:
      case 15:
        if (r.left > 0) fields.push(['mqtt.reason', String(r.u8())]);
        break;
      default:
        break;
    }
  } catch (e) {
    if (e instanceof Short) {
      if (cut) return { summary, fields, cut: true };
      return { summary, fields, malformed: `The ${name} packet ends before its fields do.` };
    }
    if (e instanceof Bad) return { summary, fields, malformed: e.message };
    return { summary, fields, malformed: 'The packet could not be read.' };
  }
  return cut ? { summary, fields, cut: true } : { summary, fields };
}

interface Stream {
  pending: Uint8Array;
  /** bytes of a packet already shown (cut) still to come */
  skip: number;
}

function create(): (m: DecoderMessage) => Decoded {
  const version = { v: 4 };
  const streams: Record<Dir, Stream> = { c2s: { pending: new Uint8Array(0), skip: 0 }, s2c: { pending: new Uint8Array(0), skip: 0 } };
  return (m) => {
    const s = streams[m.dir];
    const items: DecodedItem[] = [];
    const out = (): Decoded => ({ decoder: 'mqtt', protocol: PROTOCOL, items });
    let known = m.bytes.length > DECODE_MAX_BYTES ? m.bytes.subarray(0, DECODE_MAX_BYTES) : m.bytes;
    let hole = Math.max(0, m.length - known.length);
    if (!m.binary) {
      s.pending = new Uint8Array(0);
      s.skip = 0;
      items.push({ summary: '(text message)', fields: [], malformed: 'MQTT over WebSocket is carried in binary messages; a text message is a protocol error.' });
      return out();
    }
    // bytes of a packet shown earlier
    if (s.skip > 0) {
      const t = Math.min(s.skip, known.length);
      known = known.subarray(t);
      s.skip -= t;
      const h = Math.min(s.skip, hole);
      s.skip -= h;
      hole -= h;
      if (s.skip > 0 || (known.length === 0 && hole === 0)) {
        items.push({ summary: '(rest of a packet)', fields: [] });
        return out();
      }
      if (known.length === 0) {
        // uncaptured bytes after the packet: pick up at the next message
        items.push({ summary: '(rest of a packet; the next bytes were not captured)', fields: [] });
        return out();
      }
    }
    let data = known;
    if (s.pending.length) {
      data = new Uint8Array(s.pending.length + known.length);
      data.set(s.pending);
      data.set(known, s.pending.length);
      s.pending = new Uint8Array(0);
    }
    let p = 0;
    while (p < data.length) {
      if (items.length >= MAX_PACKETS) {
        items.push({ summary: `(${data.length - p} more bytes not decoded)`, fields: [] });
        return out();
      }
      const len = packetLength(data, p);
      if (len instanceof Bad) {
        items.push({ summary: TYPES[data[p] >> 4] || 'reserved', fields: [], malformed: len.message });
        return out();
      }
      if (len === null) {
        if (hole > 0) {
          items.push({ summary: TYPES[data[p] >> 4] || 'reserved', fields: [['mqtt.type', TYPES[data[p] >> 4] || 'reserved']], cut: true });
          return out();
        }
        s.pending = data.slice(p);
        items.push({ summary: '(a packet starts here and continues in the next message)', fields: [] });
        return out();
      }
      const end = p + len.total;
      if (end <= data.length) {
        items.push(packet(data.subarray(p, end), false, version, len.header));
        p = end;
        continue;
      }
      if (hole > 0) {
        items.push(packet(data.subarray(p), true, version, len.header));
        const need = end - data.length;
        const h = Math.min(need, hole);
        s.skip = need - h;
        return out();
      }
      if (len.total > MAX_PENDING) {
        items.push({ summary: TYPES[data[p] >> 4] || 'reserved', fields: [], malformed: `A packet of ${len.total} bytes is more than this decoder keeps (${MAX_PENDING} B); it resumes at the next message.` });
        return out();
      }
      s.pending = data.slice(p);
      items.push({ summary: `(a ${TYPES[data[p] >> 4] || 'reserved'} packet of ${len.total} B starts here and continues in the next message)`, fields: [] });
      return out();
    }
    if (hole > 0 && items.length) items.push({ summary: `(${hole} more bytes not captured)`, fields: [] });
    return out();
  };
}

export const mqtt: DecoderDef = {
  id: 'mqtt',
  protocol: PROTOCOL,
  subprotocols: ['mqtt', 'mqttv3.1'],
  recognise: (m) => {
    if (!m.binary || m.dir !== 'c2s' || m.bytes.length < 8 || m.bytes[0] !== 0x10) return false;
    const at = packetLength(m.bytes, 0);
    if (!at || at instanceof Bad) return false;
    const name = m.bytes.subarray(at.header + 2, at.header + 6);
    return hexText(name) === '4d 51 54 54' || hexText(m.bytes.subarray(at.header + 2, at.header + 8)) === '4d 51 49 73 64 70';
  },
  create,
};
