// A workshop room at scale: `wslab start --workshop` in its own process, N participants as real
// clients. Each joins with a cookie, opens its event stream exactly as the participant page does
// (`/__wslab/events?recent=2000&format=bin` with its wslab_session cookie), and one lab connection
// through the chaos link (`/lab/echo?link=pN`) sending one message a second. Before they come, a
// ticker fills the history (events no participant owns). Measured over the run (BENCH_ROOM_MS,
// 30 s): "I send, I see my frame" (send → that message's c2s event on the sender's own stream)
// p50/p99, GET /__wslab/health p99, gap events seen, the server's RSS at the end; and the bytes
// each page read in its first 10 s. The server's CPU seconds, this process's and the server's
// event-loop delay (health's loopDelay) are printed beside them: the load generator runs in this
// process, apart from the server, but on the same cores.
//
// Rooms: BENCH_ROOM=50,200 (the default; the README's table is BENCH_ROOM=50,200,500
// BENCH_ROOM_BASELINE=200). The baseline column is the same room, in the same run, as it was
// before streams were scoped: every page reads every participant's events from seq 1.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { ROOT } from '../server/paths.ts';
import type { BenchRow } from './table.ts';

/** How long the room runs (the target: 30 s); the bytes are counted over each page's first 10 s. */
const RUN_MS = Number(process.env.BENCH_ROOM_MS ?? 30_000);
const BYTES_MS = 10_000;
const GAP = Buffer.from('"type":"gap"');
const MiB = 1024 * 1024;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function startServer(workshop: boolean): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  // BENCH_ROOM_PROF=DIR: the server writes a CPU profile (node --cpu-prof) there when it exits
  const prof = process.env.BENCH_ROOM_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_ROOM_PROF] : [];
  const child = spawn(process.execPath, [...prof, join(ROOT, 'bin', 'wslab.js'), 'start', ...(workshop ? ['--workshop'] : []), '--port', String(port)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('wslab listening on')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`room bench: the server exited (${code}) before listening`)));
  });
  child.stdout!.resume();
  return { child, url: `http://127.0.0.1:${port}` };
}

/** CPU seconds (user + system) the server process has used, from /proc (NaN where there is none). */
function serverCpu(child: ChildProcess): number {
  try {
    const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

const quantile = (xs: number[], q: number) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

/** A request once more when a kept-alive connection was closed under it (undici's "other side closed"). */
async function retry<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch {
    return fn();
  }
}

function open(url: string, headers: Record<string, string>): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers, perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

interface Participant {
  bytes: number;
  gaps: number;
  stream: WebSocket;
  lab: WebSocket;
  /** marker → when it was sent */
  sent: Map<string, number>;
  openedAt: number;
}

/**
 * `scoped`: wslab start --workshop, pages opening as they do now. `before`: the same room as it was
 * before streams were scoped: every page reads every event from seq 1 (a server without
 * --workshop, whose streams carry everything, and `since=1`), measured in the same run.
 */
async function room(n: number, mode: 'scoped' | 'before'): Promise<{ p50: number; p99: number; health: number; mib: number; gaps: number; rss: number }> {
  const { child, url } = await startServer(mode === 'scoped');
  const query = mode === 'scoped' ? 'recent=2000&format=bin' : 'since=1&format=bin';
  const ws = url.replace('http', 'ws');
  try {
    // fill the history with traffic nobody in the room owns
    const fill = Number(process.env.BENCH_ROOM_FILL_MS ?? 3000);
    if (fill > 0) {
      const ticker = await open(`${ws}/lab/ticker?rate=5000&size=64`, {});
      await new Promise((r) => setTimeout(r, fill));
      ticker.close();
      // until the server has settled from it (its health answers quickly again)
      for (let i = 0; i < 50; i++) {
        const t0 = performance.now();
        await fetch(`${url}/__wslab/health`);
        if (performance.now() - t0 < 20) break;
        await new Promise((r) => setTimeout(r, 100));
      }
    }

    const latencies: number[] = [];
    /** when each latency was measured (to tell a room-wide stall from one slow page) */
    const when: number[] = [];
    const people: Participant[] = [];
    for (let start = 0; start < n; start += 25) {
      await Promise.all(
        Array.from({ length: Math.min(25, n - start) }, async (_, k) => {
          const i = start + k;
          const cookie = `wslab_session=bench-room-${i}`;
          if (mode === 'scoped') await retry(() => fetch(`${url}/__wslab/workshop/join`, { method: 'POST', headers: { Cookie: cookie, 'Content-Type': 'application/json' }, body: JSON.stringify({ name: `P${i}` }) }));
          const p: Participant = { bytes: 0, gaps: 0, stream: null as unknown as WebSocket, lab: null as unknown as WebSocket, sent: new Map(), openedAt: 0 };
          p.stream = await open(`${ws}/__wslab/events?${query}`, { Cookie: cookie });
          p.openedAt = performance.now();
          p.stream.on('message', (data: Buffer) => {
            const now = performance.now();
            if (now - p.openedAt <= BYTES_MS) p.bytes += data.length;
            // searched in the bytes as they came, not rendered: a gap is a JSON item, and a
            // frame record keeps its payload's first bytes as sent (the generator stays cheap
            // beside the server it measures)
            if (data.includes(GAP)) p.gaps++;
            if (p.sent.size === 0) return;
            for (const [marker, at] of p.sent) {
              if (data.includes(marker)) {
                latencies.push(now - at);
                when.push(now);
                p.sent.delete(marker);
              }
            }
          });
          p.lab = await open(`${ws}/lab/echo?link=p${i}`, { Cookie: cookie });
          people.push(p);
        }),
      );
    }
    // one message a second each, spread over the second
    let seq = 0;
    const timers = people.map((p, i) =>
      setTimeout(() => {
        const send = () => {
          const marker = `m${i}x${seq++}q`;
          p.sent.set(marker, performance.now());
          p.lab.send(marker);
        };
        send();
        timers.push(setInterval(send, 1000));
      }, (i * 1000) / people.length),
    );
    const health: number[] = [];
    const healthAt: number[] = [];
    /** the server's own event-loop delay, per 10-s window seen during the run */
    const loop = new Map<string, { p99Ms: number; maxMs: number }>();
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const server0 = serverCpu(child);
    const ends = performance.now() + RUN_MS;
    while (performance.now() < ends) {
      const t0 = performance.now();
      const h = (await retry(() => fetch(`${url}/__wslab/health`).then((r) => r.json()))) as { loopDelay: { p99Ms: number; maxMs: number } | null };
      health.push(performance.now() - t0);
      if (h.loopDelay) loop.set(`${h.loopDelay.p99Ms}/${h.loopDelay.maxMs}`, h.loopDelay);
      healthAt.push(t0);
      await new Promise((r) => setTimeout(r, 200));
    }
    for (const t of timers) clearTimeout(t);
    const cpu1 = process.cpuUsage(cpu0);
    const serverSec = serverCpu(child) - server0;
    // the slowest of each: when (seconds into the run) and how long
    const worst = (xs: number[], at: number[]) => xs.map((x, i) => [x, (at[i] - t0) / 1000] as const).sort((a, b) => b[0] - a[0]).slice(0, 8).map(([x, t]) => `${x.toFixed(0)} ms at ${t.toFixed(1)} s`).join(', ');
    process.stderr.write(`bench room ${n} ${mode}: the server's event-loop delay per 10-s window, p99/max: ${[...loop.keys()].join(', ')} ms\n`);
    if (process.env.BENCH_ROOM_WORST) process.stderr.write(`bench room ${n} ${mode}: slowest frames ${worst(latencies, when)}; slowest health ${worst(health, healthAt)}\n`);
    process.stderr.write(`bench room ${n} ${mode}: over ${RUN_MS / 1000} s the server used ${serverSec.toFixed(1)} s of CPU, the load generator (this process) ${((cpu1.user + cpu1.system) / 1e6).toFixed(1)} s; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
    const h = (await fetch(`${url}/__wslab/health`).then((r) => r.json())) as { memory: { rss: number } };
    for (const p of people) {
      p.stream.terminate();
      p.lab.terminate();
    }
    return {
      p50: quantile(latencies, 0.5),
      p99: quantile(latencies, 0.99),
      health: quantile(health, 0.99),
      mib: people.reduce((s, p) => s + p.bytes, 0) / people.length / MiB,
      gaps: people.reduce((s, p) => s + p.gaps, 0),
      rss: h.memory.rss,
    };
  } finally {
    child.kill('SIGTERM');
    if (child.exitCode === null && child.signalCode === null) await new Promise((r) => child.once('exit', r));
  }
}

export async function runRoomBench(): Promise<BenchRow[]> {
  const sizes = (process.env.BENCH_ROOM ?? '50,200').split(',').map(Number).filter((x) => x > 0);
  const rows: BenchRow[] = [];
  for (const n of sizes) {
    // BENCH_ROOM_BASELINE=N: the before-scoping room only for rooms of at most N (0: none); at 500
    // it is the quadratic one, and minutes of it heat the machine for the rooms measured after
    const baselineUpTo = Number(process.env.BENCH_ROOM_BASELINE ?? Infinity);
    const before = n <= baselineUpTo ? await room(n, 'before') : null;
    const r = await room(n, 'scoped');
    for (const [label, x] of [['before scoping', before], ['scoped', r]] as const) {
      if (!x) continue;
      process.stderr.write(`bench room ${n} ${label}: I send, I see my frame p50 ${x.p50.toFixed(1)} / p99 ${x.p99.toFixed(1)} ms; health p99 ${x.health.toFixed(1)} ms; each page read ${x.mib.toFixed(3)} MiB in 10 s; gaps ${x.gaps}; server RSS ${(x.rss / MiB).toFixed(0)} MiB\n`);
    }
    rows.push(
      { name: `room of ${n}: "I send, I see my frame" p99 (baseline: before scoping)`, ours: r.p99, theirs: before?.p99 ?? NaN, unit: 'ms', target: '≤ 100 ms', higherIsBetter: false },
      { name: `room of ${n}: health p99 (baseline: before scoping)`, ours: r.health, theirs: before?.health ?? NaN, unit: 'ms', target: '≤ 50 ms', higherIsBetter: false },
      { name: `room of ${n}: bytes each page read in its first 10 s (baseline: before scoping)`, ours: r.mib, theirs: before?.mib ?? NaN, unit: 'MiB', target: '≤ 1 MiB', higherIsBetter: false },
      { name: `room of ${n}: gap events, all pages (baseline: before scoping)`, ours: r.gaps, theirs: before?.gaps ?? NaN, unit: '', target: '0', higherIsBetter: false },
      { name: `room of ${n}: server RSS at the end (baseline: before scoping)`, ours: r.rss / MiB, theirs: before ? before.rss / MiB : NaN, unit: 'MiB', target: '≤ 1,024 MiB', higherIsBetter: false },
    );
  }
  return rows;
}
