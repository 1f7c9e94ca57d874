// One run of the head-of-line blocking lab in this page: real browser WebSockets to /lab/hol
// through the chaos link (?link=TAG, one tag per socket), each link connection throttled client →
// server with POST /__wslab/link {tag, c2sBytesPerSec} (a selector, so a workshop participant may
// do it too), then the bulk message and the urgent one sent back to back, timed until /lab/hol
// acknowledges each (server/labs/hol/lab.ts). The sockets close when the run ends: their link
// connections, and the throttle with them, go away.
import { setLink } from '../api.ts';
import { wsOrigin } from '../../ws/session.ts';
import type { HolAck, HolHello } from '../../../../server/core/labs/hol.ts';
import { transferMs, urgentText, type HolRun, type HolSettings } from './model.ts';

const OPEN_TIMEOUT_MS = 10_000;

function randomTag(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return 'hol' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** A /lab/hol socket through its own link connection: resolves once the server's hello named its conn. */
interface HolSocket {
  ws: WebSocket;
  tag: string;
  conn: string;
  /** resolves with the ack numbered n (the server counts this socket's messages from 1); rejects if the socket closes first */
  ack(n: number): Promise<{ ack: HolAck; at: number }>;
}

function openHol(tag: string, signal: AbortSignal): Promise<HolSocket> {
  const ws = new WebSocket(`${wsOrigin(location.origin)}/lab/hol?link=${tag}`);
  const acks = new Map<number, { ack: HolAck; at: number }>();
  const waiting = new Map<number, (a: { ack: HolAck; at: number }) => void>();
  // a socket that closes mid-run (a link reset, the server going away) fails the run at once
  let closedWith: Error | null = null;
  const onClosed = new Set<(err: Error) => void>();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail('the lab socket did not open within 10 s'), OPEN_TIMEOUT_MS);
    const onAbort = () => fail('stopped');
    signal.addEventListener('abort', onAbort, { once: true });
    function fail(why: string) {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      ws.close();
      reject(new Error(why));
    }
    ws.onmessage = (e) => {
      // the arrival time first: parsing is not part of the trip
      const at = performance.now();
      if (typeof e.data !== 'string') return;
      const msg = JSON.parse(e.data) as HolAck | HolHello;
      if (msg.type === 'hello') {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        resolve({
          ws,
          tag,
          conn: msg.conn,
          ack: (n) => {
            const got = acks.get(n);
            if (got) return Promise.resolve(got);
            if (closedWith) return Promise.reject(closedWith);
            return new Promise((r, j) => {
              waiting.set(n, r);
              onClosed.add(j);
            });
          },
        });
        ws.onclose = (e) => {
          closedWith = new Error(`the lab socket closed (${e.code}${e.reason ? ` ${e.reason}` : ''}) before every acknowledgement came back`);
          for (const j of onClosed) j(closedWith);
        };
        return;
      }
      const timed = { ack: msg, at };
      acks.set(msg.n, timed);
      waiting.get(msg.n)?.(timed);
      waiting.delete(msg.n);
    };
    ws.onclose = (e) => fail(`the lab socket closed (${e.code}${e.reason ? ` ${e.reason}` : ''}) before the run began`);
  });
}

/**
 * Runs one experiment; `update` is called with the run as each acknowledgement arrives (the urgent
 * one may come seconds before the bulk one). Resolves with the finished or failed run.
 */
export async function runHol(n: number, settings: HolSettings, signal: AbortSignal, update: (run: HolRun) => void): Promise<HolRun> {
  const run: HolRun = {
    n,
    settings,
    bulk: { bytes: settings.bulkBytes, conn: '', ackMs: null, serverT: null },
    urgent: { bytes: 0, conn: '', ackMs: null, serverT: null },
    bufferedAfterSend: 0,
    state: 'running',
    problem: null,
  };
  const sockets: HolSocket[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  const publish = () => update({ ...run, bulk: { ...run.bulk }, urgent: { ...run.urgent } });
  try {
    const count = settings.mode === 'one' ? 1 : 2;
    for (let i = 0; i < count; i++) sockets.push(await openHol(randomTag(), signal));
    for (const s of sockets) {
      const r = await setLink({ tag: s.tag }, { c2sBytesPerSec: settings.bytesPerSec });
      if (!r.ok) throw new Error(`the link could not be throttled: ${r.error}`);
    }
    const bulkSocket = sockets[0];
    const urgentSocket = sockets[count - 1];
    const text = urgentText(n);
    run.bulk.conn = bulkSocket.conn;
    run.urgent = { ...run.urgent, bytes: new TextEncoder().encode(text).length, conn: urgentSocket.conn };
    publish();

    // Zeros are fine: /lab/hol offers no compression, so every byte crosses the link.
    const bulkPayload = new Uint8Array(settings.bulkBytes);
    const t0 = performance.now();
    bulkSocket.ws.send(bulkPayload);
    urgentSocket.ws.send(text);
    run.bufferedAfterSend = sockets.reduce((sum, s) => sum + s.ws.bufferedAmount, 0);
    publish();

    const limit = transferMs(settings.bulkBytes, settings.bytesPerSec) * 3 + 5000;
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no acknowledgement within ${(limit / 1000).toFixed(0)} s`)), limit)));
    const aborted = new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(new Error('stopped')), { once: true }));
    const urgentN = count === 1 ? 2 : 1;
    await Promise.race([
      Promise.all([
        bulkSocket.ack(1).then(({ ack, at }) => {
          run.bulk = { ...run.bulk, ackMs: at - t0, serverT: ack.t };
          publish();
        }),
        urgentSocket.ack(urgentN).then(({ ack, at }) => {
          run.urgent = { ...run.urgent, ackMs: at - t0, serverT: ack.t };
          publish();
        }),
      ]),
      timeout,
      aborted,
    ]);
    run.state = 'done';
  } catch (err) {
    run.state = 'failed';
    run.problem = (err as Error).message;
  } finally {
    clearTimeout(timer);
    for (const s of sockets) {
      s.ws.onclose = null;
      s.ws.close(1000, 'run over');
    }
  }
  publish();
  return run;
}
