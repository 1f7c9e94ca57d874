// Real packet captures for the pcap tests: tcpdump or dumpcap (Wireshark's capture engine) on the
// loopback interface, filtered to one TCP port, written to a file the tests then read.
//
// When neither tool is installed the suites that need them are reported skipped with the install
// command, or fail under CI, where a silently skipped suite would hide a broken reader.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { readFileSync } from 'node:fs';
import { CaptureFileReader, endpoint, tcpSegment } from '../../server/core/capture/index.ts';

function works(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return r.status === 0;
}

export const tcpdumpAvailable = works('tcpdump', ['--version']);
export const dumpcapAvailable = works('dumpcap', ['-v']);
export const tsharkAvailable = works('tshark', ['-v']);
export const CAPTURE_MISSING_MESSAGE = 'tcpdump, dumpcap and tshark are needed: install the Debian packages with `apt-get install tcpdump tshark`';

/** For describe.skipIf: true (skip) when the tools are missing outside CI; under CI a missing tool fails the suite. */
export function captureSkip(): boolean {
  if (tcpdumpAvailable && dumpcapAvailable && tsharkAvailable) return false;
  if (process.env.CI) throw new Error(`${CAPTURE_MISSING_MESSAGE} (CI is set, so this fails instead of skipping)`);
  console.warn(`SKIPPED: ${CAPTURE_MISSING_MESSAGE}`);
  return true;
}

export interface CaptureSpec {
  tool: 'tcpdump' | 'dumpcap';
  /** 'lo' (Ethernet link type on Linux) or 'any' (Linux cooked) */
  iface: 'lo' | 'any';
  /** tcpdump -y: LINUX_SLL (v1) or LINUX_SLL2 (v2) on 'any' */
  linkType?: 'LINUX_SLL' | 'LINUX_SLL2';
  /** tcpdump: nanosecond timestamps (the a1b23c4d pcap magic) */
  nano?: boolean;
  /** snapshot length (default the tool's, 262144) */
  snap?: number;
  port: number;
  file: string;
  /** where the server listens, for the readiness probe (default 127.0.0.1) */
  host?: string;
}

export interface RunningCapture {
  stop(): Promise<void>;
}

const running = new Set<RunningCapture>();

/** Stops every capture still running (for afterAll: a failed test must not leave tcpdump behind). */
export async function stopAllCaptures(): Promise<void> {
  await Promise.all([...running].map((c) => c.stop()));
}

/** Starts a capture of TCP port `port` and resolves once the tool says it is capturing. */
export async function startCapture(spec: CaptureSpec): Promise<RunningCapture> {
  const filter = `tcp port ${spec.port}`;
  // -B: a 16 MiB kernel buffer; the default loses bursts of 64 KiB loopback segments on 'any'.
  const args =
    spec.tool === 'tcpdump'
      ? ['-i', spec.iface, '-B', '16384', '-U', '--immediate-mode', '-w', spec.file, ...(spec.linkType ? ['-y', spec.linkType] : []), ...(spec.nano ? ['--time-stamp-precision', 'nano'] : []), ...(spec.snap ? ['-s', String(spec.snap)] : []), filter]
      : ['-i', spec.iface, '-B', '16', '-q', '-w', spec.file, ...(spec.snap ? ['-s', String(spec.snap)] : []), '-f', filter];
  const child: ChildProcess = spawn(spec.tool, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${spec.tool} did not start capturing within 10 s: ${err}`)), 10_000);
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      if (/listening on|Capturing on/.test(err)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${spec.tool} exited with ${code}: ${err}`));
    });
  }).catch((e: unknown) => {
    if (child.exitCode === null) child.kill('SIGKILL');
    throw e;
  });
  const capture: RunningCapture = {
    async stop() {
      running.delete(capture);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGINT');
      await exited;
    },
  };
  running.add(capture);
  // The tool says it is capturing a little before it is: probe the port until a probe's SYN is in the file.
  try {
    await untilProbeSeen(spec.file, spec.port, spec.host ?? '127.0.0.1');
  } catch (err) {
    await capture.stop();
    throw err;
  }
  return capture;
}

/** tshark's dissection of a capture's WebSocket frames: `tshark -r F -T json -Y websocket`. */
export function tsharkJson(file: string, extra: string[] = []): unknown[] {
  const r = spawnSync('tshark', ['-r', file, '-T', 'json', '-Y', 'websocket', ...extra], { encoding: 'utf8', maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(`tshark failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as unknown[];
}

/**
 * Waits until every connection in the capture file that carried data shows a FIN from both ends (or a reset)
 * (the last packets that matter), so stopping the tool loses nothing. Reads the file with the pure capture reader.
 */
export async function untilBothFins(file: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const reader = new CaptureFileReader();
    /** per connection that carried data: the ends that sent a FIN */
    const fins = new Map<string, Set<string>>();
    let bytes: Uint8Array = new Uint8Array(0);
    try {
      bytes = readFileSync(file);
    } catch {
      // not created yet
    }
    for (const p of reader.push(bytes)) {
      const seg = tcpSegment(p.linkType, p.data, p.origLength);
      if (!seg) continue;
      const a = endpoint(seg.src, seg.srcPort);
      const b = endpoint(seg.dst, seg.dstPort);
      const key = a < b ? a + b : b + a;
      if (seg.payload.length > 0 && !fins.has(key)) fins.set(key, new Set());
      if (seg.fin) fins.get(key)?.add(a);
      if (seg.rst) fins.get(key)?.add('rst').add('rst2'); // a reset ends both directions at once
    }
    if (fins.size > 0 && [...fins.values()].every((s) => s.size >= 2)) return;
    if (Date.now() > deadline) throw new Error(`the capture ${file} never showed a FIN from both ends (${reader.format ?? 'no header yet'})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Opens and closes TCP connections to host:port until the capture file holds one of their SYNs. */
async function untilProbeSeen(file: string, port: number, host: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    await new Promise<void>((resolve) => {
      const s = connect({ port, host }, () => s.end());
      s.on('error', () => resolve());
      s.on('close', () => resolve());
    });
    for (let i = 0; i < 10; i++) {
      if (synSeen(file, port)) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    if (Date.now() > deadline) throw new Error(`the capture ${file} never showed a probe connection to port ${port}`);
  }
}

function synSeen(file: string, port: number): boolean {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch {
    return false;
  }
  for (const p of new CaptureFileReader().push(bytes)) {
    const seg = tcpSegment(p.linkType, p.data, p.origLength);
    if (seg?.syn && !seg.ackFlag && seg.dstPort === port) return true;
  }
  return false;
}
