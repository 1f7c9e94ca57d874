// Connections as a pcapng capture with synthesised TCP, for Wireshark and tshark: per connection a
// three-way handshake, the upgrade request and answer (their raw heads), each frame as the bytes
// it crossed the wire as (header as sent, payload masked again with its key) in one TCP segment,
// then FINs. Ethernet link type, IPv4 or IPv6 from conn.open's 4-tuple (documentation addresses
// when the file it came from had none). The history keeps the first 64 payload bytes of each frame:
// a longer frame's segment is written cut, as a small snapshot length cuts a capture (captured
// length below original length), and TCP's sequence numbers still count its whole length. Pure.
import { hexBytes, type ConnRecord } from './connections.ts';

export interface PcapngExportOptions {
  /** wall-clock ms of event time t = 0 */
  wallClockAtZero: number;
}



function latin1(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

/** An address as 4 or 16 bytes; IPv4-mapped IPv6 as IPv4; null when it is neither. */
export function parseAddress(a: string): Uint8Array | null {
  const v4 = /^(?:::ffff:)?(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/i.exec(a);
  if (v4) {
    const b = v4.slice(1).map(Number);
    return b.every((x) => x <= 255) ? new Uint8Array(b) : null;
  }
  if (!a.includes(':') || !/^[0-9a-f:]+$/i.test(a)) return null;
  const [head, tail, extra] = a.split('::');
  if (extra !== undefined) return null;
  const h = head ? head.split(':') : [];
  const t = tail !== undefined ? (tail ? tail.split(':') : []) : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  if (groups.length !== 8 || groups.some((g) => !/^[0-9a-f]{1,4}$/i.test(g))) return null;
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const n = parseInt(g, 16);
    out[i * 2] = n >> 8;
    out[i * 2 + 1] = n & 0xff;
  });
  return out;
}

class Writer {
  private chunks: Uint8Array[] = [];
  size = 0;
  push(b: Uint8Array): void {
    this.chunks.push(b);
    this.size += b.length;
  }
  bytes(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

function block(type: number, body: Uint8Array): Uint8Array {
  const padded = (body.length + 3) & ~3;
  const total = 12 + padded;
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  v.setUint32(0, type, true);
  v.setUint32(4, total, true);
  out.set(body, 8);
  v.setUint32(total - 4, total, true);
  return out;
}

function sum16(b: Uint8Array, acc = 0): number {
  for (let i = 0; i < b.length; i += 2) acc += (b[i] << 8) | (b[i + 1] ?? 0);
  return acc;
}
function fold(acc: number): number {
  while (acc > 0xffff) acc = (acc & 0xffff) + (acc >>> 16);
  return ~acc & 0xffff;
}

const SYN = 0x02;
const ACK = 0x10;
const PSH = 0x08;
const FIN = 0x01;

interface Endpoint {
  addr: Uint8Array;
  port: number;
  mac: Uint8Array;
}

/**
 * One IP datagram (v4 or v6 by the addresses' length) carrying one TCP segment with `data`, its
 * checksums filled in; the lengths in its headers count `wireLength` payload bytes (more than
 * `data` holds when the segment is written cut). Exported for the capture reader's tests.
 */
export function ipTcpDatagram(src: { addr: Uint8Array; port: number }, dst: { addr: Uint8Array; port: number }, seq: number, ack: number, flags: number, data: Uint8Array, wireLength = data.length): Uint8Array {
  const v6 = src.addr.length === 16;
  const ipLen = v6 ? 40 : 20;
  const tcp = new Uint8Array(20 + data.length);
  const tv = new DataView(tcp.buffer);
  tv.setUint16(0, src.port);
  tv.setUint16(2, dst.port);
  tv.setUint32(4, seq >>> 0);
  tv.setUint32(8, ack >>> 0);
  tcp[12] = 5 << 4;
  tcp[13] = flags;
  tv.setUint16(14, 65535);
  tcp.set(data, 20);
  const tcpWireLength = 20 + wireLength;
  // the checksum over the pseudo-header; a cut segment's is over the bytes written (as a cut capture's would not verify either)
  const pseudo = new Uint8Array(v6 ? 40 : 12);
  pseudo.set(src.addr, 0);
  pseudo.set(dst.addr, src.addr.length);
  const pv = new DataView(pseudo.buffer);
  if (v6) {
    pv.setUint32(32, tcpWireLength);
    pseudo[39] = 6;
  } else {
    pseudo[9] = 6;
    pv.setUint16(10, tcpWireLength);
  }
  tv.setUint16(16, fold(sum16(tcp, sum16(pseudo))));
  const ip = new Uint8Array(ipLen);
  const iv = new DataView(ip.buffer);
  if (v6) {
    iv.setUint32(0, 0x60000000);
    iv.setUint16(4, tcpWireLength);
    ip[6] = 6;
    ip[7] = 64;
    ip.set(src.addr, 8);
    ip.set(dst.addr, 24);
  } else {
    ip[0] = 0x45;
    iv.setUint16(2, ipLen + tcpWireLength);
    iv.setUint16(6, 0x4000);
    ip[8] = 64;
    ip[9] = 6;
    ip.set(src.addr, 12);
    ip.set(dst.addr, 16);
    iv.setUint16(10, fold(sum16(ip)));
  }
  const out = new Uint8Array(ipLen + tcp.length);
  out.set(ip, 0);
  out.set(tcp, ipLen);
  return out;
}

/** One packet: Ethernet, IP, TCP, `data` (of which only `captured` bytes are written). */
function packet(src: Endpoint, dst: Endpoint, seq: number, ack: number, flags: number, data: Uint8Array, wireLength: number): { bytes: Uint8Array; origLength: number } {
  const v6 = src.addr.length === 16;
  const ip = ipTcpDatagram(src, dst, seq, ack, flags, data, wireLength);
  const eth = new Uint8Array(14);
  eth.set(dst.mac, 0);
  eth.set(src.mac, 6);
  eth[12] = v6 ? 0x86 : 0x08;
  eth[13] = v6 ? 0xdd : 0x00;
  const bytes = new Uint8Array(14 + ip.length);
  bytes.set(eth, 0);
  bytes.set(ip, 14);
  return { bytes, origLength: 14 + ip.length - data.length + wireLength };
}

/** The bytes a frame crossed the wire as, as far as the history knows them, and its full length. */
function frameBytes(f: ConnRecord['frames'][number]): { data: Uint8Array; wireLength: number } {
  const header = hexBytes(f.headerHex);
  const payload = hexBytes(f.payloadHex);
  if (f.masked && f.maskingKey) {
    const key = hexBytes(f.maskingKey);
    for (let i = 0; i < payload.length; i++) payload[i] ^= key[i & 3];
  }
  const data = new Uint8Array(header.length + payload.length);
  data.set(header);
  data.set(payload, header.length);
  return { data, wireLength: f.headerLength + f.payloadLength };
}

export interface PcapngExport {
  bytes: Uint8Array;
  packets: number;
  /** frames written cut (the history kept only their first bytes) */
  cutFrames: number;
}

export function connectionsToPcapng(conns: readonly ConnRecord[], opts: PcapngExportOptions): PcapngExport {
  const w = new Writer();
  const shb = new Uint8Array(16);
  const sv = new DataView(shb.buffer);
  sv.setUint32(0, 0x1a2b3c4d, true);
  sv.setUint16(4, 1, true);
  sv.setUint16(6, 0, true);
  sv.setInt32(8, -1, true);
  sv.setInt32(12, -1, true);
  w.push(block(0x0a0d0d0a, shb));
  const idb = new Uint8Array(8);
  const dv = new DataView(idb.buffer);
  dv.setUint16(0, 1, true); // LINKTYPE_ETHERNET
  dv.setUint32(4, 0, true); // no snapshot length
  w.push(block(1, idb));
  let packets = 0;
  let cutFrames = 0;
  type Pending = { t: number; order: number; bytes: Uint8Array; origLength: number };
  const all: Pending[] = [];
  let order = 0;
  conns.forEach((c, index) => {
    const h = c.handshake!;
    const open = c.open;
    let ca = open ? parseAddress(open.remote.address) : null;
    let sa = open ? parseAddress(open.local.address) : null;
    if (!ca || !sa || ca.length !== sa.length) {
      // documentation addresses (RFC 5737) when the 4-tuple is not known
      ca = new Uint8Array([192, 0, 2, 1]);
      sa = new Uint8Array([198, 51, 100, 1]);
    }
    const client: Endpoint = { addr: ca, port: open?.remote.port || 49152 + (index % 16000), mac: new Uint8Array([2, 0, 0, 0, 0, 1]) };
    const server: Endpoint = { addr: sa, port: open?.local.port || 80, mac: new Uint8Array([2, 0, 0, 0, 0, 2]) };
    let cSeq = 1000 + index * 7919;
    let sSeq = 500000 + index * 7919;
    const t0 = open ? open.t : h.t;
    const add = (t: number, p: { bytes: Uint8Array; origLength: number }) => all.push({ t, order: order++, ...p });
    add(t0, packet(client, server, cSeq, 0, SYN, new Uint8Array(0), 0));
    add(t0, packet(server, client, sSeq, cSeq + 1, SYN | ACK, new Uint8Array(0), 0));
    cSeq++;
    sSeq++;
    add(t0, packet(client, server, cSeq, sSeq, ACK, new Uint8Array(0), 0));
    const req = latin1(h.request.raw);
    add(h.t, packet(client, server, cSeq, sSeq, PSH | ACK, req, req.length));
    cSeq += req.length;
    const res = latin1(h.response.raw);
    add(h.t, packet(server, client, sSeq, cSeq, PSH | ACK, res, res.length));
    sSeq += res.length;
    for (const f of c.frames) {
      const { data, wireLength } = frameBytes(f);
      if (data.length < wireLength) cutFrames++;
      const [src, dst] = f.dir === 'c2s' ? [client, server] : [server, client];
      const seq = f.dir === 'c2s' ? cSeq : sSeq;
      const ack = f.dir === 'c2s' ? sSeq : cSeq;
      add(f.t, packet(src, dst, seq, ack, PSH | ACK, data, wireLength));
      if (f.dir === 'c2s') cSeq += wireLength;
      else sSeq += wireLength;
    }
    if (c.close) {
      const t = c.close.t;
      add(t, packet(server, client, sSeq, cSeq, FIN | ACK, new Uint8Array(0), 0));
      add(t, packet(client, server, cSeq, sSeq + 1, FIN | ACK, new Uint8Array(0), 0));
      add(t, packet(server, client, sSeq + 1, cSeq + 1, ACK, new Uint8Array(0), 0));
    }
  });
  all.sort((a, b) => a.t - b.t || a.order - b.order);
  for (const p of all) {
    const micros = Math.round((opts.wallClockAtZero + p.t) * 1000);
    const body = new Uint8Array(20 + p.bytes.length);
    const bv = new DataView(body.buffer);
    bv.setUint32(0, 0, true);
    bv.setUint32(4, Math.floor(micros / 2 ** 32), true);
    bv.setUint32(8, micros >>> 0, true);
    bv.setUint32(12, p.bytes.length, true);
    bv.setUint32(16, p.origLength, true);
    body.set(p.bytes, 20);
    w.push(block(6, body));
    packets++;
  }

  return { bytes: w.bytes(), packets, cutFrames };
}
