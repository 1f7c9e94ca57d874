// Reads an HTTP/1.1 head (request or status line, then header lines) from raw bytes.
// Used by the tap for the upgrade request and the server's 101 (or error) response.

export interface HttpHead {
  /** "GET /lab/echo HTTP/1.1" or "HTTP/1.1 101 Switching Protocols" */
  startLine: string;
  headers: [string, string][];
  /** the head as it crossed the wire, latin1, including the final blank line */
  raw: string;
}

const CRLFCRLF = Buffer.from('\r\n\r\n');

/** Index just past the blank line that ends a head, or -1 if it has not arrived yet. */
export function headEnd(bytes: Buffer): number {
  const i = bytes.indexOf(CRLFCRLF);
  return i < 0 ? -1 : i + 4;
}

export function parseHead(bytes: Buffer): HttpHead {
  const raw = bytes.toString('latin1');
  const lines = raw.split('\r\n');
  const headers: [string, string][] = [];
  for (const line of lines.slice(1)) {
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon < 0) headers.push([line, '']);
    else headers.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
  }
  return { startLine: lines[0] ?? '', headers, raw };
}

/** First value of a header, case-insensitively. */
export function headerValue(headers: [string, string][], name: string): string | null {
  const lower = name.toLowerCase();
  for (const [k, v] of headers) if (k.toLowerCase() === lower) return v;
  return null;
}
