// /lab/ticker?rate=N&size=B: the server pushes N messages a second of B bytes each, without being
// asked. It is the producer the backpressure labs throttle; here it simply shows server push.
// `&binary=1` sends binary frames instead of JSON text.
//
// A client that does not read must not grow the server without bound: while more than
// SEND_BUFFER_CAP bytes wait in ws's and the socket's buffers, or the server's memory budget has no
// room for the next message, due messages are skipped (their seq numbers too, so the client can see
// the hole). The backpressure lab shows the other choices.
//
// The shared producer clock (server/labs/producer-clock.ts) steps every ticker: each step sends at most
// the rate's share of the time since the last one, 100 ms' worth at most (a late tick never sends a
// backlog), and a ticker
// stops for good as soon as its socket is destroyed or a write fails: a failed write never raises
// bufferedAmount, so waiting for the cap would never stop it.
import { creditCap, producerClock, workUnits } from './producer-clock.ts';
import type { Lab } from '../connection/lab.ts';
import { intParam } from './params.ts';

export const MAX_RATE = 20_000;
/** bytes allowed to wait in the send buffers before due messages are skipped */
export const SEND_BUFFER_CAP = 1024 * 1024;
/** A server frame header is at most 10 bytes. */
const FRAME_HEADER = 10;

/** A JSON text message of exactly `size` bytes when size allows, else ASCII digits. */
export function tickerPayload(seq: number, size: number): string {
  const json = `{"type":"tick","seq":${seq},"pad":""}`;
  if (size < json.length) return String(seq).padStart(size, '0').slice(-size);
  return `{"type":"tick","seq":${seq},"pad":"${'.'.repeat(size - json.length)}"}`;
}

/**
 * tickerPayload's bytes, written straight into a buffer: no string per message for the collector to
 * find later (at 64 KiB a message, the garbage would otherwise outweigh the send buffers).
 */
export function tickerPayloadBytes(seq: number, size: number): Buffer {
  const head = `{"type":"tick","seq":${seq},"pad":"`;
  if (size < head.length + 3) return Buffer.from(tickerPayload(seq, size), 'latin1');
  const out = Buffer.allocUnsafe(size);
  out.write(head, 0, 'latin1');
  out.fill(0x2e, head.length, size - 2); // '.'
  out[size - 2] = 0x22; // '"'
  out[size - 1] = 0x7d; // '}'
  return out;
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
    const socket = ctx.socket;
    const lease = ctx.budget?.lease('push send buffers') ?? null;
    if (ctx.budget && ctx.budget.freeBytes < size + FRAME_HEADER) {
      ws.close(1013, 'Server memory budget spent; try again later.');
      ctx.bus.publish({ type: 'error', conn: ctx.conn, source: 'lab', message: ctx.budget.spent('a /lab/ticker connection') });
      return;
    }
    const cap = creditCap(rate);
    const units = workUnits(size);
    let seq = 0;
    let credit = 0;
    let last: number | null = null;
    let failed = false;
    let stop = () => {};
    const onSent = (err?: Error | null) => {
      if (err) failed = true;
    };
    stop = producerClock.add({
      step(now, allowance) {
        if (failed || ws.readyState !== ws.OPEN || socket?.destroyed) {
          stop();
          lease?.release();
          return 0;
        }
        credit = Math.min(cap, credit + (last === null ? 0 : Math.max(0, now - last)) * (rate / 1000));
        last = now;
        const due = Math.floor(credit);
        if (due === 0) return 0;
        credit -= due;
        const buffered = ws.bufferedAmount;
        lease?.resize(buffered); // what drained since the last step goes back to the budget
        let sent = 0;
        let room = allowance;
        while (sent < due && room >= units) {
          const now = ws.bufferedAmount;
          if (now > SEND_BUFFER_CAP || failed || socket?.destroyed) break;
          if (lease && !lease.resize(now + size + FRAME_HEADER)) break;
          seq++;
          sent++;
          room -= units;
          ws.send(tickerPayloadBytes(seq, size), { binary }, onSent);
        }
        seq += due - sent; // skipped: the client is not keeping up (or the server is busy)
        return allowance - room;
      },
    });
    ws.once('close', () => {
      stop();
      lease?.release();
    });
  },
};
