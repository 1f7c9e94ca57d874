// Writers for synthetic captures in the unit tests: TCP/IP packets with any link layer, and pcap or
// pcapng files holding them. Real captures (tcpdump, dumpcap) are in the integration suite; these
// build what a Linux loopback cannot produce (BSD loopback link types, wrapped sequence numbers,
// reordered and retransmitted segments, broken files) and feed the property and fuzz tests.

export interface TcpPacketSpec {
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  seq: number;
  ack?: number;
  flags?: { syn?: boolean; ack?: boolean; fin?: boolean; rst?: boolean; psh?: boolean };
  payload?: Uint8Array;
}

function ipBytes(addr: string): Uint8Array {
  if (!addr.includes(':')) return Uint8Array.from(addr.split('.').map(Number));
  const [head, tail] = addr.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const v = parseInt(g, 16);
    out[2 * i] = v >> 8;
    out[2 * i + 1] = v & 255;
  });
  return out;
}

/** The IP datagram (v4 or v6, by the address) carrying one TCP segment. Checksums are left zero. */
export function ipTcp(p: TcpPacketSpec): Uint8Array {
  const payload = p.payload ?? new Uint8Array(0);
  const tcp = new Uint8Array(20 + payload.length);
  const dv = new DataView(tcp.buffer);
  dv.setUint16(0, p.srcPort);
  dv.setUint16(2, p.dstPort);
  dv.setUint32(4, p.seq >>> 0);
  dv.setUint32(8, (p.ack ?? 0) >>> 0);
  tcp[12] = 5 << 4;
  const f = p.flags ?? { ack: true };
  tcp[13] = (f.fin ? 1 : 0) | (f.syn ? 2 : 0) | (f.rst ? 4 : 0) | (f.psh ? 8 : 0) | (f.ack ? 16 : 0);
  dv.setUint16(14, 65535);
  tcp.set(payload, 20);
  const v6 = p.src.includes(':');
  if (!v6) {
    const ip = new Uint8Array(20 + tcp.length);
    ip[0] = 0x45;
    new DataView(ip.buffer).setUint16(2, ip.length);
    ip[6] = 0x40; // don't fragment
    ip[8] = 64;
    ip[9] = 6;
    ip.set(ipBytes(p.src), 12);
    ip.set(ipBytes(p.dst), 16);
    ip.set(tcp, 20);
    return ip;
  }
  const ip = new Uint8Array(40 + tcp.length);
  ip[0] = 0x60;
  new DataView(ip.buffer).setUint16(4, tcp.length);
  ip[6] = 6;
  ip[7] = 64;
  ip.set(ipBytes(p.src), 8);
  ip.set(ipBytes(p.dst), 24);
  ip.set(tcp, 40);
  return ip;
}

/** Wraps an IP datagram in a link-layer header: 1 Ethernet, 113 SLL, 276 SLL2, 0 NULL (little-endian host), 108 LOOP, 101 raw. */
export function linkFrame(linkType: number, ip: Uint8Array): Uint8Array {
  const v6 = ip[0] >> 4 === 6;
  const ethType = v6 ? 0x86dd : 0x0800;
  let head: Uint8Array;
  switch (linkType) {
    case 1:
      head = new Uint8Array(14);
      head[12] = ethType >> 8;
      head[13] = ethType & 255;
      break;
    case 113:
      head = new Uint8Array(16);
      head[14] = ethType >> 8;
      head[15] = ethType & 255;
      break;
    case 276:
      head = new Uint8Array(20);
      head[0] = ethType >> 8;
      head[1] = ethType & 255;
      break;
    case 0:
      head = Uint8Array.of(v6 ? 30 : 2, 0, 0, 0); // AF_INET / AF_INET6 (macOS) in little-endian
      break;
    case 108:
      head = Uint8Array.of(0, 0, 0, v6 ? 24 : 2);
      break;
    case 101:
      head = new Uint8Array(0);
      break;
    default:
      throw new Error(`no writer for link type ${linkType}`);
  }
  const out = new Uint8Array(head.length + ip.length);
  out.set(head);
  out.set(ip, head.length);
  return out;
}

export interface WrittenPacket {
  /** ms since the epoch */
  t: number;
  data: Uint8Array;
  origLength?: number;
}

/** A classic pcap file. `nano`: nanosecond timestamps (magic a1b23c4d). */
export function writePcap(linkType: number, packets: WrittenPacket[], opts: { littleEndian?: boolean; nano?: boolean } = {}): Uint8Array {
  const le = opts.littleEndian ?? true;
  const parts: Uint8Array[] = [];
  const head = new DataView(new ArrayBuffer(24));
  head.setUint32(0, opts.nano ? 0xa1b23c4d : 0xa1b2c3d4, le);
  head.setUint16(4, 2, le);
  head.setUint16(6, 4, le);
  head.setUint32(16, 262144, le);
  head.setUint32(20, linkType, le);
  parts.push(new Uint8Array(head.buffer));
  for (const p of packets) {
    const rec = new DataView(new ArrayBuffer(16));
    const sec = Math.floor(p.t / 1000);
    const frac = opts.nano ? Math.round((p.t - sec * 1000) * 1e6) : Math.round((p.t - sec * 1000) * 1e3);
    rec.setUint32(0, sec, le);
    rec.setUint32(4, frac, le);
    rec.setUint32(8, p.data.length, le);
    rec.setUint32(12, p.origLength ?? p.data.length, le);
    parts.push(new Uint8Array(rec.buffer), p.data);
  }
  return concat(parts);
}

/** A pcapng file: one section, one interface; `tsresol` is if_tsresol (6 = µs, 9 = ns). */
export function writePcapng(linkType: number, packets: WrittenPacket[], opts: { littleEndian?: boolean; tsresol?: number } = {}): Uint8Array {
  const le = opts.littleEndian ?? true;
  const block = (type: number, body: Uint8Array): Uint8Array => {
    const padded = (body.length + 3) & ~3;
    const len = 12 + padded;
    const b = new Uint8Array(len);
    const dv = new DataView(b.buffer);
    dv.setUint32(0, type, le);
    dv.setUint32(4, len, le);
    b.set(body, 8);
    dv.setUint32(len - 4, len, le);
    return b;
  };
  const shb = new DataView(new ArrayBuffer(16));
  shb.setUint32(0, 0x1a2b3c4d, le);
  shb.setUint16(4, 1, le);
  shb.setUint16(6, 0, le);
  shb.setBigInt64(8, -1n, le);
  const idb = new DataView(new ArrayBuffer(8 + (opts.tsresol !== undefined ? 8 : 0) + 4));
  idb.setUint16(0, linkType, le);
  idb.setUint32(4, 262144, le);
  if (opts.tsresol !== undefined) {
    idb.setUint16(8, 9, le);
    idb.setUint16(10, 1, le);
    idb.setUint8(12, opts.tsresol);
  }
  const parts = [block(0x0a0d0d0a, new Uint8Array(shb.buffer)), block(1, new Uint8Array(idb.buffer))];
  const perMs = 10 ** (opts.tsresol ?? 6) / 1000;
  for (const p of packets) {
    const body = new Uint8Array(20 + p.data.length);
    const dv = new DataView(body.buffer);
    const units = BigInt(Math.round(p.t * perMs));
    dv.setUint32(0, 0, le);
    dv.setUint32(4, Number(units >> 32n), le);
    dv.setUint32(8, Number(units & 0xffffffffn), le);
    dv.setUint32(12, p.data.length, le);
    dv.setUint32(16, p.origLength ?? p.data.length, le);
    body.set(p.data, 20);
    parts.push(block(6, body));
  }
  return concat(parts);
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
