// The case runner of `wslab conform`: one raw TCP (or TLS) connection per case, the opening
// handshake and every frame built with the codec in server/core/wire, invalid ones included, and
// the server's frames read with the same codec. The client behaves as Autobahn's fuzzing client
// (autobahn-python's WebSocketProtocol with failByDrop off): it answers Pings, answers a Close,
// starts the closing handshake when a case says so, fails the connection with 1001 when a case's
// timer runs out, gives a closing handshake `closeTimeoutMs` to finish and the server
// `dropTimeoutMs` to end TCP after it. Every timer is bounded; a case never outlives `caseCapMs`.
// Echo cases (chapters 9, 12, 13) send their messages one at a time, each once the previous came
// back; with permessage-deflate offered and accepted (12, 13) the client compresses what it sends
// and inflates what it receives (node:zlib, deflate.ts).
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { randomBytes } from 'node:crypto';
import { validateUpgradeResponse } from '../core/wire/index.ts';
import { judge, judgeEcho } from '../core/conform/verdict.ts';
import { checkDeflateAnswer, offerHeader } from '../core/conform/cases-12-13.ts';
import type { CaseResult, ConformCase } from '../core/conform/types.ts';
import { CaseDriver, timeScaleOf } from './case-driver.ts';
import { DeflateSession } from './deflate.ts';

export interface RunOptions {
  /**
   * Multiplies every timer of the cases (Autobahn's killAfter and closeAfter) and the default close
   * and drop timeouts: for slow or distant servers, or a loaded machine. The pauses inside a case
   * (6.4.x, 5.19) are part of what it tests and stay as they are. Default 1.
   */
  timeScale?: number;
  /** ms the closing handshake may take before the client drops TCP (autobahn: 1 s, times timeScale) */
  closeTimeoutMs?: number;
  /** ms the server has to end TCP after the closing handshake (autobahn: 1 s, times timeScale) */
  dropTimeoutMs?: number;
  /** ms the opening handshake may take */
  openTimeoutMs?: number;
  /** hard cap on one case, whatever its timers say */
  caseCapMs?: number;
  /** largest frame or message accepted from the server */
  maxPayload?: number;
  /** sees every byte the case's socket writes (c2s) and reads (s2c), the HTTP heads included */
  tap?: ((dir: 'c2s' | 's2c', bytes: Uint8Array) => void) | null;
}

export interface Target {
  url: URL;
  secure: boolean;
  host: string;
  port: number;
  /** path and query for the request line */
  resource: string;
}

/** Parses a ws:// or wss:// URL; throws a sentence for anything else. */
export function parseTarget(raw: string): Target {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`"${raw}" is not a URL; give one like ws://127.0.0.1:9001/`);
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new Error(`the URL must start with ws:// or wss://, got ${url.protocol}//`);
  const secure = url.protocol === 'wss:';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return { url, secure, host, port: url.port ? Number(url.port) : secure ? 443 : 80, resource: (url.pathname || '/') + url.search };
}

/** A header block larger than this is refused (the handshake answer of a real server is < 1 KiB). */
const MAX_HANDSHAKE = 16 * 1024;

/** One case as the client: opens TCP (or TLS), does the opening handshake, then the driver runs the case. */
class CaseConnection extends CaseDriver {
  serverHeader: string | null = null;
  private handshakeBuf = Buffer.alloc(0);
  private key = randomBytes(16).toString('base64');

  constructor(
    readonly target: Target,
    c: ConformCase,
    private readonly runOpts: Required<RunOptions>,
  ) {
    super('client', c, runOpts);
  }

  /** Opens TCP and does the handshake; resolves true when the WebSocket is open. */
  open(): Promise<boolean> {
    return new Promise((resolve) => {
      const { host, port, secure, resource, url } = this.target;
      const s = secure ? tlsConnect({ host, port, servername: host }) : netConnect({ host, port });
      const tap = this.runOpts.tap;
      if (tap) {
        s.on('data', (b: Buffer) => tap('s2c', b));
        const write = s.write.bind(s) as (chunk: Uint8Array, cb?: () => void) => boolean;
        s.write = ((chunk: Uint8Array | string, cb?: () => void) => {
          const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk;
          tap('c2s', bytes);
          return write(bytes, cb);
        }) as typeof s.write;
      }
      let settled = false;
      const settle = (ok: boolean) => {
        if (!settled) {
          settled = true;
          resolve(ok);
        }
      };
      const fail = (reason: string) => {
        this.facts.notCleanReason = reason;
        this.drop();
        settle(false);
      };
      this.after(this.runOpts.openTimeoutMs, () => {
        if (!this.facts.opened) fail(`the opening handshake did not complete within ${this.runOpts.openTimeoutMs} ms`);
      });
      s.on(secure ? 'secureConnect' : 'connect', () => {
        const hostHeader = url.port ? `${url.hostname}:${url.port}` : url.hostname;
        s.write(
          `GET ${resource} HTTP/1.1\r\nHost: ${hostHeader}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            `Sec-WebSocket-Key: ${this.key}\r\nSec-WebSocket-Version: 13\r\nUser-Agent: wslab-conform\r\n` +
            (this.c.deflate ? `Sec-WebSocket-Extensions: ${offerHeader(this.c.deflate)}\r\n` : '') +
            '\r\n',
        );
      });
      s.on('data', (chunk: Buffer) => {
        if (this.facts.opened) return this.onBytes(chunk);
        this.handshakeBuf = Buffer.concat([this.handshakeBuf, chunk]);
        const end = this.handshakeBuf.indexOf('\r\n\r\n');
        if (end < 0) {
          if (this.handshakeBuf.length > MAX_HANDSHAKE) fail(`the server's handshake answer exceeded ${MAX_HANDSHAKE} bytes without ending`);
          return;
        }
        const head = this.handshakeBuf.subarray(0, end).toString('latin1').split('\r\n');
        const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head[0])?.[1] ?? 0);
        const headers: Record<string, string> = {};
        for (const line of head.slice(1)) {
          const i = line.indexOf(':');
          if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
        }
        const check = validateUpgradeResponse(status, headers, this.key);
        if (!check.ok) return fail(`the opening handshake failed: ${check.reason}`);
        if (this.c.deflate) {
          const answer = checkDeflateAnswer(this.c.deflate, headers['sec-websocket-extensions']);
          if (answer.kind === 'invalid') return fail(`the opening handshake failed: ${answer.reason} (RFC 7692 §7.1)`);
          if (answer.kind === 'accepted') {
            this.deflate = new DeflateSession(answer.params, this.frameLimit);
            this.outcome.deflate = answer.text;
          } else this.outcome.deflate = false;
        }
        this.serverHeader = headers.server ?? null;
        // Without permessage-deflate accepted, RSV bits from the server are errors too.
        this.opened();
        this.note(`handshake: ${head[0]}`);
        settle(true);
        const rest = this.handshakeBuf.subarray(end + 4);
        this.handshakeBuf = Buffer.alloc(0);
        if (rest.length) this.onBytes(rest);
      });
      this.attach(s);
      s.on('error', () => settle(false));
      s.on('close', () => settle(false));
    });
  }
}

const DEFAULTS: Required<RunOptions> = {
  timeScale: 1,
  closeTimeoutMs: 1000,
  dropTimeoutMs: 1000,
  openTimeoutMs: 5000,
  caseCapMs: 60_000,
  maxPayload: 16 * 1024 * 1024,
  tap: null,
};

/** Runs one case against the target and judges it. Never throws. */
export async function runCase(target: Target, c: ConformCase, options: RunOptions = {}): Promise<CaseResult & { serverHeader: string | null }> {
  const scale = timeScaleOf(options.timeScale);
  const opts: Required<RunOptions> = {
    ...DEFAULTS,
    ...options,
    timeScale: scale,
    closeTimeoutMs: options.closeTimeoutMs ?? DEFAULTS.closeTimeoutMs * scale,
    dropTimeoutMs: options.dropTimeoutMs ?? DEFAULTS.dropTimeoutMs * scale,
  };
  const conn = new CaseConnection(target, c, opts);
  await conn.run(() => conn.open());
  const verdicts = c.echo ? judgeEcho(c, conn.outcome, conn.facts) : judge(c, conn.received, conn.facts);
  return { ...conn.result(c, verdicts), serverHeader: conn.serverHeader };
}

/** Runs cases one after another (as Autobahn does), reporting each result as it is judged. */
export async function runSuite(
  target: Target,
  cases: readonly ConformCase[],
  onResult: (r: CaseResult) => void = () => {},
  options: RunOptions = {},
): Promise<{ results: CaseResult[]; serverHeader: string | null }> {
  const results: CaseResult[] = [];
  let serverHeader: string | null = null;
  for (const c of cases) {
    const r = await runCase(target, c, options);
    serverHeader ??= r.serverHeader;
    const { serverHeader: _, ...result } = r;
    results.push(result);
    onResult(result);
  }
  return { results, serverHeader };
}
