// The static server answers each request from the copies the build stored (build-compress.ts):
// brotli when Accept-Encoding allows it, else gzip, else the file itself; with an ETag per stored
// representation, 304 when If-None-Match names it, the same headers for HEAD, and Vary so caches
// keep the encodings apart. A real server on a temp web root, raw HTTP (node:http does not decode).
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { compressTree } from '../../server/cli/build-compress.ts';
import { acceptQ } from '../../server/http/static.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function get(t: TestServer, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(`${t.httpUrl}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

const JS = `export const greeting = ${JSON.stringify('hello, frames '.repeat(400))};\n`;
const HTML = `<!doctype html><title>wslab</title><script type="module" src="/assets/app-1.js"></script>${'<!-- padding -->'.repeat(100)}\n`;

let dir: string;
let t: TestServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wslab-static-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), HTML);
  writeFileSync(join(dir, 'assets', 'app-1.js'), JS);
  writeFileSync(join(dir, 'assets', 'tiny.js'), 'export {};\n');
  writeFileSync(join(dir, '.inputs.json'), '{}\n');
  await compressTree(dir);
  t = await startTestServer({ webRoot: dir });
});

afterAll(async () => {
  await t?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('Accept-Encoding picks the stored copy', () => {
  test('br preferred when offered: the body is the brotli copy, which decodes to the file', async () => {
    const r = await get(t, '/assets/app-1.js', { 'Accept-Encoding': 'gzip, deflate, br' });
    expect(r.status).toBe(200);
    expect(r.headers['content-encoding']).toBe('br');
    expect(r.headers['vary']).toBe('Accept-Encoding');
    expect(r.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(Number(r.headers['content-length'])).toBe(r.body.length);
    expect(r.body.length).toBeLessThan(JS.length / 10);
    expect(brotliDecompressSync(r.body).toString()).toBe(JS);
  });

  test('gzip when br is not offered, or refused with q=0', async () => {
    for (const ae of ['gzip', 'br;q=0, gzip;q=0.5']) {
      const r = await get(t, '/assets/app-1.js', { 'Accept-Encoding': ae });
      expect([ae, r.headers['content-encoding']]).toEqual([ae, 'gzip']);
      expect(gunzipSync(r.body).toString()).toBe(JS);
    }
  });

  test('the file itself with no Accept-Encoding, or when nothing stored is acceptable', async () => {
    const cases: Record<string, string>[] = [{}, { 'Accept-Encoding': 'identity' }, { 'Accept-Encoding': 'gzip;q=0, br;q=0' }];
    for (const headers of cases) {
      const r = await get(t, '/assets/app-1.js', headers);
      expect(r.headers['content-encoding']).toBeUndefined();
      expect(r.body.toString()).toBe(JS);
    }
  });

  test('a client-side route is index.html, compressed the same way', async () => {
    const r = await get(t, '/lessons/03-frames', { 'Accept-Encoding': 'br' });
    expect(r.status).toBe(200);
    expect(r.headers['content-encoding']).toBe('br');
    expect(r.headers['cache-control']).toBe('no-cache');
    expect(brotliDecompressSync(r.body).toString()).toBe(HTML);
  });

  test('a file too small to be worth compressing has no copies and no Vary', async () => {
    const r = await get(t, '/assets/tiny.js', { 'Accept-Encoding': 'br, gzip' });
    expect(r.headers['content-encoding']).toBeUndefined();
    expect(r.headers['vary']).toBeUndefined();
    expect(r.body.toString()).toBe('export {};\n');
  });

  test('the stored copies and dotfiles are not served by their own names', async () => {
    for (const path of ['/assets/app-1.js.br', '/assets/app-1.js.gz', '/.inputs.json']) {
      const r = await get(t, path);
      expect([path, r.status]).toEqual([path, 404]);
    }
  });

  test('acceptQ reads q-values and *', () => {
    expect(acceptQ('gzip, br;q=0.8', 'br')).toBe(0.8);
    expect(acceptQ('*;q=0.3', 'br')).toBe(0.3);
    expect(acceptQ('br;q=0, *', 'br')).toBe(0);
    expect(acceptQ(undefined, 'gzip')).toBe(0);
  });
});

describe('ETag, 304 and HEAD', () => {
  test('each encoding has its own ETag; If-None-Match with it gives 304 and no body', async () => {
    const br = await get(t, '/assets/app-1.js', { 'Accept-Encoding': 'br' });
    const gz = await get(t, '/assets/app-1.js', { 'Accept-Encoding': 'gzip' });
    const id = await get(t, '/assets/app-1.js');
    const tags = [br, gz, id].map((r) => r.headers['etag'] as string);
    expect(tags.every((e) => /^"[0-9a-z]+-[0-9a-z]+"$/.test(e))).toBe(true);
    expect(new Set(tags).size).toBe(3);

    const again = await get(t, '/assets/app-1.js', { 'Accept-Encoding': 'br', 'If-None-Match': tags[0] });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect(again.headers['etag']).toBe(tags[0]);
    expect(again.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    // a weak form of the same tag, or one of a list, matches too (RFC 9110 §13.1.2)
    expect((await get(t, '/assets/app-1.js', { 'Accept-Encoding': 'br', 'If-None-Match': `"x", W/${tags[0]}` })).status).toBe(304);
    // the gzip copy's tag does not validate the brotli copy
    expect((await get(t, '/assets/app-1.js', { 'Accept-Encoding': 'br', 'If-None-Match': tags[1] })).status).toBe(200);
  });

  test('HEAD answers the GET headers with no body', async () => {
    const getR = await get(t, '/assets/app-1.js', { 'Accept-Encoding': 'br' });
    const head = await get(t, '/assets/app-1.js', { 'Accept-Encoding': 'br' }, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    for (const h of ['content-encoding', 'content-length', 'etag', 'content-type', 'vary']) expect([h, head.headers[h]]).toEqual([h, getR.headers[h]]);
  });
});
