// The puppet-client and frame-builder APIs against the real server: what the browser API cannot
// do, done by the server's own clients, and seen by the tap like any other client.
import { expect, test } from 'vitest';
import { useLabServer } from '../helpers/server.ts';
import type { WslabServer } from '../../server/app.ts';
import type { EventOf, WslabEvent } from '../../server/core/events/schema.ts';

let server: WslabServer;
const events: WslabEvent[] = [];
useLabServer(
  (t) => {
    server = t.server;
    server.bus.subscribe((e) => events.push(e));
  },
  { heartbeat: { intervalMs: 0 } },
);

const post = async (path: string, body: unknown) => {
  const res = await fetch(`${server.url}${path}`, { method: 'POST', body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, any> };
};
const until = async <T extends WslabEvent>(pred: (e: WslabEvent) => e is T): Promise<T> => {
  for (let i = 0; i < 200; i++) {
    const hit = events.find(pred);
    if (hit) return hit;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('event not seen');
};

test('a puppet sends its custom header, a text, a ping and a close; the tap sees each', async () => {
  const created = await post('/__wslab/puppets', { path: '/lab/echo', headers: { 'X-Lesson': 'four' }, protocols: ['chat'] });
  expect(created.status).toBe(201);
  expect(created.json).toMatchObject({ id: expect.stringMatching(/^p\d+$/), path: '/lab/echo', readyState: 1, autoPong: true, paused: false });
  const { id, conn } = created.json as { id: string; conn: string };
  const hs = await until((e): e is EventOf<'handshake'> => e.type === 'handshake' && e.conn === conn);
  expect(hs.request.headers).toContainEqual(['X-Lesson', 'four']);
  expect((await post(`/__wslab/puppets/${id}/send`, { text: 'hi' })).status).toBe(200);
  await until((e): e is EventOf<'frame'> => e.type === 'frame' && e.conn === conn && e.dir === 's2c' && e.text === 'hi');
  expect((await post(`/__wslab/puppets/${id}/ping`, { text: 'pp' })).status).toBe(200);
  const pong = await until((e): e is EventOf<'pong'> => e.type === 'pong' && e.conn === conn && e.dir === 's2c');
  expect(pong.payloadHex).toBe('7070');
  expect((await post(`/__wslab/puppets/${id}/close`, { code: 4000, reason: 'bye' })).status).toBe(200);
  const close = await until((e): e is EventOf<'close'> => e.type === 'close' && e.conn === conn);
  expect(close).toMatchObject({ code: 4000, reason: 'bye', initiator: 'client', clean: true });
  // gone once closed
  expect((await post(`/__wslab/puppets/${id}/send`, { text: 'late' })).status).toBe(404);
});

test('bad puppet requests get a 400 that says why', async () => {
  expect(await post('/__wslab/puppets', { path: 'http://elsewhere/' })).toMatchObject({ status: 400, json: { error: expect.stringMatching(/^path must be a lab on this server/) } });
  expect(await post('/__wslab/puppets', { path: '/lab/echo', headers: { Host: 'x' } })).toMatchObject({ status: 400, json: { error: expect.stringMatching(/^Host is set by the WebSocket handshake/) } });
});

test('the builder sends an unmasked client frame to /lab/raw and reports the close 1002 it got back', async () => {
  const { status, json } = await post('/__wslab/craft', { frames: [{ opcode: 1, mask: false, payloadText: 'hi' }] });
  expect(status).toBe(200);
  expect(json).toMatchObject({ status: 101, sentHex: '81026869', violation: null, closed: true });
  expect(json.frames).toHaveLength(1);
  expect(json.frames[0]).toMatchObject({ opcode: 8, masked: false, closeCode: 1002 });
  const err = await until((e): e is EventOf<'error'> => e.type === 'error' && e.conn === json.conn);
  expect(err.violation).toMatchObject({ kind: 'CLIENT_FRAME_UNMASKED', closeCode: 1002 });
  expect(await post('/__wslab/craft', { frames: [] })).toMatchObject({ status: 400, json: { error: 'frames must be a list of 1 to 16 frames' } });
});
