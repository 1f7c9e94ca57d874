// /lab/ticker?rate=N&size=B: the server pushes N messages a second of B bytes each, without being
// asked. It is the producer the backpressure labs throttle; here it simply shows server push.
// `&binary=1` sends binary frames instead of JSON text.
//
// A client that does not read must not grow the server without bound: while more than
// SEND_BUFFER_CAP bytes wait in ws's and the socket's buffers, due messages are skipped (their
// seq numbers too, so the client can see the hole). The backpressure lab shows the other choices.
import type { Lab } from '../connection/lab.ts';
import { intParam } from './params.ts';
import { safeInterval } from '../process/safe.ts';

/** Sends are batched on a timer this often; the rate is kept by sending what is due. */
const TICK_MS = 10;
export const MAX_RATE = 20_000;
/** bytes allowed to wait in the send buffers before due messages are skipped */
export const SEND_BUFFER_CAP = 1024 * 1024;

/** A JSON text message of exactly `size` bytes when size allows, else ASCII digits. */
export function tickerPayload(seq: number, size: number): string {
  const json = `{"type":"tick","seq":${seq},"pad":""}`;
  if (size < json.length) return String(seq).padStart(size, '0').slice(-size);
  return `{"type":"tick","seq":${seq},"pad":"${'.'.repeat(size - json.length)}"}`;
}

export const tickerLab: Lab = {
  name: 'ticker',
  description: 'Pushes ?rate=N messages a second of ?size=B bytes (JSON text, or binary with &binary=1).',
  wsOptions(_url, defaults) {
    return defaults;
  },
  onConnection(ws, ctx) {
    const rate = intParam(ctx.url, 'rate', 10, 1, MAX_RATE);
    const size = intParam(ctx.url, 'size', 64, 1, ctx.maxPayload);
    const binary = ctx.url.searchParams.get('binary') === '1';
    let seq = 0;
    const started = performance.now();
    const timer = safeInterval('the ticker lab', () => {
      if (ws.readyState !== ws.OPEN) return;
      const due = Math.floor(((performance.now() - started) / 1000) * rate);
      while (seq < due) {
        if (ws.bufferedAmount > SEND_BUFFER_CAP) {
          seq = due; // skipped: the client is not keeping up
          return;
        }
        seq++;
        const text = tickerPayload(seq, size);
        ws.send(binary ? Buffer.from(text) : text, { binary });
      }
    }, TICK_MS);
    ws.once('close', () => clearInterval(timer));
  },
};
