// From a captured packet to its TCP segment: the link layer (Ethernet, Linux cooked v1 and v2,
// BSD loopback, raw IP), IPv4 or IPv6, then the TCP header. Pure; never throws: anything that is
// not a whole TCP segment over IP answers null (or a segment marked `cut` when the snapshot
// length cut its payload).

export interface TcpSegment {
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  syn: boolean;
  ackFlag: boolean;
  fin: boolean;
  rst: boolean;
  /** the TCP payload that was captured */
  payload: Uint8Array;
  /** bytes of payload the capture did not keep (snapshot length): the stream has a hole there */
  cut: number;
}

/** Link types read (LINKTYPE_* numbers of pcap and pcapng). */
export const LINK_TYPES: Record<number, string> = {
  0: 'BSD loopback (NULL)',
  1: 'Ethernet',
  12: 'raw IP',
  101: 'raw IP',
  108: 'OpenBSD loopback (LOOP)',
  113: 'Linux cooked v1 (SLL)',
  228: 'raw IPv4',
  229: 'raw IPv6',
  276: 'Linux cooked v2 (SLL2)',
};

const ETH_IPV4 = 0x0800;
const ETH_IPV6 = 0x86dd;

/** Where the IP header starts and which version it should be (4, 6, or 0 = read the nibble); null when not IP. */
function linkPayload(linkType: number, d: Uint8Array): { at: number; version: number } | null {
  const etherType = (type: number, at: number) => (type === ETH_IPV4 ? { at, version: 4 } : type === ETH_IPV6 ? { at, version: 6 } : null);
  switch (linkType) {
    case 1: {
      let at = 12;
      for (let tags = 0; tags < 4; tags++) {
        if (d.length < at + 2) return null;
        const type = (d[at] << 8) | d[at + 1];
        if (type === 0x8100 || type === 0x88a8 || type === 0x9100) {
          at += 4; // an 802.1Q / 802.1ad tag, then the real type
          continue;
        }
        return etherType(type, at + 2);
      }
      return null;
    }
    case 113:
      return d.length < 16 ? null : etherType((d[14] << 8) | d[15], 16);
    case 276:
      return d.length < 20 ? null : etherType((d[0] << 8) | d[1], 20);
    case 0:
    case 108: {
      if (d.length < 4) return null;
      // NULL: the address family in the capturing host's byte order; LOOP: network order.
      const be = ((d[0] << 24) | (d[1] << 16) | (d[2] << 8) | d[3]) >>> 0;
      const le = ((d[3] << 24) | (d[2] << 16) | (d[1] << 8) | d[0]) >>> 0;
      const family = linkType === 108 ? be : be > 0xffff ? le : be;
      if (family === 2) return { at: 4, version: 4 };
      if (family === 10 || family === 24 || family === 28 || family === 30) return { at: 4, version: 6 };
      return null;
    }
    case 12:
    case 101:
      return { at: 0, version: 0 };
    case 228:
      return { at: 0, version: 4 };
    case 229:
      return { at: 0, version: 6 };
    default:
      return null;
  }
}

function ipv4(d: Uint8Array, at: number): string {
  return `${d[at]}.${d[at + 1]}.${d[at + 2]}.${d[at + 3]}`;
}

/** An IPv6 address in RFC 5952's canonical text form (the longest run of two or more zero groups as ::). */
export function ipv6(d: Uint8Array, at: number): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((d[at + 2 * i] << 8) | d[at + 2 * i + 1]);
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(':');
  if (best < 0) return hex(g);
  return `${hex(g.slice(0, best))}::${hex(g.slice(best + bestLen))}`;
}

/** The TCP segment a packet carries, or null when it carries none this reader can use. */
export function tcpSegment(linkType: number, d: Uint8Array, origLength: number): TcpSegment | null {
  const link = linkPayload(linkType, d);
  if (!link) return null;
  let at = link.at;
  if (d.length < at + 1) return null;
  const version = d[at] >> 4;
  if (link.version !== 0 && version !== link.version) return null;
  let src: string;
  let dst: string;
  let tcpAt: number;
  /** where the IP datagram ends according to its own header (may lie past the captured bytes) */
  let ipEnd: number;
  if (version === 4) {
    if (d.length < at + 20) return null;
    const ihl = (d[at] & 0x0f) * 4;
    const total = (d[at + 2] << 8) | d[at + 3];
    const frag = ((d[at + 6] << 8) | d[at + 7]) & 0x3fff; // MF flag and fragment offset
    if (ihl < 20 || total < ihl || d[at + 9] !== 6 || frag !== 0) return null;
    // total 0: TCP segmentation offload on the capturing host; trust the capture's length.
    ipEnd = total === 0 ? Math.max(d.length, origLength) : at + total;
    src = ipv4(d, at + 12);
    dst = ipv4(d, at + 16);
    tcpAt = at + ihl;
  } else if (version === 6) {
    if (d.length < at + 40) return null;
    const payloadLength = (d[at + 4] << 8) | d[at + 5];
    ipEnd = payloadLength === 0 ? Math.max(d.length, origLength) : at + 40 + payloadLength;
    src = ipv6(d, at + 8);
    dst = ipv6(d, at + 24);
    let next = d[at + 6];
    tcpAt = at + 40;
    // Extension headers: hop-by-hop, routing, destination options, authentication; fragments are not reassembled.
    for (let hops = 0; next !== 6; hops++) {
      if (hops > 8 || d.length < tcpAt + 8) return null;
      if (next === 0 || next === 43 || next === 60) {
        const len = (d[tcpAt + 1] + 1) * 8;
        next = d[tcpAt];
        tcpAt += len;
      } else if (next === 51) {
        const len = (d[tcpAt + 1] + 2) * 4;
        next = d[tcpAt];
        tcpAt += len;
      } else return null;
    }
  } else return null;
  if (d.length < tcpAt + 20 || ipEnd < tcpAt + 20) return null;
  const dataOffset = (d[tcpAt + 12] >> 4) * 4;
  if (dataOffset < 20 || tcpAt + dataOffset > ipEnd || tcpAt + dataOffset > d.length) return null;
  const flags = d[tcpAt + 13];
  const payloadStart = tcpAt + dataOffset;
  const captured = Math.min(ipEnd, d.length);
  return {
    src,
    dst,
    srcPort: (d[tcpAt] << 8) | d[tcpAt + 1],
    dstPort: (d[tcpAt + 2] << 8) | d[tcpAt + 3],
    seq: ((d[tcpAt + 4] << 24) | (d[tcpAt + 5] << 16) | (d[tcpAt + 6] << 8) | d[tcpAt + 7]) >>> 0,
    ack: ((d[tcpAt + 8] << 24) | (d[tcpAt + 9] << 16) | (d[tcpAt + 10] << 8) | d[tcpAt + 11]) >>> 0,
    fin: (flags & 0x01) !== 0,
    syn: (flags & 0x02) !== 0,
    rst: (flags & 0x04) !== 0,
    ackFlag: (flags & 0x10) !== 0,
    payload: d.subarray(payloadStart, captured),
    cut: Math.max(0, ipEnd - captured),
  };
}

/** "1.2.3.4:80", "[::1]:80" */
export function endpoint(addr: string, port: number): string {
  return addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`;
}
