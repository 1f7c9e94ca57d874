// The route table on a real HTTP server: params, 405 with Allow, 404 left to the caller, and a
// handler's error answered by the one rule (kept status, or 500 logged).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRouter } from '../../server/http/routes.ts';
import { HttpError, sendJson } from '../../server/http/json.ts';
import { setErrorLog } from '../../server/http/errors.ts';

const logged: string[] = [];
let server: Server;
let base = '';

beforeAll(async () => {
  setErrorLog((line) => logged.push(line));
  const router = createRouter([
    { method: 'GET', path: '/api/items/:id', handle: ({ res, params }) => sendJson(res, 200, { id: params.id }) },
    { method: ['POST', 'PUT'], path: '/api/items/:id', handle: () => { throw new HttpError(409, 'item is locked'); } },
    { method: 'GET', path: '/api/boom', handle: async () => { throw new Error('kaput'); } },
  ]);
  server = createServer((req, res) => {
    if (!router.dispatch(req, res, new URL(req.url ?? '/', 'http://x'))) sendJson(res, 404, { error: 'none' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  setErrorLog((line) => console.error(line));
  await new Promise((resolve) => server.close(resolve));
});

async function call(path: string, method = 'GET') {
  const res = await fetch(base + path, { method });
  return { status: res.status, allow: res.headers.get('allow'), body: await res.json() };
}

describe('createRouter', () => {
  test('a :param segment is matched and decoded', async () => {
    expect(await call('/api/items/a%20b')).toEqual({ status: 200, allow: null, body: { id: 'a b' } });
  });
  test('a path served under other methods answers 405 with Allow', async () => {
    expect(await call('/api/items/7', 'DELETE')).toEqual({ status: 405, allow: 'GET, POST, PUT', body: { error: '/api/items/7 answers GET, POST, PUT, not DELETE' } });
  });
  test('no route for the path: the caller answers (404 here)', async () => {
    expect((await call('/api/items')).status).toBe(404);
    expect((await call('/api/items/7/extra')).status).toBe(404);
  });
  test("a handler's chosen status is kept; an unexpected error is 500 and logged", async () => {
    expect(await call('/api/items/7', 'PUT')).toEqual({ status: 409, allow: null, body: { error: 'item is locked' } });
    expect(await call('/api/boom')).toEqual({ status: 500, allow: null, body: { error: 'internal error in GET /api/boom; the server logged it' } });
    expect(logged.some((l) => l.startsWith('wslab: internal error in GET /api/boom: Error: kaput'))).toBe(true);
  });
});
