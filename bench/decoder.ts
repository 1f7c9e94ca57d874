// Decoder throughput: wslab's createReader vs ws's own Receiver on the SAME bytes, in one run.
// Masked client→server binary frames of 16 B, 1 KiB and 64 KiB, delivered in 64 KiB chunks
// (what a socket typically hands over), plus the same sizes as ASCII text frames (both sides
// then validate UTF-8; ws with node's native buffer.isUtf8). Run: node bin/run-ts.js bench/decoder.ts
//
// ws's Receiver unmasks in place, so each ws pass gets a fresh copy of the chunks (copied
// outside the timed region). Our reader never modifies its input.

import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { createReader, encodeFrame } from '../server/core/wire/index.ts';

// ws's package "exports" hide 'ws/lib/receiver.js'; the package root re-exports the same class
// (wrapper.mjs: `import Receiver from './lib/receiver.js'`), so we take it from there.
const require = createRequire(import.meta.url);
const { Receiver } = require('ws') as {
  Receiver: new (opts: { isServer: boolean; maxPayload: number }) => {
    write(chunk: Buffer): boolean;
    on(event: 'message', fn: (data: Buffer, isBinary: boolean) => void): unknown;
    on(event: 'error', fn: (err: Error) => void): unknown;
  };
};

export interface Row {
  bench: string;
  case: string;
  ours: number;
  baseline: number;
  unit: string;
  ratio: number;
}

const CHUNK = 64 * 1024;
const STREAM_BYTES = 16 * 1024 * 1024;

function buildStream(size: number, opcode: number): { chunks: Buffer[]; frames: number; bytes: number } {
  const payload = new Uint8Array(size);
  // Binary: any bytes; text: printable ASCII (valid UTF-8).
  for (let i = 0; i < size; i++) payload[i] = opcode === 0x1 ? 0x20 + ((i * 31 + 7) % 95) : (i * 31 + 7) & 0xff;
  const frame = encodeFrame({ opcode, payload, maskingKey: Uint8Array.of(0x37, 0xfa, 0x21, 0x3d) });
  const frames = Math.max(1, Math.floor(STREAM_BYTES / frame.length));
  const all = Buffer.alloc(frames * frame.length);
  for (let i = 0; i < frames; i++) all.set(frame, i * frame.length);
  const chunks: Buffer[] = [];
  for (let at = 0; at < all.length; at += CHUNK) chunks.push(Buffer.from(all.subarray(at, Math.min(all.length, at + CHUNK))));
  return { chunks, frames, bytes: all.length };
}

function copyChunks(chunks: Buffer[]): Buffer[] {
  return chunks.map((c) => Buffer.from(c));
}

function runOurs(chunks: Buffer[], frames: number): number {
  const reader = createReader({ direction: 'client', maxPayload: 1 << 20 });
  let n = 0;
  const t0 = performance.now();
  for (const c of chunks) {
    const events = reader.push(c);
    for (let i = 0; i < events.length; i++) if (events[i].type === 'frame') n++;
  }
  const ms = performance.now() - t0;
  if (n !== frames || reader.violation) throw new Error(`ours decoded ${n}/${frames} frames, violation ${JSON.stringify(reader.violation)}`);
  return ms;
}

async function runWs(chunks: Buffer[], frames: number): Promise<number> {
  const receiver = new Receiver({ isServer: true, maxPayload: 1 << 20 });
  let n = 0;
  let failed: Error | null = null;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  receiver.on('message', () => {
    if (++n === frames) done();
  });
  receiver.on('error', (err) => {
    failed = err;
    done();
  });
  const t0 = performance.now();
  for (const c of chunks) receiver.write(c);
  await finished;
  const ms = performance.now() - t0;
  if (failed) throw failed;
  return ms;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const CASES = [
  ['16 B', 16, 0x2],
  ['1 KiB', 1024, 0x2],
  ['64 KiB', 65536, 0x2],
  ['16 B text', 16, 0x1],
  ['1 KiB text', 1024, 0x1],
  ['64 KiB text', 65536, 0x1],
] as const;

export async function runDecoderBench(rounds = 7): Promise<Row[]> {
  const rows: Row[] = [];
  for (const [label, size, opcode] of CASES) {
    const { chunks, frames, bytes } = buildStream(size, opcode);
    const ours: number[] = [];
    const theirs: number[] = [];
    // Warm both up, then alternate so neither benefits from running last.
    runOurs(chunks, frames);
    await runWs(copyChunks(chunks), frames);
    for (let r = 0; r < rounds; r++) {
      ours.push(runOurs(chunks, frames));
      const fresh = copyChunks(chunks);
      theirs.push(await runWs(fresh, frames));
    }
    const mbps = (ms: number) => bytes / (1024 * 1024) / (ms / 1000);
    const o = mbps(median(ours));
    const b = mbps(median(theirs));
    rows.push({ bench: 'decoder', case: `masked ${label} frames`, ours: o, baseline: b, unit: 'MB/s', ratio: o / b });
  }
  return rows;
}

export function rowsToMarkdown(rows: Row[]): string {
  const lines = ['| case | wslab reader | ws Receiver | ratio |', '|---|---:|---:|---:|'];
  for (const r of rows) lines.push(`| ${r.case} | ${r.ours.toFixed(0)} ${r.unit} | ${r.baseline.toFixed(0)} ${r.unit} | ${r.ratio.toFixed(2)}× |`);
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rows = await runDecoderBench();
  console.log(rowsToMarkdown(rows));
}
