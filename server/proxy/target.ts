// What `wslab proxy TARGET` forwards where: the upstream URL for each request, and the upgrade
// request as the upstream receives it (the client's bytes, with only the request target, Host and
// the headers the user asked for changed). No Node imports: the rules are plain string work.

export interface ProxyTarget {
  /** ws: or wss: */
  secure: boolean;
  /** host name or address as written (IPv6 without brackets) */
  host: string;
  port: number;
  /** TARGET's path, "/" when it has none */
  path: string;
  /** TARGET's query without "?", "" when it has none */
  query: string;
  /** the Host header the upstream receives: host, and the port unless it is the scheme's default */
  hostHeader: string;
  /** TARGET as written, normalised (for messages and events) */
  href: string;
}

/** Parses TARGET; throws an Error with a sentence for anything that is not a ws:// or wss:// URL. */
export function parseTarget(text: string): ProxyTarget {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`"${text.slice(0, 200)}" is not a URL: give the upstream as ws://HOST[:PORT][/PATH] or wss://…`);
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new Error(`the upstream must be a ws:// or wss:// URL, got ${url.protocol}//`);
  if (url.username || url.password) throw new Error('the upstream URL may not carry a user name or password: send credentials with --header "Authorization: …"');
  if (url.hash) throw new Error('the upstream URL may not have a #fragment (RFC 6455 §3)');
  const secure = url.protocol === 'wss:';
  const port = url.port ? Number(url.port) : secure ? 443 : 80;
  return {
    secure,
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port,
    path: url.pathname || '/',
    query: url.search.slice(1),
    hostHeader: url.host,
    href: url.href,
  };
}

/**
 * The request target the upstream receives: the request's path appended to TARGET's path (a bare
 * "/" adds nothing), TARGET's query then the request's.
 *   ws://up/api + /chat?room=1 → /api/chat?room=1;  ws://up/socket + / → /socket
 */
export function upstreamTarget(target: ProxyTarget, requestTarget: string): string {
  const q = requestTarget.indexOf('?');
  const path = q < 0 ? requestTarget : requestTarget.slice(0, q);
  const query = q < 0 ? '' : requestTarget.slice(q + 1);
  const base = target.path.replace(/\/$/, '');
  const joined = path === '/' || path === '' ? target.path : base + (path.startsWith('/') ? path : `/${path}`);
  const queries = [target.query, query].filter((s) => s !== '');
  return joined + (queries.length ? `?${queries.join('&')}` : '');
}

/** The upstream URL of one proxied connection, as events and messages show it. */
export function upstreamUrl(target: ProxyTarget, requestTarget: string): string {
  return `${target.secure ? 'wss' : 'ws'}://${target.hostHeader}${upstreamTarget(target, requestTarget)}`;
}

/** A header the user adds or replaces with --header "Name: value" (or --origin). */
export type HeaderLine = [name: string, value: string];

/** Parses --header "Name: value"; throws a sentence when it is not one header line. */
export function parseHeaderOption(text: string): HeaderLine {
  const colon = text.indexOf(':');
  const name = colon < 0 ? '' : text.slice(0, colon).trim();
  const value = colon < 0 ? '' : text.slice(colon + 1).trim();
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) throw new Error(`--header "${text.slice(0, 100)}" is not "Name: value" with a header name of letters, digits and -`);
  if (/[\r\n\0]/.test(value)) throw new Error(`--header ${name}: the value may not contain line breaks`);
  const lower = name.toLowerCase();
  if (['host', 'connection', 'upgrade', 'sec-websocket-key', 'sec-websocket-version', 'content-length', 'transfer-encoding'].includes(lower)) {
    throw new Error(`--header ${name} would break the handshake the client and the upstream agree on; it is not allowed`);
  }
  return [name, value];
}

/**
 * The upgrade request as the upstream receives it, from the request head exactly as the client
 * sent it (latin1, ending with the blank line): the request line gets `newTarget`, Host names the
 * upstream, a header named in `replace` loses its old line and the new one is appended. Every
 * other line, its order and its spelling, is kept.
 */
export function rewriteRequest(head: string, newTarget: string, hostHeader: string, replace: readonly HeaderLine[]): string {
  const lines = head.split('\r\n');
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  const [method = 'GET', , version = 'HTTP/1.1'] = (lines[0] ?? '').split(' ');
  const replaced = new Set(replace.map(([n]) => n.toLowerCase()));
  const out = [`${method} ${newTarget} ${version}`];
  for (const line of lines.slice(1)) {
    const name = line.slice(0, Math.max(0, line.indexOf(':'))).trim().toLowerCase();
    if (name === 'host') out.push(`${line.slice(0, line.indexOf(':'))}: ${hostHeader}`);
    else if (!replaced.has(name)) out.push(line);
  }
  for (const [n, v] of replace) out.push(`${n}: ${v}`);
  return out.join('\r\n') + '\r\n\r\n';
}
