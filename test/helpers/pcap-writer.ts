// Writers for synthetic captures in the unit tests: TCP/IP packets with any link layer, and pcap or
// pcapng files holding them. Real captures (tcpdump, dumpcap) are in the integration suite; these
// build what a Linux loopback cannot produce (BSD loopback link types, wrapped sequence numbers,
// reordered and retransmitted segments, broken files) and feed the property and fuzz tests.
//
// Who writes what, so the reader's tests do not read only what our own writer wrote:
// - IP and TCP headers: the product's exporter (server/core/export/pcapng.ts ipTcpDatagram). Their
//   layout is checked independently: tshark reads these files (test/unit/capture/decoder.test.ts)
//   and real tcpdump/dumpcap captures go through the reader (test/integration/capture-pcap.test.ts).
// - link-layer headers (NULL, LOOP, SLL, SLL2, raw) and the pcap container (both byte orders, µs
//   and ns): written here by hand, as the product writes neither; tshark reads them the same.
// - pcapng: Wireshark's editcap converts the pcap (pcapngOf); a big-endian section is that file
//   with its fields swapped here, again read the same by tshark.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ipTcpDatagram, parseAddress } from '../../server/core/export/pcapng.ts';
import { concatBytes } from '../../server/core/wire/index.ts';

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

/** The IP datagram (v4 or v6, by the address) carrying one TCP segment: the product's exporter builds it (see above). */
export function ipTcp(p: TcpPacketSpec): Uint8Array {
  const f = p.flags ?? { ack: true };
  const flags = (f.fin ? 1 : 0) | (f.syn ? 2 : 0) | (f.rst ? 4 : 0) | (f.psh ? 8 : 0) | (f.ack ? 16 : 0);
  const addr = (a: string) => parseAddress(a) ?? fail(`${a} is not an address`);
  return ipTcpDatagram({ addr: addr(p.src), port: p.srcPort }, { addr: addr(p.dst), port: p.dstPort }, p.seq, p.ack ?? 0, flags, p.payload ?? new Uint8Array(0));
}

function fail(why: string): never {
  throw new Error(why);
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
  return concatBytes(parts);
}

/**
 * The same capture as pcapng, written by Wireshark's editcap (an independent writer): interface
 * timestamps in µs (if_tsresol 6) from a µs pcap, in ns (if_tsresol 9) from a nanosecond one;
 * `bigEndian` then swaps every field of its blocks, a section as a big-endian machine writes it.
 */
export function pcapngOf(pcap: Uint8Array, opts: { bigEndian?: boolean } = {}): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'wslab-pcapng-'));
  try {
    writeFileSync(join(dir, 'in.pcap'), pcap);
    const r = spawnSync('editcap', ['-F', 'pcapng', join(dir, 'in.pcap'), join(dir, 'out.pcapng')], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`editcap failed (${r.error?.message ?? r.stderr}); ${EDITCAP_MISSING}`);
    const le = new Uint8Array(readFileSync(join(dir, 'out.pcapng')));
    return opts.bigEndian ? swapPcapng(le) : le;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const EDITCAP_MISSING = 'editcap and tshark are needed: install the Debian package with `apt-get install tshark`';

const works = (cmd: string) => spawnSync(cmd, ['-v'], { encoding: 'utf8' }).status === 0;
/** editcap (pcapngOf) and tshark are here. */
export const wiresharkAvailable = works('editcap') && works('tshark');

/** For skipIf: true (skip) when editcap or tshark is missing outside CI; under CI a missing tool fails the suite. */
export function wiresharkSkip(): boolean {
  if (wiresharkAvailable) return false;
  if (process.env.CI) throw new Error(`${EDITCAP_MISSING} (CI is set, so this fails instead of skipping)`);
  console.warn(`SKIPPED: ${EDITCAP_MISSING}`);
  return true;
}

/**
 * A little-endian pcapng's blocks with every multi-byte field swapped: block type and lengths,
 * the section header's magic, versions and length, the interface's link type, snap length and
 * option headers (if_tsresol's value is one byte), the enhanced packets' interface, timestamp and
 * lengths, and each block's option headers. Packet bytes are left as they are.
 */
function swapPcapng(le: Uint8Array): Uint8Array {
  const out = le.slice();
  const src = new DataView(le.buffer, le.byteOffset, le.byteLength);
  const dst = new DataView(out.buffer);
  const u32 = (at: number) => dst.setUint32(at, src.getUint32(at, true), false);
  const u16 = (at: number) => dst.setUint16(at, src.getUint16(at, true), false);
  const options = (from: number, to: number) => {
    for (let at = from; at + 4 <= to; ) {
      const code = src.getUint16(at, true);
      const len = src.getUint16(at + 2, true);
      u16(at);
      u16(at + 2);
      if (code === 0) break;
      at += 4 + ((len + 3) & ~3);
    }
  };
  for (let at = 0; at < le.length; ) {
    const type = src.getUint32(at, true);
    const len = src.getUint32(at + 4, true);
    u32(at);
    u32(at + 4);
    u32(at + len - 4);
    if (type === 0x0a0d0d0a) {
      u32(at + 8);
      u16(at + 12);
      u16(at + 14);
      dst.setBigInt64(at + 16, src.getBigInt64(at + 16, true), false);
      options(at + 24, at + len - 4);
    } else if (type === 1) {
      u16(at + 8);
      u32(at + 12);
      options(at + 16, at + len - 4);
    } else if (type === 6) {
      for (const f of [8, 12, 16, 20, 24]) u32(at + f);
      const captured = src.getUint32(at + 20, true);
      options(at + 28 + ((captured + 3) & ~3), at + len - 4);
    } else {
      throw new Error(`editcap wrote a block of type ${type}, which this swap does not know`);
    }
    at += len;
  }
  return out;
}
