// Where participants can reach a workshop server: the machine's network addresses when it listens
// on them, none when it listens on loopback only.
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\./.test(h);
}

export function isWildcardHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  return h === '0.0.0.0' || h === '::';
}

function urlHost(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}

/**
 * The origins (http://ADDRESS:PORT) other machines use to reach a server bound to `host`: every
 * non-internal address for a wildcard host (IPv4 for 0.0.0.0; IPv4 and IPv6 for ::, without
 * link-local IPv6, which browsers cannot address without a zone), the host itself for a specific
 * address, nothing for loopback.
 */
export function networkOrigins(host: string, port: number, interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces()): string[] {
  if (isLoopbackHost(host)) return [];
  if (!isWildcardHost(host)) return [`http://${urlHost(host.replace(/^\[|\]$/g, ''))}:${port}`];
  const v6 = host.replace(/^\[|\]$/g, '') === '::';
  const out: string[] = [];
  for (const list of Object.values(interfaces)) {
    for (const a of list ?? []) {
      if (a.internal) continue;
      if (a.family === 'IPv6' && (!v6 || /^fe80:/i.test(a.address))) continue;
      const origin = `http://${urlHost(a.address)}:${port}`;
      if (!out.includes(origin)) out.push(origin);
    }
  }
  // IPv4 first: the address people can read off a projector and type
  return out.sort((a, b) => Number(a.includes('[')) - Number(b.includes('[')));
}
