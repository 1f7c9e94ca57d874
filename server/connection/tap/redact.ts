// Credentials never reach the event stream. The tap reads every handshake as it crossed the wire,
// and anyone who can read events (a page of this server, every participant of a workshop room, a
// saved export) would otherwise read the session cookie, the HttpOnly chat token and any
// Authorization header in it, and could present them as their own. Their values are replaced
// where the handshake event is made, so nothing downstream (history, observers, /inspect, exports)
// ever holds them; the header's name and the length of its value stay, which is what a lesson
// about where credentials travel needs to show. Pure: no node:*, no DOM.
import type { HttpHead } from './http-head.ts';

/** Headers whose values are credentials (lower case). */
export const REDACTED_HEADERS: ReadonlySet<string> = new Set(['cookie', 'set-cookie', 'authorization', 'proxy-authorization']);

/** What a redacted value becomes: `<redacted 187 bytes>` (its length on the wire, latin1). */
export function redactedValue(value: string): string {
  return `<redacted ${value.length} bytes>`;
}

/** The head with every credential header's value redacted, in the header list and in the raw text alike. */
export function redactHead(head: HttpHead): HttpHead {
  if (!head.headers.some(([name]) => REDACTED_HEADERS.has(name.toLowerCase()))) return head;
  const headers = head.headers.map(([name, value]): [string, string] => (REDACTED_HEADERS.has(name.toLowerCase()) ? [name, redactedValue(value)] : [name, value]));
  const raw = head.raw
    .split('\r\n')
    .map((line, i) => {
      if (i === 0) return line;
      const colon = line.indexOf(':');
      if (colon <= 0 || !REDACTED_HEADERS.has(line.slice(0, colon).trim().toLowerCase())) return line;
      const value = line.slice(colon + 1);
      const lead = /^[ \t]*/.exec(value)![0];
      return `${line.slice(0, colon + 1)}${lead}${redactedValue(value.trim())}`;
    })
    .join('\r\n');
  return { startLine: head.startLine, headers, raw };
}
