// The illustrated connection's annotations: every byte of every record is in exactly one span,
// and what each span states equals what the bytes hold, read here without the annotator (bit
// arithmetic, unmasking by hand, zlib for the compressed message).
import { constants, inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { annotateTrace, compareLive, hexBytes } from '../../web/src/illustrated/annotate.ts';
import { STORY } from '../../web/src/illustrated/story.ts';
import type { Trace } from '../../server/core/illustrated/trace.ts';
import TRACE from '../../web/src/illustrated/trace.json';

const trace = TRACE as Trace;
const annotated = annotateTrace(trace.records);

describe('the committed trace, annotated', () => {
  it('covers every byte of every record exactly once, in order', () => {
    for (const rec of annotated) {
      let at = 0;
      for (const s of rec.spans) {
        expect(s.start).toBe(at);
        expect(s.end).toBeGreaterThan(s.start);
        at = s.end;
      }
      expect(at).toBe(rec.bytes.length);
    }
  });

  it('has a caption for every record and the session in the order the issue asks', () => {
    expect(STORY.length).toBe(trace.records.length);
    const ops = annotated.map((r) => (r.frame ? `${r.record.dir[0]}${r.frame.opcode}${r.frame.fin ? '' : '~'}${r.frame.rsv1 ? 'z' : ''}` : `${r.record.kind}`));
    expect(ops).toEqual(['tcp', 'http', 'http', 'c1', 's1', 'c1~', 'c9', 's10', 'c0', 's1', 'c1z', 's1', 'c8', 's8', 'tcp']);
  });

  it('states in each header byte the bits the byte holds', () => {
    for (const rec of annotated.filter((r) => r.frame)) {
      const [b0, b1] = [rec.bytes[0]!, rec.bytes[1]!];
      const bits = Object.fromEntries([...rec.spans[0]!.bits!, ...rec.spans[1]!.bits!].map((b) => [b.name, b.value]));
      expect(bits).toEqual({ FIN: b0 >> 7, RSV1: (b0 >> 6) & 1, RSV2: (b0 >> 5) & 1, RSV3: (b0 >> 4) & 1, OPCODE: b0 & 15, MASK: b1 >> 7, 'payload len': b1 & 127 });
    }
  });

  it('shows each payload as the text the bytes carry once unmasked (and inflated)', () => {
    const payloads = annotated.filter((r) => r.frame).map((r) => {
      const masked = r.bytes[1]! >> 7 === 1;
      const key = masked ? r.bytes.subarray(2, 6) : null;
      const body = Buffer.from(r.bytes.subarray(masked ? 6 : 2).map((b, i) => (key ? b ^ key[i % 4]! : b)));
      const text = r.bytes[0]! & 0x40 ? inflateRawSync(Buffer.concat([body, Buffer.from([0, 0, 0xff, 0xff])]), { finishFlush: constants.Z_SYNC_FLUSH }).toString() : body.toString();
      if ((r.bytes[0]! & 15) === 8) return [body.readUInt16BE(0), body.subarray(2).toString()];
      return text;
    });
    expect(payloads).toEqual(['Hello', 'Hello', 'Hel', 'hb-1', 'hb-1', 'lo, fragments!', 'Hello, fragments!', 'Hello, Hello, Hello, Hello!', 'Hello, Hello, Hello, Hello!', [1000, 'bye'], [1000, 'bye']]);
    const values = annotated.flatMap((r) => r.spans.filter((s) => r.frame !== null && s.start >= r.frame.headerLength).map((s) => s.value));
    expect(values).toEqual(['"Hello"', '"Hello"', '"Hel"', '"hb-1"', '"hb-1"', '"lo, fragments!"', '"Hello, fragments!"', 'inflates to "Hello, Hello, Hello, Hello!"', '"Hello, Hello, Hello, Hello!"', '1000', '"bye"', '1000', '"bye"']);
  });

  it('starts with RFC 6455\'s own examples: the sample key and accept (§1.3) and the masked "Hello" (§5.7)', () => {
    const req = annotated[1]!.spans.find((s) => s.name === 'Sec-WebSocket-Key')!;
    const res = annotated[2]!.spans.find((s) => s.name === 'Sec-WebSocket-Accept')!;
    expect(req.value).toBe('dGhlIHNhbXBsZSBub25jZQ==');
    expect(res.value).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    expect(res.explain).toContain('it must be s3pPLMBiTxaQ9kYGzzhZRbK+xOo=.');
    expect(trace.records[3]).toEqual({ kind: 'frame', dir: 'client', hex: '818537fa213d7f9f4d5158', inflated: null });
    expect(trace.records[4]).toEqual({ kind: 'frame', dir: 'server', hex: '810548656c6c6f', inflated: null });
  });

  it('links every span to an RFC section', () => {
    for (const s of annotated.flatMap((r) => r.spans)) expect(s.link.href).toMatch(/^https:\/\/www\.rfc-editor\.org\/rfc\/rfc(6455|7692|9110)#section-[\d.]+$/);
  });
});

describe('comparing a live run', () => {
  it('accepts a new key, accept and masking keys, and flags a changed payload', () => {
    const masked = (hex: string, key: string) => {
      const b = hexBytes(hex);
      const k = hexBytes(key);
      const old = b.subarray(2, 6).slice();
      for (let i = 6; i < b.length; i++) b[i] = b[i]! ^ old[(i - 6) % 4]! ^ k[(i - 6) % 4]!;
      b.set(k, 2);
      return Buffer.from(b).toString('hex');
    };
    const live = trace.records.map((r) => (r.kind === 'frame' && r.dir === 'client' ? { ...r, hex: masked(r.hex, '01020304') } : r));
    const same = compareLive(annotated, annotateTrace(live));
    expect(same.unexpected).toEqual([]);
    expect(same.differences.map((d) => d.span)).toEqual(['Masking key', 'Payload', 'Masking key', 'Payload', 'Masking key', 'Ping payload', 'Masking key', 'Payload', 'Masking key', 'Compressed payload', 'Masking key', 'Close code', 'Close reason']);
    const changed = trace.records.map((r, i) => (i === 4 && r.kind === 'frame' ? { ...r, hex: '810548656c6c21' } : r));
    expect(compareLive(annotated, annotateTrace(changed)).unexpected).toEqual([{ record: 4, span: 'Payload', why: null }]);
  });
});
