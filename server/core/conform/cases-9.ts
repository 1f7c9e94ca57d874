// Chapters 9 (limits and performance) and 10 (auto-fragmentation) of Autobahn|Testsuite
// (case9_*.py, case10_1_1.py), as data. Chapter 9's sizes are Autobahn's times `scale`
// (`wslab conform --scale F`; 1 = Autobahn's 64 KiB-16 MiB messages): 9.1-9.6 scale the message,
// 9.7-9.8 the number of round trips. Fragment and chop sizes stay Autobahn's (they are what a case
// tests), never larger than the message. Timers are Autobahn's WAITSECS.
import type { ConformCase, EchoScript, ExpectedClose, Observed, Step } from './types.ts';

const enc = new TextEncoder();
const CLEAN: ExpectedClose = { closedByMe: true, closeCode: [1000], requireClean: true };
const KIB = 1024;
const MIB = 1024 * 1024;

/** Autobahn's sizes times `scale`, at least 1 byte (or 1 message). */
export const scaled = (n: number, scale: number): number => Math.max(1, Math.round(n * scale));

function words(n: number): string {
  return n >= MIB && n % MIB === 0 ? `${n / MIB} MiB` : n >= KIB && n % KIB === 0 ? `${n / KIB} KiB` : `${n} bytes`;
}

function echoCase(id: string, description: string, rule: string, echo: EchoScript): ConformCase {
  const kind = echo.binary ? 'binary' : 'text';
  return {
    id,
    rfc: '5.4',
    description,
    expectation: `${echo.count === 1 ? `The ${kind} message is echoed` : `All ${echo.count} ${kind} messages are echoed, each`} with the payload as sent within ${echo.waitSeconds} s; clean close with code 1000.`,
    rule,
    steps: [],
    expected: {},
    expectedClose: CLEAN,
    end: { after: 'close', seconds: echo.waitSeconds },
    echo,
  };
}

const TEXT_PATTERN = enc.encode('BAsd7&jh23');
const BINARY_PATTERN = Uint8Array.of(0x00, 0xfe, 0x23, 0xfa, 0xf0);
const BIG_RULE = 'A server must take a message as large as this whole (RFC 6455 puts no limit on it; a server that sets one closes with 1009), and echo it within the time.';

export function chapter9(scale: number): ConformCase[] {
  const out: ConformCase[] = [];
  // 9.1, 9.2: one frame of 64 KiB … 16 MiB.
  const sizes = [64 * KIB, 256 * KIB, 1 * MIB, 4 * MIB, 8 * MIB, 16 * MIB];
  const waits = { 1: [10, 10, 100, 100, 100, 100], 2: [10, 10, 10, 10, 100, 100] };
  for (const [sub, binary] of [[1, false], [2, true]] as const) {
    sizes.forEach((n, i) => {
      const secs = waits[sub][i];
      const length = scaled(n, scale);
      out.push(echoCase(`9.${sub}.${i + 1}`, `Send a ${binary ? 'binary' : 'text'} message with a payload of ${words(length)} (Autobahn: ${words(n)}) in one frame.`, BIG_RULE, {
        binary, length, count: 1, source: { repeat: binary ? BINARY_PATTERN : TEXT_PATTERN }, checkContent: false, waitSeconds: secs,
      }));
    });
  }
  // 9.3, 9.4: 4 MiB in fragments of 64 bytes … 4 MiB.
  const frags = [64, 256, 1 * KIB, 4 * KIB, 16 * KIB, 64 * KIB, 256 * KIB, 1 * MIB, 4 * MIB];
  for (const [sub, binary] of [[3, false], [4, true]] as const) {
    const length = scaled(4 * MIB, scale);
    frags.forEach((f, i) => {
      const fragmentSize = Math.min(f, length);
      out.push(echoCase(`9.${sub}.${i + 1}`, `Send a fragmented ${binary ? 'binary' : 'text'} message of ${words(length)} (Autobahn: 4 MiB) in fragments of ${words(fragmentSize)}.`,
        'A server must reassemble a message from any number of fragments of any size (RFC 6455 §5.4) and echo it whole.', {
          binary, length, count: 1, source: { repeat: Uint8Array.of(binary && i === 0 ? 0xfe : 0x2a) }, fragmentSize, checkContent: false, waitSeconds: 100,
        }));
    });
  }
  // 9.5, 9.6: 1 MiB in one frame, written in chops of 64 … 2048 bytes.
  const chops = [64, 128, 256, 512, 1024, 2048];
  for (const [sub, binary] of [[5, false], [6, true]] as const) {
    const length = scaled(1 * MIB, scale);
    chops.forEach((chop, i) => {
      out.push(echoCase(`9.${sub}.${i + 1}`, `Send a ${binary ? 'binary' : 'text'} message of ${words(length)} (Autobahn: 1 MiB) in one frame, written in pieces of ${chop} bytes.`,
        'TCP delivers a byte stream, not frames: a server must put a frame together from reads of any size.', {
          binary, length, count: 1, source: { repeat: binary ? BINARY_PATTERN : TEXT_PATTERN }, chop: Math.min(chop, length), checkContent: false, waitSeconds: 1000,
        }));
    });
  }
  // 9.7, 9.8: 1000 round trips of 0 … 4096 bytes.
  const rtts: [number, number][] = [[0, 60], [16, 60], [64, 60], [256, 120], [1024, 240], [4096, 480]];
  for (const [sub, binary] of [[7, false], [8, true]] as const) {
    const count = scaled(1000, scale);
    rtts.forEach(([length, secs], i) => {
      const kind = binary ? 'binary' : 'text';
      out.push(echoCase(`9.${sub}.${i + 1}`, `Send ${count} ${kind} message${count === 1 ? '' : 's'} of ${words(length)} one after another (Autobahn: 1000), to measure the round-trip time.`,
        'An echo server answers each message as it comes; the case measures how long a round trip takes.', {
          binary, length, count, source: { repeat: Uint8Array.of(binary ? 0xfe : 0x2a) }, checkContent: false, waitSeconds: secs,
        }));
    });
  }
  return out;
}

/** 10.1.1: 65536 bytes sent as frames of 1300 (autobahn's autoFragmentSize): one text frame, 50 continuations. */
export function chapter10(): ConformCase[] {
  const payload = new Uint8Array(65536).fill(0x2a);
  const steps: Step[] = [];
  for (let at = 0; at < payload.length; at += 1300) {
    steps.push({ kind: 'frame', opcode: at === 0 ? 1 : 0, fin: at + 1300 >= payload.length, payload: payload.subarray(at, at + 1300) });
  }
  const echo: Observed = { type: 'message', binary: false, payload };
  return [{
    id: '10.1.1',
    rfc: '5.4',
    description: 'Send a text message of 65536 bytes auto-fragmented in frames of 1300 bytes (51 frames).',
    expectation: 'The message is echoed whole, with the payload as sent; clean close with code 1000.',
    rule: 'Fragments are one message: a server must deliver the 51 frames as one text message of 65536 bytes.',
    steps,
    expected: { OK: [echo] },
    expectedClose: CLEAN,
    end: { after: 'kill', seconds: 10 },
  }];
}
