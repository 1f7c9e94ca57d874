// Brotli and gzip copies of every compressible file of the web build (FILE.br, FILE.gz beside
// FILE), made once at build time at the highest settings, so the static server answers each
// request by its Accept-Encoding without compressing anything per request (http/static.ts).
// A copy is kept only when it is smaller than the file.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { Plugin } from 'vite';

const br = promisify(brotliCompress);
const gz = promisify(gzip);

/** what is worth compressing: text formats and wasm (images and fonts are compressed already) */
export const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.svg', '.txt', '.md', '.map', '.wasm', '.ttf']);
/** below this a compressed copy saves less than its headers cost */
const MIN_BYTES = 1024;

function* files(dir: string): Generator<string> {
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    if (d.name.startsWith('.')) continue;
    const path = join(dir, d.name);
    if (d.isDirectory()) yield* files(path);
    else if (d.isFile() && COMPRESSIBLE.has(extname(d.name))) yield path;
  }
}

/** Writes FILE.br and FILE.gz for every compressible file under `dir`; returns how many files. */
export async function compressTree(dir: string): Promise<number> {
  let n = 0;
  for (const file of files(dir)) {
    const data = readFileSync(file);
    if (data.length < MIN_BYTES) continue;
    const [b, g] = await Promise.all([
      br(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: data.length } }),
      gz(data, { level: 9 }),
    ]);
    if (b.length < data.length) writeFileSync(`${file}.br`, b);
    if (g.length < data.length) writeFileSync(`${file}.gz`, g);
    n++;
  }
  return n;
}

export function compressPlugin(): Plugin {
  let outDir = '';
  return {
    name: 'wslab-compress',
    apply: 'build',
    configResolved(config) {
      outDir = config.build.outDir;
    },
    async closeBundle() {
      await compressTree(outDir);
    },
  };
}
