// Capture files in: the classic libpcap format and pcapng, read incrementally (bytes in, packets
// out) so a capture of any size is read with one record's worth of memory. Pure: no Node or DOM
// imports, so the browser can open captures with the same code.
//
// libpcap: https://www.tcpdump.org/manpages/pcap-savefile.5.html (24-byte file header, then
// 16-byte record headers). pcapng: RFC draft-ietf-opsawg-pcapng (blocks of type, length, body,
// length; Section Header, Interface Description, Enhanced / Simple / obsolete Packet blocks).
// A reader never throws: a file that is not a capture, or breaks its format part-way, ends in
// one `error` sentence after the packets read before it.

/** One captured packet, as the link layer handed it to the capture tool. */
export interface CapturedPacket {
  /** milliseconds since the Unix epoch (fractional: microseconds or finer) */
  t: number;
  /** LINKTYPE_* value of the interface it was captured on (1 Ethernet, 113 Linux cooked v1, ...) */
  linkType: number;
  /** the captured bytes (a view: copy before keeping it past the next push) */
  data: Uint8Array;
  /** the packet's length on the wire; more than data.length when the snapshot length cut it */
  origLength: number;
  /** 0-based number of the packet in the file (tshark's frame.number - 1) */
  index: number;
}

export type CaptureFormat = 'pcap' | 'pcapng';

/** The largest record (pcap) or block (pcapng) accepted, in bytes: a bound on the reader's memory. */
export const MAX_RECORD_BYTES = 1 << 20;

const PCAPNG_SHB = 0x0a0d0d0a;
const PCAPNG_BYTE_ORDER = 0x1a2b3c4d;

interface Interface {
  linkType: number;
  snapLength: number;
  /** timestamp units per second, as a bigint (10^6 by default) */
  unitsPerSecond: bigint;
  /** if_tsoffset: seconds added to every timestamp */
  offsetSeconds: bigint;
}

function u16(b: Uint8Array, at: number, le: boolean): number {
  return le ? b[at] | (b[at + 1] << 8) : (b[at] << 8) | b[at + 1];
}

function u32(b: Uint8Array, at: number, le: boolean): number {
  return le ? (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0 : ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
}

/** Timestamp units (a bigint count) to epoch milliseconds. */
function unitsToMs(units: bigint, perSecond: bigint, offsetSeconds: bigint): number {
  const seconds = units / perSecond + offsetSeconds;
  const rest = units % perSecond;
  return Number(seconds) * 1000 + (Number(rest) * 1000) / Number(perSecond);
}

/**
 * Reads one capture file from its bytes, in chunks of any size. `push` returns the packets the
 * chunk completed; `finish` says whether the file ended cleanly. After an error nothing more is read.
 */
export class CaptureFileReader {
  format: CaptureFormat | null = null;
  /** the first problem found, one sentence; the reader stops there */
  error: string | null = null;
  /** bytes of the file consumed so far */
  offset = 0;
  private pending: Uint8Array = new Uint8Array(0);
  private le = true;
  /** pcap: the file's link type, snapshot length and timestamp units */
  private pcapIface: Interface | null = null;
  /** pcapng: the interfaces of the current section */
  private ifaces: Interface[] = [];
  private count = 0;

  constructor(private readonly maxRecord = MAX_RECORD_BYTES) {}

  push(chunk: Uint8Array): CapturedPacket[] {
    const out: CapturedPacket[] = [];
    if (this.error !== null || chunk.length === 0) return out;
    let buf: Uint8Array;
    if (this.pending.length === 0) buf = chunk;
    else {
      buf = new Uint8Array(this.pending.length + chunk.length);
      buf.set(this.pending);
      buf.set(chunk, this.pending.length);
    }
    let at = 0;
    try {
      for (;;) {
        const used = this.format === 'pcapng' || (this.format === null && buf.length - at >= 4 && u32(buf, at, false) === PCAPNG_SHB) ? this.pcapngBlock(buf, at, out) : this.pcapRecord(buf, at, out);
        if (used <= 0) break;
        at += used;
        this.offset += used;
      }
    } catch (err) {
      // Only a bug gets here; the file is reported unreadable rather than crashing the caller.
      this.fail(`the capture could not be read at byte ${this.offset}: ${(err as Error)?.message ?? err}`);
    }
    // Keep the unread tail (at most one record) for the next chunk.
    this.pending = this.error !== null ? new Uint8Array(0) : buf.slice(at);
    return out;
  }

  /** Call at the end of the file: null when it ended on a record boundary, else the problem. */
  finish(): string | null {
    if (this.error !== null) return this.error;
    if (this.format === null) {
      this.fail(this.pending.length === 0 ? 'the file is empty, not a pcap or pcapng capture' : `the file is ${this.pending.length} bytes long, too short for a pcap or pcapng header`);
    } else if (this.pending.length > 0) {
      this.fail(`the capture ends inside a ${this.format === 'pcap' ? 'packet record' : 'block'} at byte ${this.offset} (${this.pending.length} bytes of it present): the file was cut short`);
    }
    return this.error;
  }

  private fail(sentence: string): number {
    this.error = sentence;
    return 0;
  }

  /** Reads the pcap file header or one record at buf[at]; returns the bytes used, 0 to wait for more. */
  private pcapRecord(buf: Uint8Array, at: number, out: CapturedPacket[]): number {
    const left = buf.length - at;
    if (this.format === null) {
      if (left < 4) return 0;
      const magic = u32(buf, at, false);
      let le: boolean;
      let perSecond: bigint;
      if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) le = false;
      else if (magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1) le = true;
      else return this.fail(`the file starts with ${hex4(buf, at)}, which is neither a pcap magic number (a1b2c3d4, a1b23c4d) nor a pcapng section header (0a0d0d0a)`);
      perSecond = magic === 0xa1b23c4d || magic === 0x4d3cb2a1 ? 1_000_000_000n : 1_000_000n;
      if (left < 24) return 0;
      this.le = le;
      const major = u16(buf, at + 4, le);
      if (major !== 2) return this.fail(`pcap version ${major}.${u16(buf, at + 6, le)} is not supported (only 2.4)`);
      const snap = u32(buf, at + 16, le);
      this.pcapIface = { linkType: u32(buf, at + 20, le) & 0xffff, snapLength: snap, unitsPerSecond: perSecond, offsetSeconds: 0n };
      this.format = 'pcap';
      return 24;
    }
    if (left < 16) return 0;
    const le = this.le;
    const iface = this.pcapIface as Interface;
    const caplen = u32(buf, at + 8, le);
    const origLength = u32(buf, at + 12, le);
    if (caplen > this.maxRecord) return this.fail(`packet ${this.count + 1} at byte ${this.offset} claims ${caplen} captured bytes, more than the ${this.maxRecord} this reader accepts (a corrupt file?)`);
    if (left < 16 + caplen) return 0;
    const sec = u32(buf, at, le);
    const frac = u32(buf, at + 4, le);
    if (BigInt(frac) >= iface.unitsPerSecond) return this.fail(`packet ${this.count + 1} at byte ${this.offset} has a sub-second timestamp of ${frac}, out of range (a corrupt file?)`);
    out.push({
      t: unitsToMs(BigInt(sec) * iface.unitsPerSecond + BigInt(frac), iface.unitsPerSecond, 0n),
      linkType: iface.linkType,
      data: buf.subarray(at + 16, at + 16 + caplen),
      origLength: Math.max(origLength, caplen),
      index: this.count++,
    });
    return 16 + caplen;
  }

  /** Reads one pcapng block at buf[at]; returns the bytes used, 0 to wait for more. */
  private pcapngBlock(buf: Uint8Array, at: number, out: CapturedPacket[]): number {
    const left = buf.length - at;
    if (left < 12) return 0;
    const type = u32(buf, at, this.le);
    if (type === PCAPNG_SHB || this.format === null) {
      // A section header sets the byte order for everything up to the next one.
      const bom = u32(buf, at + 8, false);
      if (bom === PCAPNG_BYTE_ORDER) this.le = false;
      else if (bom === 0x4d3c2b1a) this.le = true;
      else return this.fail(`the pcapng section header at byte ${this.offset} has byte-order magic ${hex4(buf, at + 8)}, not 1a2b3c4d`);
      this.format = 'pcapng';
    }
    const le = this.le;
    const length = u32(buf, at + 4, le);
    if (length < 12 || length % 4 !== 0) return this.fail(`the pcapng block at byte ${this.offset} declares a length of ${length}, which is not a multiple of 4 of at least 12 (a corrupt file?)`);
    if (length > this.maxRecord + 64) return this.fail(`the pcapng block at byte ${this.offset} is ${length} bytes long, more than the ${this.maxRecord + 64} this reader accepts (a corrupt file?)`);
    if (left < length) return 0;
    if (u32(buf, at + length - 4, le) !== length) return this.fail(`the pcapng block at byte ${this.offset} ends with a length of ${u32(buf, at + length - 4, le)}, not the ${length} it starts with (a corrupt file?)`);
    const body = buf.subarray(at + 8, at + length - 4);
    const realType = u32(buf, at, le);
    if (realType === PCAPNG_SHB) {
      if (body.length < 16) return this.fail(`the pcapng section header at byte ${this.offset} is too short`);
      const major = u16(body, 4, le);
      if (major !== 1) return this.fail(`pcapng version ${major}.${u16(body, 6, le)} is not supported (only 1.0)`);
      this.ifaces = [];
    } else if (realType === 1) {
      if (body.length < 8) return this.fail(`the pcapng interface description at byte ${this.offset} is too short`);
      const iface: Interface = { linkType: u16(body, 0, le), snapLength: u32(body, 4, le), unitsPerSecond: 1_000_000n, offsetSeconds: 0n };
      const bad = readOptions(body, 8, le, (code, value) => {
        if (code === 9 && value.length >= 1) {
          const r = value[0];
          const exp = r & 0x7f;
          if ((r & 0x80) === 0 ? exp > 18 : exp > 62) return `if_tsresol ${r} is out of range`;
          iface.unitsPerSecond = (r & 0x80) === 0 ? 10n ** BigInt(exp) : 1n << BigInt(exp);
        } else if (code === 14 && value.length >= 8) {
          const hi = BigInt(u32(value, le ? 4 : 0, le));
          const lo = BigInt(u32(value, le ? 0 : 4, le));
          iface.offsetSeconds = BigInt.asIntN(64, (hi << 32n) | lo);
        }
        return null;
      });
      if (bad) return this.fail(`the pcapng interface description at byte ${this.offset}: ${bad}`);
      if (this.ifaces.length >= 65536) return this.fail(`more than 65536 interfaces in one pcapng section`);
      this.ifaces.push(iface);
    } else if (realType === 6 || realType === 2) {
      // Enhanced Packet Block (6), or the obsolete Packet Block (2) with a 16-bit interface id.
      if (body.length < 20) return this.fail(`the pcapng packet block at byte ${this.offset} is too short`);
      const ifId = realType === 6 ? u32(body, 0, le) : u16(body, 0, le);
      const iface = this.ifaces[ifId];
      if (!iface) return this.fail(`the pcapng packet block at byte ${this.offset} names interface ${ifId}, which no interface description declared`);
      const caplen = u32(body, 12, le);
      const origLength = u32(body, 16, le);
      if (20 + caplen > body.length) return this.fail(`the pcapng packet block at byte ${this.offset} claims ${caplen} captured bytes but holds only ${body.length - 20}`);
      const units = (BigInt(u32(body, 4, le)) << 32n) | BigInt(u32(body, 8, le));
      out.push({
        t: unitsToMs(units, iface.unitsPerSecond, iface.offsetSeconds),
        linkType: iface.linkType,
        data: body.subarray(20, 20 + caplen),
        origLength: Math.max(origLength, caplen),
        index: this.count++,
      });
    } else if (realType === 3) {
      // Simple Packet Block: interface 0, no timestamp.
      const iface = this.ifaces[0];
      if (!iface) return this.fail(`the pcapng simple packet block at byte ${this.offset} comes before any interface description`);
      if (body.length < 4) return this.fail(`the pcapng simple packet block at byte ${this.offset} is too short`);
      const origLength = u32(body, 0, le);
      let caplen = Math.min(origLength, body.length - 4);
      if (iface.snapLength > 0) caplen = Math.min(caplen, iface.snapLength);
      out.push({ t: 0, linkType: iface.linkType, data: body.subarray(4, 4 + caplen), origLength: Math.max(origLength, caplen), index: this.count++ });
    }
    // Every other block (name resolution, statistics, custom, decryption secrets...) is skipped.
    return length;
  }
}

/** Walks pcapng options (code, length, value padded to 4) from `at`; returns a problem or null. */
function readOptions(body: Uint8Array, at: number, le: boolean, each: (code: number, value: Uint8Array) => string | null): string | null {
  while (at + 4 <= body.length) {
    const code = u16(body, at, le);
    const len = u16(body, at + 2, le);
    if (code === 0) return null;
    const end = at + 4 + len;
    if (end > body.length) return `option ${code} runs past the end of its block`;
    const bad = each(code, body.subarray(at + 4, end));
    if (bad) return bad;
    at = end + ((4 - (len % 4)) % 4);
  }
  return null;
}

function hex4(b: Uint8Array, at: number): string {
  let s = '';
  for (let i = at; i < at + 4 && i < b.length; i++) s += b[i].toString(16).padStart(2, '0');
  return s;
}
