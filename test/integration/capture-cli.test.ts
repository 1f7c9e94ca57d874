// `wslab decode --pcap` as users run it (node bin/wslab.js in a child process): the NDJSON on
// stdout, the summary on stderr, and the exit status for a clean capture, a capture cut short, a
// file that is not a capture, a missing file and flags that do not go together. The capture is
// pcapng written by Wireshark's editcap (test/helpers/pcap-writer.ts), not by wslab's exporter:
// the reader reading only what our own writer wrote would prove little.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { computeAccept, concatBytes, encodeFrame } from '../../server/core/wire/index.ts';
import { runWslab } from '../helpers/cli.ts';
import { ipTcp, linkFrame, pcapngOf, wiresharkSkip, writePcap } from '../helpers/pcap-writer.ts';

const dir = mkdtempSync(join(tmpdir(), 'wslab-pcap-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// wide: a loaded 2-core machine takes seconds just to start node + tsx
const run = (args: string[]) => runWslab(args, { timeoutMs: 60_000 });

const te = new TextEncoder();
const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const req = te.encode(`GET /echo HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
const res = te.encode(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${computeAccept(KEY)}\r\n\r\n`);
const c = { src: '192.168.1.5', dst: '192.168.1.9', srcPort: 51000, dstPort: 8080 };
const s = { src: c.dst, dst: c.src, srcPort: c.dstPort, dstPort: c.srcPort };
const c2s = concatBytes([req, encodeFrame({ opcode: 1, maskingKey: Uint8Array.of(9, 9, 9, 9), payload: te.encode('ping?') })]);
const s2c = concatBytes([res, encodeFrame({ opcode: 1, payload: te.encode('pong!') })]);
const noWireshark = wiresharkSkip();
const packets = [
  { ...c, seq: 99, flags: { syn: true } },
  { ...s, seq: 499, ack: 100, flags: { syn: true, ack: true } },
  { ...c, seq: 100, ack: 500, payload: c2s },
  { ...s, seq: 500, ack: 100 + c2s.length, payload: s2c },
].map((p, i) => ({ t: 1_700_000_000_000 + i, data: linkFrame(1, ipTcp(p)) }));
/** nanosecond timestamps: pcapng with if_tsresol 9 */
const file = noWireshark ? new Uint8Array(0) : pcapngOf(writePcap(1, packets, { nano: true }));

describe('wslab decode --pcap', () => {
  test.skipIf(noWireshark)('prints the handshake and each frame with stream, dir and t, a summary on stderr, and exits 0', async () => {
    const f = join(dir, 'ok.pcapng');
    writeFileSync(f, file);
    const r = await run(['decode', '--pcap', f]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.stream, l.dir, l.t, l.handshake ? 'handshake' : l.text])).toEqual([
      ['192.168.1.5:51000 -> 192.168.1.9:8080', 's2c', 1_700_000_000_003, 'handshake'],
      ['192.168.1.5:51000 -> 192.168.1.9:8080', 's2c', 1_700_000_000_003, 'pong!'],
      ['192.168.1.5:51000 -> 192.168.1.9:8080', 'c2s', 1_700_000_000_003, 'ping?'],
    ]);
    expect(lines[2]).toMatchObject({ opcodeName: 'TEXT', masked: true, maskingKey: '09090909', payloadLength: 5, headerLength: 6, offset: req.length });
    expect(r.stderr).toBe('wslab decode: 4 packets (pcapng), 1 WebSocket handshake, 2 frames, 0 problems\n');
  });

  test.skipIf(noWireshark)('a capture cut short: what it holds, then an error line, exit 1', async () => {
    const f = join(dir, 'cut.pcapng');
    writeFileSync(f, file.subarray(0, file.length - 10));
    const r = await run(['decode', '--pcap', f]);
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.at(-1)).toEqual({ error: expect.stringMatching(/^the capture ends inside a block at byte \d+ \(\d+ bytes of it present\): the file was cut short$/) });
  });

  test('not a capture, a missing file and --direction with --pcap exit 2 with a sentence', async () => {
    const f = join(dir, 'text.pcap');
    writeFileSync(f, 'hello, I am not a capture\n');
    const notCapture = await run(['decode', '--pcap', f]);
    expect(notCapture.code).toBe(2);
    expect(notCapture.stdout).toBe('');
    expect(notCapture.stderr).toBe(`wslab decode: ${f} is not a capture: the file starts with 68656c6c, which is neither a pcap magic number (a1b2c3d4, a1b23c4d) nor a pcapng section header (0a0d0d0a)\n`);
    const missing = await run(['decode', '--pcap', join(dir, 'nope.pcap')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^wslab decode: cannot read .*nope\.pcap: ENOENT/);
    const both = await run(['decode', '--pcap', f, '--direction', 'client']);
    expect(both.code).toBe(2);
    expect(both.stderr).toBe('wslab decode: --direction does not apply to --pcap (each connection\'s upgrade says who the client is)\n');
  });
});
