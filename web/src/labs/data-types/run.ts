// One run of the data-types lab in this page: three real WebSockets to /lab/echo, one message each
// (JSON text; the binary layout; the same JSON on a connection where permessage-deflate was
// negotiated), the echo read back and checked, and the server's tap events for the three
// connections found in the event store (each socket carries its own ?session= id, which the
// server reports in conn.open) and turned into figures by model.ts.
import { Versioned } from '../../store/versioned.ts';
import { getStore, type EventStore } from '../../store/store.ts';
import { findConnBySession, newSessionId, wsOrigin } from '../../ws/session.ts';
import { complete, eventsOf, variantFigures, VARIANTS, type Variant, type VariantFigures } from './model.ts';
import { decodeBinary, sameValue, type Payload } from './payloads.ts';

export const PATHS: Record<Variant, string> = {
  json: '/lab/echo',
  binary: '/lab/echo',
  // takeover on purpose: the lab shows what it saves and what it costs (?deflate=1 turns it off)
  deflate: '/lab/echo?deflate=takeover',
};

/** how long each step may take before the run gives up with a sentence */
const STEP_MS = 5000;

export interface VariantRun {
  variant: Variant;
  path: string;
  session: string;
  /** the server's id for the connection, once its conn.open arrived */
  conn: string | null;
  /** WebSocket.extensions: what the browser says was negotiated */
  extensions: string | null;
  /** bytes the page handed to send() */
  sentBytes: number;
  /** the echo as the page received it */
  echo: { bytes: number; text: string | null; data: Uint8Array | null } | null;
  /** the echo decoded (binary: with the layout) and compared with what was sent */
  roundTrip: { equal: boolean; value: unknown; error: string | null } | null;
  /** the tap's figures, complete once both messages are in */
  figures: VariantFigures | null;
  problem: string | null;
}

export class DataTypesRun extends Versioned {
  state: 'running' | 'done' | 'failed' = 'running';
  readonly variants: Record<Variant, VariantRun>;
  private readonly sockets = new Set<WebSocket>();

  constructor(
    readonly payload: Payload,
    private readonly store: EventStore = getStore(),
    private readonly origin: string = location.origin,
  ) {
    super();
    const entry = (variant: Variant): VariantRun => ({
      variant,
      path: PATHS[variant],
      session: newSessionId('dt'),
      conn: null,
      extensions: null,
      sentBytes: variant === 'binary' ? payload.binary.length : payload.jsonBytes,
      echo: null,
      roundTrip: null,
      figures: null,
      problem: null,
    });
    this.variants = { json: entry('json'), binary: entry('binary'), deflate: entry('deflate') };
  }

  async start(): Promise<void> {
    if (this.store.paused) {
      for (const v of VARIANTS) this.variants[v].problem = 'Event capture is paused (in the inspector), so the server’s figures cannot reach this page. Resume it and run again.';
      this.state = 'failed';
      this.changed();
      return;
    }
    await Promise.all(VARIANTS.map((v) => this.runOne(this.variants[v])));
    this.state = VARIANTS.every((v) => complete(this.variants[v].figures) && !this.variants[v].problem) ? 'done' : 'failed';
    this.changed();
  }

  /** Closes whatever is still open (leaving the page mid-run). */
  stop(): void {
    for (const ws of this.sockets) if (ws.readyState <= 1) ws.close(1000, 'left the page');
  }

  private fail(r: VariantRun, problem: string): void {
    r.problem = problem;
    this.changed();
  }

  private async runOne(r: VariantRun): Promise<void> {
    const afterSeq = this.store.lastSeq;
    const url = new URL(r.path, wsOrigin(this.origin));
    url.searchParams.set('session', r.session);
    const ws = new WebSocket(url);
    ws.binaryType = 'arraybuffer';
    this.sockets.add(ws);
    try {
      const echoed = new Promise<MessageEvent<string | ArrayBuffer> | null>((resolve) => {
        ws.onmessage = (m) => resolve(m);
        ws.onclose = () => resolve(null);
      });
      const opened = await within(
        new Promise<boolean>((resolve) => {
          ws.onopen = () => resolve(true);
          ws.onerror = () => resolve(false);
        }),
      );
      if (!opened) return this.fail(r, `Could not open ${r.path}: the handshake failed or took over ${STEP_MS / 1000} s.`);
      r.extensions = ws.extensions || null;
      this.changed();

      if (r.variant === 'binary') ws.send(this.payload.binary as Uint8Array<ArrayBuffer>);
      else ws.send(this.payload.json);
      const m = await within(echoed);
      if (!m) return this.fail(r, `No echo from ${r.path} within ${STEP_MS / 1000} s.`);
      this.takeEcho(r, m.data);

      const conn = await this.waitFor(() => findConnBySession(this.store.events, r.session, afterSeq));
      if (!conn) return this.fail(r, 'The server’s conn.open for this socket never reached the page’s event stream.');
      r.conn = conn;
      const figures = await this.waitFor(() => {
        const f = variantFigures(eventsOf(this.store.events, conn, afterSeq), conn);
        return complete(f) ? f : null;
      });
      r.figures = figures ?? variantFigures(eventsOf(this.store.events, conn, afterSeq), conn);
      if (!figures) this.fail(r, 'The tap’s frame and message events for this connection did not all arrive.');
      this.changed();
    } finally {
      if (ws.readyState <= 1) ws.close(1000, 'measured');
      this.sockets.delete(ws);
    }
  }

  private takeEcho(r: VariantRun, data: string | ArrayBuffer): void {
    if (typeof data === 'string') {
      r.echo = { bytes: new TextEncoder().encode(data).length, text: data, data: null };
      const equal = data === this.payload.json;
      r.roundTrip = { equal, value: data, error: equal ? null : 'the echoed text differs from the text sent' };
    } else {
      const bytes = new Uint8Array(data);
      r.echo = { bytes: bytes.length, text: null, data: bytes };
      const decoded = decodeBinary(this.payload, bytes);
      r.roundTrip = 'error' in decoded ? { equal: false, value: null, error: decoded.error } : { equal: sameValue(decoded.value, this.payload.value), value: decoded.value, error: null };
    }
    this.changed();
  }

  /** Re-checks on every store update until `check` returns something, or STEP_MS pass (null). */
  private waitFor<T>(check: () => T | null): Promise<T | null> {
    return new Promise((resolve) => {
      const first = check();
      if (first !== null) return resolve(first);
      const stopWatching = this.store.subscribe(() => {
        const v = check();
        if (v === null) return;
        clearTimeout(timer);
        stopWatching();
        resolve(v);
      });
      const timer = setTimeout(() => {
        stopWatching();
        resolve(null);
      }, STEP_MS);
    });
  }
}

function within<T>(p: Promise<T>): Promise<T | null> {
  return Promise.race([p, new Promise<null>((r) => setTimeout(() => r(null), STEP_MS))]);
}
