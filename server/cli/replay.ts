// `wslab replay FILE --target URL [--speed X] [--conn ID]`: plays the client side of a recorded
// connection (a capture, a HAR or a wslab session, read by the import) against a server, with the
// recording's timing divided by X, and reports where the server's answers differ from the
// recorded ones (server/core/replay).
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { compareAnswers, replayPlan } from '../core/replay/plan.ts';
import { readImport } from './open.ts';

/** How long to wait for answers after the last message sent, at most (ms). */
const MAX_ANSWER_WAIT_MS = 10_000;

export async function runReplay(args: string[], help: string, out: { write(s: string): unknown } = process.stdout, err: { write(s: string): unknown } = process.stderr): Promise<number> {
  let values, positionals;
  try {
    ({ values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { target: { type: 'string' }, speed: { type: 'string' }, conn: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }));
  } catch (e) {
    err.write(`wslab replay: ${(e as Error).message}\n`);
    return 2;
  }
  if (values.help) {
    out.write(help);
    return 0;
  }
  const usage = 'usage: wslab replay FILE --target ws://HOST:PORT[/PATH] [--speed X] [--conn ID]\n';
  if (positionals.length !== 1 || values.target === undefined || !/^wss?:\/\//.test(values.target)) {
    err.write(usage);
    return 2;
  }
  const speed = values.speed === undefined ? 1 : Number(values.speed);
  if (!(speed > 0 && speed <= 1000)) {
    err.write('wslab replay: --speed must be a number above 0 and at most 1000 (2 plays twice as fast)\n');
    return 2;
  }
  const loaded = readImport(positionals[0]);
  if (!loaded.ok) {
    err.write(`wslab replay: ${loaded.error}\n`);
    return 1;
  }
  const plan = replayPlan(loaded.result.events, values.conn);
  if (!plan) {
    err.write(`wslab replay: ${values.conn ? `no connection ${values.conn} with frames` : 'no connection with frames'} in ${positionals[0]}\n`);
    return 1;
  }
  out.write(`wslab replay: ${plan.conn} from ${positionals[0]}: ${plan.client.length} client message${plan.client.length === 1 ? '' : 's'} to ${values.target} at ${speed}× speed; ${plan.server.length} answer${plan.server.length === 1 ? '' : 's'} recorded\n`);
  for (const [i, m] of plan.client.entries()) if (m.truncated) out.write(`note: client message ${i + 1} was recorded cut: only its first ${m.data.length} of ${m.length} bytes are sent\n`);
  const ws = new WebSocket(values.target, plan.subprotocol ? [plan.subprotocol] : [], { handshakeTimeout: 10_000 });
  const got: { opcode: number; data: Uint8Array; at: number }[] = [];
  let start = 0;
  ws.on('message', (data, isBinary) => got.push({ opcode: isBinary ? 2 : 1, data: new Uint8Array(data as Buffer), at: performance.now() - start }));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
  } catch (e) {
    err.write(`wslab replay: cannot connect to ${values.target}: ${(e as Error).message}\n`);
    return 1;
  }
  ws.on('error', () => {});
  start = performance.now();
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
  for (const m of plan.client) {
    await sleep(m.at / speed - (performance.now() - start));
    if (ws.readyState !== WebSocket.OPEN) break;
    ws.send(m.data, { binary: m.opcode === 2 });
  }
  // answers: until as many as recorded came, or the recording's own wait after the last send passed (at most 10 s)
  const lastClient = plan.client.length ? plan.client[plan.client.length - 1].at : 0;
  const lastServer = plan.server.length ? plan.server[plan.server.length - 1].at : 0;
  const deadline = performance.now() + Math.min(MAX_ANSWER_WAIT_MS, Math.max(1000, (lastServer - lastClient) / speed + 1000));
  while (got.length < plan.server.length && performance.now() < deadline && ws.readyState === WebSocket.OPEN) await sleep(20);
  let closeNote = '';
  if (ws.readyState === WebSocket.OPEN) {
    const code = plan.clientClose?.code ?? 1000;
    ws.close(code >= 1000 && code !== 1005 && code !== 1006 ? code : 1000, plan.clientClose?.reason ?? '');
  }
  const timer = setTimeout(() => ws.terminate(), 5000);
  const c = await closed;
  clearTimeout(timer);
  closeNote = `closed ${c.code}${c.reason ? ` ${c.reason}` : ''}`;
  const diffs = compareAnswers(plan.server, got);
  out.write(`sent ${plan.client.length} message${plan.client.length === 1 ? '' : 's'} in ${((performance.now() - start) / 1000).toFixed(2)} s; the server answered ${got.length} (recorded: ${plan.server.length}); ${closeNote}\n`);
  for (const d of diffs) {
    if (d.kind === 'differs') out.write(`answer ${d.index} differs: recorded ${d.recorded}, got ${d.got}\n`);
    else if (d.kind === 'missing') out.write(`answer ${d.index} missing: recorded ${d.recorded}, the server sent nothing more\n`);
    else out.write(`answer ${d.index} extra: got ${d.got}, not in the recording\n`);
  }
  out.write(diffs.length === 0 ? 'every answer matches the recording\n' : `${diffs.length} difference${diffs.length === 1 ? '' : 's'} from the recording\n`);
  return diffs.length === 0 ? 0 : 1;
}
