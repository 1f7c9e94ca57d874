// DNS rebinding defence: every request and upgrade, on the main port and on every chat node's
// port, must name in its Host header a name and port this wslab serves.
//
// A page on http://evil.example:8080 whose name the attacker then points at 127.0.0.1 is, to the
// browser, same-origin with itself: it may read what it fetches, and its Origin matches the Host it
// sends. Neither Origin nor CORS can tell it apart from a page of ours; only the Host header can,
// because the browser still sends the attacker's name in it. So a request is answered only when
// its Host is 127.0.0.1:PORT, localhost:PORT, [::1]:PORT, the bound address, the machine's network
// addresses when bound to all interfaces (what a workshop room types), or a name given with
// --allow-host; anything else gets 421 Misdirected Request with a sentence saying why.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';

export interface HostRuleOptions {
  /** the address the server binds (127.0.0.1, 0.0.0.0, ::, a LAN address, localhost) */
  bound: string;
  /** extra names (`name`, any port wslab serves) or `name:port` (that port only), from --allow-host */
  allowHosts?: readonly string[];
  interfaces?: NodeJS.Dict<NetworkInterfaceInfo[]>;
}

/** "name:port" → [name, port]; a missing port is HTTP's 80; null when it does not parse. */
export function splitHost(host: string): [string, number] | null {
  const h = host.trim().toLowerCase();
  let name: string;
  let rest: string;
  if (h.startsWith('[')) {
    const close = h.indexOf(']');
    if (close < 0) return null;
    name = h.slice(0, close + 1);
    rest = h.slice(close + 1);
  } else {
    const colon = h.lastIndexOf(':');
    if (colon >= 0 && h.indexOf(':') !== colon) return null; // a bare IPv6 address needs brackets
    name = colon < 0 ? h : h.slice(0, colon);
    rest = colon < 0 ? '' : h.slice(colon);
  }
  if (!name || !/^[a-z0-9.\-_[\]:]+$/.test(name)) return null;
  if (rest === '') return [name, 80];
  if (!/^:\d{1,5}$/.test(rest)) return null;
  const port = Number(rest.slice(1));
  return port >= 1 && port <= 65535 ? [name, port] : null;
}

function bracket(address: string): string {
  const a = address.replace(/^\[|\]$/g, '').toLowerCase();
  return a.includes(':') ? `[${a}]` : a;
}

export class HostRule {
  /** names allowed on every port this server listens on */
  private readonly names = new Set<string>();
  /** `name:port` pairs allowed exactly */
  private readonly pairs = new Set<string>();
  private readonly ports = new Set<number>();

  constructor(options: HostRuleOptions) {
    for (const n of ['127.0.0.1', 'localhost', '[::1]', bracket(options.bound)]) this.names.add(n);
    const bound = options.bound.replace(/^\[|\]$/g, '');
    if (bound === '0.0.0.0' || bound === '::') {
      // bound to every interface: the addresses a room types (the workshop's join URLs)
      for (const list of Object.values(options.interfaces ?? networkInterfaces())) {
        for (const a of list ?? []) if (!a.internal) this.names.add(bracket(a.address));
      }
    }
    for (const raw of options.allowHosts ?? []) {
      const name = raw.trim().toLowerCase();
      const split = /:\d+$/.test(name) ? splitHost(name) : null;
      if (split) this.pairs.add(`${split[0]}:${split[1]}`);
      else this.names.add(bracket(name));
    }
  }

  /** A port this wslab listens on (the main port, each chat node's). */
  addPort(port: number): void {
    this.ports.add(port);
  }

  allows(host: string | undefined): boolean {
    if (host === undefined) return false;
    const split = splitHost(host);
    if (!split) return false;
    const [name, port] = split;
    return (this.names.has(name) && this.ports.has(port)) || this.pairs.has(`${name}:${port}`);
  }

  /** The sentence a refused request gets. */
  refusal(host: string | undefined, localPort: number | undefined): string {
    const port = localPort ?? [...this.ports][0];
    if (host === undefined) return 'The request has no Host header; wslab answers only requests that name it (127.0.0.1, localhost or [::1] and its port).';
    const shown = host.replace(/[^\x21-\x7e]/g, '?').slice(0, 100);
    return (
      `Host "${shown}" is not a name this wslab serves (it answers to 127.0.0.1:${port}, localhost:${port} and [::1]:${port}). ` +
      'A page that reaches this server under another name may be a DNS rebinding attack, so the request is refused. ' +
      `If you meant to use this name, start wslab with --allow-host ${shown.replace(/:\d+$/, '')}.`
    );
  }

  /** True when the request may go on; otherwise it has answered 421 with the reason. */
  checkRequest(req: IncomingMessage, res: ServerResponse): boolean {
    if (this.allows(req.headers.host)) return true;
    const body = this.refusal(req.headers.host, req.socket.localPort) + '\n';
    res.writeHead(421, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), Connection: 'close', 'Cache-Control': 'no-store' });
    res.end(body);
    return false;
  }

  /** The same for an upgrade: answers 421 on the raw socket and closes it. */
  checkUpgrade(req: IncomingMessage, socket: Socket): boolean {
    if (this.allows(req.headers.host)) return true;
    socket.on('error', () => socket.destroy());
    const body = Buffer.from(this.refusal(req.headers.host, socket.localPort) + '\n');
    const head = `HTTP/1.1 421 Misdirected Request\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\n\r\n`;
    if (socket.writable) socket.end(Buffer.concat([Buffer.from(head), body]));
    socket.destroySoon?.();
    return false;
  }

  /** The page origins these hosts make on `port` (what a page of ours sends as Origin). */
  origins(port: number): string[] {
    // a browser leaves HTTP's default port out of Origin
    const origin = (name: string, p: number) => (p === 80 ? `http://${name}` : `http://${name}:${p}`);
    const out: string[] = [];
    for (const n of this.names) if (n !== '0.0.0.0' && n !== '[::]') out.push(origin(n, port));
    for (const pair of this.pairs) {
      const [name, p] = splitHost(pair)!;
      out.push(origin(name, p));
    }
    return out;
  }
}
