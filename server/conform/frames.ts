// The frames of one conformance case as event records (the event schema's `frame` events), so the
// /conform page draws them with the inspector's components. Both directions of the case's socket
// are read with the codec's decoder after their HTTP heads, under rules that accept anything: a
// case sends broken frames on purpose, and the page must show them as they were. Bounded: at most
// MAX_FRAMES per case and FRAME_PREVIEW_BYTES of each payload are kept.
import { FrameDecoder, frameFields, opcodeName, parseClosePayload, toHex, decodeUtf8Lossy, type FrameRules, type WireEvent } from '../core/wire/index.ts';
import { isUtf8 } from 'node:buffer';
import { EVENT_SCHEMA_VERSION, FRAME_PREVIEW_BYTES } from '../core/events/version.ts';
import type { EventOf } from '../core/events/schema.ts';

type FrameEvent = EventOf<'frame'>;

/** Frames kept per case; a case sends at most a few hundred (chapter 1's 997-byte pieces are one frame). */
export const MAX_FRAMES = 300;
/** An HTTP head longer than this is not looked into for frames. */
const MAX_HEAD = 16 * 1024;
/**
 * Largest frame the display decoder reads (the runner's own limit); a larger one stops it. Text
 * frames are read whole while they arrive, binary ones only up to the preview.
 */
const MAX_DISPLAY_PAYLOAD = 16 * 1024 * 1024;

const ANYTHING: FrameRules = {
  firstByte: () => null,
  secondByte: () => null,
  length64FirstByte: () => null,
  length: () => null,
  frame: () => null,
};

class Direction {
  private head: Uint8Array[] = [];
  private headBytes = 0;
  private decoder: FrameDecoder | null = null;
  private offset = 0;
  dead = false;

  constructor(
    readonly dir: 'c2s' | 's2c',
    private readonly sink: (dir: 'c2s' | 's2c', e: WireEvent, headLength: number) => void,
  ) {}

  headLength = 0;

  push(bytes: Uint8Array): void {
    if (this.dead) return;
    if (this.decoder) return this.feed(bytes);
    this.head.push(bytes.slice());
    this.headBytes += bytes.length;
    const all = Buffer.concat(this.head, this.headBytes);
    const end = all.indexOf('\r\n\r\n');
    if (end < 0) {
      if (this.headBytes > MAX_HEAD) this.dead = true;
      return;
    }
    this.head = [];
    this.headLength = end + 4;
    this.decoder = new FrameDecoder(ANYTHING, MAX_DISPLAY_PAYLOAD, FRAME_PREVIEW_BYTES);
    if (all.length > this.headLength) this.feed(new Uint8Array(all.subarray(this.headLength)));
  }

  private feed(bytes: Uint8Array): void {
    const out: WireEvent[] = [];
    this.decoder!.push(bytes, out);
    this.offset += bytes.length;
    for (const e of out) this.sink(this.dir, e, this.headLength);
    if (this.decoder!.stopped) this.dead = true;
  }
}

/** Collects one case's frames as FrameEvents; `conn` names the case ("conform-1.1.1"). */
export class CaseFrames {
  readonly frames: FrameEvent[] = [];
  /** frames seen past MAX_FRAMES */
  dropped = 0;
  private readonly start = performance.now();
  private readonly dirs: Record<'c2s' | 's2c', Direction>;

  constructor(private readonly conn: string) {
    const sink = (dir: 'c2s' | 's2c', e: WireEvent, headLength: number) => this.add(dir, e, headLength);
    this.dirs = { c2s: new Direction('c2s', sink), s2c: new Direction('s2c', sink) };
  }

  readonly tap = (dir: 'c2s' | 's2c', bytes: Uint8Array): void => this.dirs[dir].push(bytes);

  private add(dir: 'c2s' | 's2c', e: WireEvent, headLength: number): void {
    if (e.type !== 'frame') return;
    if (this.frames.length >= MAX_FRAMES) {
      this.dropped++;
      return;
    }
    const f = e.frame;
    const shown = f.payload.subarray(0, FRAME_PREVIEW_BYTES);
    const close = f.opcode === 8 ? parseClosePayload(f.payload) : null;
    const headerBytes = new Uint8Array(f.headerLength);
    // the header as it was on the wire, rebuilt from its fields (the decoder keeps no header bytes)
    const len = f.payloadLength;
    headerBytes[0] = (f.fin ? 0x80 : 0) | (f.rsv1 ? 0x40 : 0) | (f.rsv2 ? 0x20 : 0) | (f.rsv3 ? 0x10 : 0) | (f.opcode & 0x0f);
    const mask = f.masked ? 0x80 : 0;
    let at = 2;
    if (f.lengthBits === 7) headerBytes[1] = mask | len;
    else if (f.lengthBits === 16) {
      headerBytes[1] = mask | 126;
      headerBytes[2] = (len >>> 8) & 0xff;
      headerBytes[3] = len & 0xff;
      at = 4;
    } else {
      headerBytes[1] = mask | 127;
      const big = BigInt(len);
      for (let i = 0; i < 8; i++) headerBytes[2 + i] = Number((big >> BigInt(8 * (7 - i))) & 0xffn);
      at = 10;
    }
    if (f.maskingKey) headerBytes.set(f.maskingKey, at);
    const fields: Record<string, [number, number, number]> = {};
    for (const l of frameFields(f)) fields[l.field] = [l.byteOffset, l.bitOffset, l.bits];
    const textual = (f.opcode === 1 || f.opcode === 0 || f.opcode === 9 || f.opcode === 10) && !f.rsv1;
    this.frames.push({
      v: EVENT_SCHEMA_VERSION,
      seq: this.frames.length + 1,
      t: Math.round((performance.now() - this.start) * 1000) / 1000,
      type: 'frame',
      conn: this.conn,
      dir,
      offset: headLength + f.offset,
      fin: f.fin,
      rsv1: f.rsv1,
      rsv2: f.rsv2,
      rsv3: f.rsv3,
      opcode: f.opcode,
      opcodeName: opcodeName(f.opcode),
      masked: f.masked,
      maskingKey: f.maskingKey ? toHex(f.maskingKey, '') : null,
      payloadLength: f.payloadLength,
      headerLength: f.headerLength,
      headerHex: toHex(headerBytes, ''),
      fields,
      payloadHex: toHex(shown, ''),
      truncated: f.payloadLength > shown.length,
      // text only when the bytes kept are valid UTF-8 (a case's broken text shows as hex)
      text: textual && isUtf8(shown) ? decodeUtf8Lossy(shown) : null,
      closeCode: close ? close.code : null,
      closeReason: close ? close.reason : null,
      inflated: null,
    });
  }
}
