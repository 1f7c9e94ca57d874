// `wslab decode --pcap FILE`: the WebSocket connections in a pcap or pcapng capture, one JSON
// object per handshake, frame, violation and problem (NDJSON). The reading is server/core/capture;
// this file streams the file through it and inflates permessage-deflate with node:zlib.
import { createReadStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { CaptureDecoder, type CaptureRecord } from '../core/capture/index.ts';
import { TapInflater } from '../connection/tap/inflate.ts';

function write(stdout: Writable, text: string): Promise<void> {
  if (stdout.write(text)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      stdout.off('drain', done);
      stdout.off('error', done);
      stdout.off('close', done);
      resolve();
    };
    stdout.on('drain', done);
    stdout.on('error', done);
    stdout.on('close', done);
  });
}

/** Exit status: 0 every connection decoded cleanly, 1 a violation, an unfinished frame or a capture problem, 2 not a capture. */
export async function runDecodePcap(file: string, maxPayload: number | undefined, stdout: Writable, stderr: Writable): Promise<number> {
  const decoder = new CaptureDecoder({
    ...(maxPayload !== undefined && { maxPayload }),
    inflaterFactory: (takeover, maxOutput) => new TapInflater(takeover, maxOutput),
  });
  let problems = 0;
  let frames = 0;
  const print = async (records: CaptureRecord[]) => {
    if (records.length === 0) return;
    for (const r of records) {
      if ('violation' in r || 'incomplete' in r || 'error' in r) problems++;
      else if ('opcode' in r) frames++;
    }
    await write(stdout, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  };
  try {
    const stream = createReadStream(file, { highWaterMark: 256 * 1024 });
    for await (const chunk of stream) {
      await print(decoder.push(chunk as Buffer));
      if (decoder.file.error !== null) {
        stream.destroy();
        break;
      }
    }
  } catch (err) {
    stderr.write(`wslab decode: cannot read ${file}: ${(err as Error).message}\n`);
    return 2;
  }
  const end = decoder.finish();
  if (decoder.format === null) {
    stderr.write(`wslab decode: ${file} is not a capture: ${decoder.file.error}\n`);
    return 2;
  }
  await print(end);
  stderr.write(`wslab decode: ${decoder.packets} packets (${decoder.format}), ${decoder.webSockets} WebSocket handshake${decoder.webSockets === 1 ? '' : 's'}, ${frames} frame${frames === 1 ? '' : 's'}, ${problems} problem${problems === 1 ? '' : 's'}\n`);
  return problems > 0 ? 1 : 0;
}
