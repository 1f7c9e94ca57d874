// permessage-deflate (RFC 7692) for the conformance runner, one connection's two directions, both
// synchronous so that the runner's frames keep their order. With context takeover the LZ77 window
// is the last 2^bits bytes of the direction's plain text, handed to a raw deflate or inflate as its
// preset dictionary: a sync-flushed deflate block continues the peer's stream exactly as a
// long-lived zlib stream would.
import { constants, deflateRawSync, inflateRawSync } from 'node:zlib';
import type { PerMessageDeflateParams } from '../core/wire/deflate.ts';

const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);

class Window {
  private data: Buffer | null = null;
  constructor(
    readonly bits: number,
    private readonly takeover: boolean,
  ) {}

  get dictionary(): { dictionary: Buffer } | object {
    return this.data ? { dictionary: this.data } : {};
  }

  keep(plain: Uint8Array): void {
    if (!this.takeover) return;
    const size = 1 << this.bits;
    const joined = this.data ? Buffer.concat([this.data, plain]) : Buffer.from(plain);
    this.data = Buffer.from(joined.subarray(Math.max(0, joined.length - size)));
  }
}

export class DeflateSession {
  private readonly out: Window;
  private readonly in: Window;

  /** `role`: the side this session compresses for (its sending direction); the peer's is inflated. */
  constructor(
    p: PerMessageDeflateParams,
    private readonly maxOutput: number,
    role: 'client' | 'server' = 'client',
  ) {
    const client = { bits: typeof p.clientMaxWindowBits === 'number' ? p.clientMaxWindowBits : 15, takeover: !p.clientNoContextTakeover };
    const server = { bits: p.serverMaxWindowBits ?? 15, takeover: !p.serverNoContextTakeover };
    const [mine, peer] = role === 'client' ? [client, server] : [server, client];
    // zlib's raw deflate has no 8-bit window; with 9 its longest distance (250) still fits 256.
    this.out = new Window(Math.max(9, mine.bits), mine.takeover);
    // the peer may use a smaller window than agreed, never a larger one; inflating needs no less
    this.in = new Window(Math.max(9, peer.bits), peer.takeover);
  }

  /** The compressed payload of one message, its trailing 00 00 ff ff removed (§7.2.1). */
  compress(plain: Uint8Array): Uint8Array {
    const out = deflateRawSync(plain, { windowBits: this.out.bits, finishFlush: constants.Z_SYNC_FLUSH, ...this.out.dictionary });
    this.out.keep(plain);
    const ends = out.length >= 4 && out.subarray(out.length - 4).equals(TAIL);
    return ends ? out.subarray(0, out.length - 4) : out;
  }

  /** One received compressed message, inflated, or why it cannot be. */
  inflate(compressed: Uint8Array): { data: Uint8Array } | { error: string } {
    try {
      const data = inflateRawSync(Buffer.concat([compressed, TAIL]), {
        windowBits: this.in.bits,
        finishFlush: constants.Z_SYNC_FLUSH,
        maxOutputLength: this.maxOutput,
        ...this.in.dictionary,
      });
      this.in.keep(data);
      return { data };
    } catch (err) {
      return { error: (err as Error).message };
    }
  }
}
