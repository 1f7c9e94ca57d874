// TCP reassembly for one direction of one connection: segments in (in any order, retransmitted,
// overlapping), the byte stream out, in order, each byte once. Sequence numbers wrap at 2^32
// (RFC 9293 §3.4). Segments that arrive ahead of a hole wait in a bounded buffer; when the
// buffer would pass its bound, or the capture lost bytes (the snapshot length cut a segment),
// the direction stops with a sentence instead of guessing.

/** Default bound on the bytes waiting ahead of a hole, per direction. */
export const MAX_OUT_OF_ORDER_BYTES = 4 << 20;
/** Default bound on the segments waiting ahead of a hole, per direction. */
export const MAX_OUT_OF_ORDER_SEGMENTS = 4096;

/** Signed distance a - b in sequence space. */
function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

interface Waiting {
  seq: number;
  data: Uint8Array;
}

export class TcpHalf {
  /** sequence number of the next byte expected; null until the first SYN or segment */
  private next: number | null = null;
  /** the sequence number of the stream's first byte (SYN + 1, or the first segment seen) */
  private start = 0;
  /** segments ahead of the next byte, sorted by their distance from it */
  private waiting: Waiting[] = [];
  private waitingBytes = 0;
  /** bytes delivered so far: the stream offset of the next byte */
  delivered = 0;
  /** set when the direction can no longer be reassembled; nothing more is delivered */
  error: string | null = null;
  /** saw FIN or RST */
  ended = false;
  /** true when the stream began at a SYN (so offset 0 is its real first byte) */
  sawSyn = false;

  constructor(
    private readonly maxWaiting = MAX_OUT_OF_ORDER_BYTES,
    private readonly maxSegments = MAX_OUT_OF_ORDER_SEGMENTS,
  ) {}

  /**
   * Feeds one segment; returns the bytes it made contiguous (possibly several pieces, views of
   * the payloads: copy to keep them). `cut`: payload bytes the capture did not keep.
   */
  push(seq: number, payload: Uint8Array, syn: boolean, cut = 0): Uint8Array[] {
    const out: Uint8Array[] = [];
    if (this.error !== null) return out;
    if (syn) {
      if (this.next === null || (this.delivered === 0 && this.waiting.length === 0)) {
        this.next = (seq + 1) >>> 0;
        this.start = this.next;
        this.sawSyn = true;
      }
      seq = (seq + 1) >>> 0; // data on a SYN (TCP Fast Open) starts after it
    }
    if (payload.length === 0 && cut === 0) return out;
    if (this.next === null) {
      this.next = seq;
      this.start = seq;
    }
    if (cut > 0) {
      // Bytes after this payload were never captured; if they are needed, the stream has a hole.
      const end = (seq + payload.length + cut) >>> 0;
      if (seqDiff(end, this.next) > 0) {
        this.take(seq, payload, out);
        this.stop(`the capture kept only ${payload.length} of the ${payload.length + cut} bytes of a segment (snapshot length), so this direction's stream has a hole at byte ${this.delivered}`);
        return out;
      }
    }
    const ahead = seqDiff(seq, this.next);
    if (ahead > 0) {
      if (this.waitingBytes + payload.length > this.maxWaiting || this.waiting.length >= this.maxSegments) {
        this.stop(`more than ${this.maxWaiting} bytes or ${this.maxSegments} segments arrived after a hole at byte ${this.delivered} that the capture never filled (a lost segment)`);
        return out;
      }
      // Keep a copy (the caller's buffer is reused for the next packets), in sequence order.
      let i = this.waiting.length;
      while (i > 0 && seqDiff(this.waiting[i - 1].seq, seq) > 0) i--;
      this.waiting.splice(i, 0, { seq, data: payload.slice() });
      this.waitingBytes += payload.length;
      return out;
    }
    this.take(seq, payload, out);
    this.drain(out);
    return out;
  }

  /** Delivers the part of seq/payload at or after `next` (the part before it is a retransmission). */
  private take(seq: number, payload: Uint8Array, out: Uint8Array[]): void {
    const next = this.next as number;
    const behind = -seqDiff(seq, next);
    if (behind < 0 || behind >= payload.length) return;
    const piece = behind === 0 ? payload : payload.subarray(behind);
    out.push(piece);
    this.next = (next + piece.length) >>> 0;
    this.delivered += piece.length;
  }

  private drain(out: Uint8Array[]): void {
    let used = 0;
    while (used < this.waiting.length && seqDiff(this.waiting[used].seq, this.next as number) <= 0) {
      const w = this.waiting[used++];
      this.waitingBytes -= w.data.length;
      this.take(w.seq, w.data, out);
    }
    if (used > 0) this.waiting.splice(0, used);
  }

  /** Marks the end of the stream (FIN or RST seen). */
  end(): void {
    this.ended = true;
  }

  /** At the end of the capture: a sentence when bytes were left waiting behind a hole, else null. */
  finish(): string | null {
    if (this.error !== null) return this.error;
    if (this.waiting.length > 0) {
      const first = Math.min(...this.waiting.map((w) => seqDiff(w.seq, this.start)));
      this.stop(`${this.waitingBytes} bytes from byte ${first} on were captured but the bytes from ${this.delivered} to ${first} never were (a lost segment)`);
    }
    return this.error;
  }

  private stop(sentence: string): void {
    this.error = sentence;
    this.waiting = [];
    this.waitingBytes = 0;
  }
}
