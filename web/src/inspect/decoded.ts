// The decoded subprotocol messages of the frames this page holds: the pure DecoderSession
// (server/core/decoders) run over the store's frames in order, once each, with each connection's
// negotiated subprotocol and request target. Results hang off the frame objects (a WeakMap), so
// frames the store evicts take their decoding with them.
import { DecoderSession, type Decoded } from '../../../server/core/decoders/index.ts';
import type { EventStore, FrameEvent } from '../store/store.ts';

export class DecodedFrames {
  private session = new DecoderSession();
  private readonly byFrame = new WeakMap<FrameEvent, Decoded>();
  private readonly opened = new Set<string>();
  private scannedSeq = -1;
  /** the store's oldest frame at the last update */
  private lowSeq = Infinity;
  /** decoded frames per connection, newest last (bounded), for the connection view */
  private readonly recent = new Map<string, FrameEvent[]>();

  /** Decodes the store's frames not seen yet (call before reading). */
  update(store: EventStore): void {
    const frames = store.frames;
    if (frames.length === 0) return;
    // older frames merged in at the front (a scroll back) are decoded once too
    if (this.scannedSeq >= 0 && frames[0].seq < this.lowSeq) {
      for (let i = 0; i < frames.length && frames[i].seq < this.lowSeq; i++) this.decode(store, frames[i], false);
    }
    this.lowSeq = frames[0].seq;
    if (frames[frames.length - 1].seq <= this.scannedSeq) return;
    let i = frames.length;
    while (i > 0 && frames[i - 1].seq > this.scannedSeq) i--;
    for (; i < frames.length; i++) this.decode(store, frames[i], true);
    this.scannedSeq = frames[frames.length - 1].seq;
  }

  private decode(store: EventStore, f: FrameEvent, newest: boolean): void {
    if (!this.opened.has(f.conn)) {
      const v = store.conns.get(f.conn);
      if (v) {
        const sub = v.handshake?.response.headers.find(([k]) => k.toLowerCase() === 'sec-websocket-protocol')?.[1] ?? v.open?.subprotocol ?? null;
        this.session.open(f.conn, { subprotocol: sub, target: v.handshake?.request.target ?? v.open?.path ?? '' });
      }
      this.opened.add(f.conn);
      if (this.opened.size > 5000) this.opened.clear();
    }
    // a message is decoded once, on the frame that ends it: from its message event (the first
    // 256 bytes, assembled and inflated) or, without one, from a single frame's own preview
    let d: Decoded | null = null;
    if (f.fin && f.opcode <= 0x2) {
      const m = store.messageOf.get(f);
      if (m) d = this.session.message(m);
      else if (f.opcode !== 0x0) d = this.session.frame(f);
    }
    if (d) {
      this.byFrame.set(f, d);
      let list = this.recent.get(f.conn);
      if (!list) {
        list = [];
        this.recent.set(f.conn, list);
        if (this.recent.size > 500) this.recent.delete(this.recent.keys().next().value as string);
      }
      if (newest) {
        list.push(f);
        if (list.length > 50) list.splice(0, list.length - 50);
      }
    }
  }

  get(f: FrameEvent): Decoded | null {
    return this.byFrame.get(f) ?? null;
  }

  protocolOf(conn: string): string | null {
    return this.session.protocolOf(conn);
  }

  /** The newest decoded frames of a connection (up to 50). */
  recentOf(conn: string): readonly FrameEvent[] {
    return this.recent.get(conn) ?? [];
  }
}

let shared: DecodedFrames | null = null;

/** The page's decoded frames, brought up to date with the store. */
export function getDecodedFrames(store: EventStore): DecodedFrames {
  shared ??= new DecodedFrames();
  shared.update(store);
  return shared;
}
