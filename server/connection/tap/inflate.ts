// permessage-deflate (RFC 7692) for the tap: inflates one direction's compressed messages so the
// events can show what the application really sent.
//
// With context takeover, each message may refer back to the previous messages' bytes (the LZ77
// window). Instead of keeping an asynchronous zlib stream per connection, the tap keeps the last
// 32 KiB of inflated output and hands it to a synchronous raw inflate as its preset dictionary:
// the same window, without reordering events behind zlib's thread pool.
import { constants, inflateRawSync } from 'node:zlib';

const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]); // RFC 7692 §7.2.2: appended before inflating
const WINDOW = 32 * 1024;

export class TapInflater {
  private window: Buffer | null = null;

  /** @param contextTakeover false when the sender negotiated *_no_context_takeover */
  constructor(
    private readonly contextTakeover: boolean,
    private readonly maxOutput: number,
  ) {}

  inflate(compressed: Uint8Array): { data: Buffer } | { error: string } {
    try {
      const input = Buffer.concat([compressed, TAIL]);
      const data = inflateRawSync(input, {
        windowBits: 15,
        // The message ends on a sync-flush boundary, not at the end of a deflate stream.
        finishFlush: constants.Z_SYNC_FLUSH,
        maxOutputLength: this.maxOutput,
        ...(this.window ? { dictionary: this.window } : {}),
      });
      if (this.contextTakeover) {
        const joined = this.window ? Buffer.concat([this.window, data]) : data;
        this.window = Buffer.from(joined.subarray(Math.max(0, joined.length - WINDOW)));
      }
      return { data };
    } catch (err) {
      return { error: (err as Error).message };
    }
  }
}
