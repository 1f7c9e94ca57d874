// `wslab decode`: bytes in, one JSON object per frame out (DESIGN.md's NDJSON contract).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Readable, Writable } from 'node:stream';
import { createReader, frameToJson, parseHex } from '../core/wire/index.ts';
import type { ReaderOptions, WireReader } from '../core/wire/types.ts';
import { runDecodePcap } from './decode-pcap.ts';

const USAGE = 'usage: wslab decode (--hex "81 05 48 65 6c 6c 6f" | --file FILE | --pcap FILE | -) [--direction client|server] [--max-payload BYTES]\n';

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

/**
 * Exit status: 0 valid, 1 violation (or bytes ending inside a frame), 2 usage error, 3 the decoder
 * itself failed (a bug). `makeReader` is the codec's createReader unless a test gives another.
 */
export async function runDecode(
  args: string[],
  stdin: Readable,
  stdout: Writable,
  stderr: Writable,
  makeReader: (opts: ReaderOptions) => WireReader = createReader,
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        hex: { type: 'string' },
        file: { type: 'string' },
        pcap: { type: 'string' },
        direction: { type: 'string' },
        'max-payload': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    stderr.write(`wslab decode: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    stdout.write(USAGE);
    return 0;
  }
  const fromStdin = positionals.length === 1 && positionals[0] === '-';
  const sources = [values.hex !== undefined, values.file !== undefined, values.pcap !== undefined, fromStdin].filter(Boolean).length;
  if (sources !== 1 || (positionals.length > 0 && !fromStdin)) {
    stderr.write(`wslab decode: give exactly one of --hex, --file, --pcap or -\n${USAGE}`);
    return 2;
  }
  if (values.pcap !== undefined && values.direction !== undefined) {
    stderr.write(`wslab decode: --direction does not apply to --pcap (each connection's upgrade says who the client is)\n`);
    return 2;
  }
  const direction = values.direction ?? 'any';
  if (direction !== 'client' && direction !== 'server' && direction !== 'any') {
    stderr.write(`wslab decode: --direction must be client or server\n${USAGE}`);
    return 2;
  }
  let maxPayload: number | undefined;
  if (values['max-payload'] !== undefined) {
    if (!/^\d+$/.test(values['max-payload'])) {
      stderr.write(`wslab decode: --max-payload must be a whole number of bytes\n`);
      return 2;
    }
    maxPayload = Number(values['max-payload']);
  }
  if (values.pcap !== undefined) return runDecodePcap(values.pcap, maxPayload, stdout, stderr);

  let bytes: Uint8Array;
  if (values.file !== undefined) {
    try {
      bytes = readFileSync(values.file);
    } catch (err) {
      stderr.write(`wslab decode: cannot read ${values.file}: ${(err as Error).message}\n`);
      return 2;
    }
  } else {
    const text = values.hex ?? (await readAll(stdin)).toString('utf8');
    const hex = parseHex(text);
    if ('error' in hex) {
      stderr.write(`wslab decode: ${hex.error}\n`);
      return 2;
    }
    bytes = hex.bytes;
  }

  const reader = makeReader({ direction, ...(maxPayload !== undefined && { maxPayload }) });
  let status = 0;
  const out: string[] = [];
  /** where the last frame printed ends */
  let decodedTo = 0;
  for (const ev of reader.push(bytes)) {
    if (ev.type === 'frame') {
      out.push(JSON.stringify(frameToJson(ev.frame)));
      decodedTo = ev.frame.offset + ev.frame.headerLength + ev.frame.payloadLength;
    } else {
      const { closeCode, offset, reason } = ev.violation;
      out.push(JSON.stringify({ violation: { closeCode, offset, reason, kind: ev.violation.kind, rfc: ev.violation.rfc } }));
      status = 1;
    }
  }
  if (status === 0 && reader.internalError === null) {
    const incomplete = reader.finish();
    if (incomplete) {
      out.push(JSON.stringify({ incomplete }));
      status = 1;
    }
  }
  stdout.write(out.length ? out.join('\n') + '\n' : '');
  if (reader.internalError !== null) {
    // The frames printed so far are right; what follows offset N was not decoded at all.
    stderr.write(`wslab decode: the decoder failed after byte ${decodedTo} and stopped; this is a bug in wslab, not in the bytes: ${reader.internalError}\n`);
    return 3;
  }
  return status;
}
