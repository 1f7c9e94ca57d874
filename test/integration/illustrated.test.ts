// The illustrated connection against a real server: the committed trace is exactly what a fresh
// run of the fixed session makes (the tap's records, checked against the client's own bytes), and
// POST /__wslab/illustrated/run repeats the session with a random key and masking keys, changing
// those bytes (and what they mask) and nothing else.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateTrace, TRACE_FILE } from '../../server/cli/illustrated-trace.ts';
import type { Trace } from '../../server/core/illustrated/trace.ts';
import { annotateTrace, compareLive } from '../../web/src/illustrated/annotate.ts';
import { useLabServer, type TestServer, type Collector } from '../helpers/server.ts';

describe('the committed trace', () => {
  it('equals a fresh run of the fixed session, byte for byte', async () => {
    expect(await generateTrace()).toBe(readFileSync(TRACE_FILE, 'utf8'));
  });
});

describe('POST /__wslab/illustrated/run', () => {
  let t: TestServer;
  let log: Collector;
  useLabServer((server, collector) => ((t = server), (log = collector)));

  const run = async () => {
    const res = await fetch(`${t.httpUrl}/__wslab/illustrated/run`, { method: 'POST' });
    expect(res.status).toBe(200);
    return (await res.json()) as Trace;
  };

  it('plays the same session with a fresh random key and masking keys, and only their bytes differ', async () => {
    const committed = JSON.parse(readFileSync(TRACE_FILE, 'utf8')) as Trace;
    const [a, b] = [await run(), await run()];
    expect(a.inputs.host).toBe(`127.0.0.1:${t.port}`);
    expect(a.inputs.key).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    expect(a.inputs.key).not.toBe(b.inputs.key);
    expect(a.inputs.masks).not.toEqual(b.inputs.masks);
    const { differences, unexpected } = compareLive(annotateTrace(committed.records), annotateTrace(a.records));
    expect(unexpected).toEqual([]);
    expect([...new Set(differences.map((d) => d.span))].sort()).toEqual(
      ['Close code', 'Close reason', 'Compressed payload', 'Host', 'Masking key', 'Payload', 'Ping payload', 'Sec-WebSocket-Accept', 'Sec-WebSocket-Key'].sort(),
    );
    // the server's frames never change
    const server = (tr: Trace) => tr.records.filter((r) => r.dir === 'server' && r.kind === 'frame');
    expect(server(a)).toEqual(server(committed));
    // and the tap saw the runs as clean closes started by the client
    const closes = log.events.filter((e) => e.type === 'close');
    expect(closes.map((e) => e.type === 'close' && [e.code, e.initiator, e.clean])).toEqual([
      [1000, 'client', true],
      [1000, 'client', true],
    ]);
  });

  it('answers GET with 405', async () => {
    const res = await fetch(`${t.httpUrl}/__wslab/illustrated/run`);
    expect(res.status).toBe(405);
  });
});
