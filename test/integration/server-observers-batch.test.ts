// ?batch=1: the events of one event-loop turn arrive as one text message of newline-separated
// JSON, in order, nothing lost, nothing duplicated — what the web app asks for.
import { afterAll, beforeAll, expect, test } from 'vitest';
import WebSocket from 'ws';
import { startWslab, type WslabServer } from '../../server/app.ts';
import { parseEvent, type WslabEvent } from '../../server/events/schema.ts';

let server: WslabServer;
beforeAll(async () => {
  server = await startWslab({ port: 0, host: '127.0.0.1', heartbeat: { intervalMs: 0 } });
});
afterAll(async () => {
  await server.close();
});

test('a batch observer gets every event once, in seq order, several per message', async () => {
  const observer = new WebSocket(`${server.url.replace('http', 'ws')}/__wslab/events?batch=1`);
  const messages: string[] = [];
  observer.on('message', (d) => messages.push(d.toString()));
  await new Promise((r) => observer.once('open', r));
  const first = server.bus.headSeq;

  const client = new WebSocket(`${server.url.replace('http', 'ws')}/lab/echo`);
  await new Promise((r) => client.once('open', r));
  let echoed = 0;
  await new Promise<void>((done) => {
    client.on('message', () => ++echoed === 50 && done());
    for (let i = 0; i < 50; i++) client.send(`m${i}`);
  });
  client.close(1000);
  await new Promise((r) => client.once('close', r));
  const last = () => server.bus.headSeq - 1;
  const events = (): WslabEvent[] => messages.flatMap((m) => m.split('\n')).map((l) => JSON.parse(l) as WslabEvent);
  const deadline = Date.now() + 5000;
  while (events().at(-1)?.seq !== last() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));

  const got = events();
  expect(got.map((e) => e.seq)).toEqual(Array.from({ length: last() - first + 1 }, (_, i) => first + i));
  for (const e of got) expect(parseEvent(e).ok).toBe(true);
  // 50 echoes make 200 frame and message events; batching put them in far fewer messages
  expect(got.filter((e) => e.type === 'frame' && e.opcode === 1)).toHaveLength(100);
  expect(messages.length).toBeLessThan(got.length);
  expect(messages.some((m) => m.includes('\n'))).toBe(true);
  observer.close();
});
