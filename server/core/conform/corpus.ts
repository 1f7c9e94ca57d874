// The test data of chapters 12 and 13. Autobahn sends slices of five files (a JSON document, a
// 512x512 bitmap, Goethe's Faust from Project Gutenberg, an HTML page, a PDF); wslab does not ship
// those files but generates a stand-in of each, deterministically, of the same size and kind: the
// same compressibility class (structured text, a smooth grey image, prose, markup, a mix of text
// and compressed streams). Pure: the runner and a browser page get the same bytes.

export type CorpusName = 'json_data1' | 'lena512' | 'gutenberg_faust' | 'html_data1' | 'ooms';

export interface CorpusInfo {
  name: CorpusName;
  /** what Autobahn's file is, and that this is a generated stand-in of it */
  description: string;
  /** Autobahn sends it as binary messages (true) or as text (false) */
  binary: boolean;
  /** bytes, as Autobahn's file */
  size: number;
}

/** In Autobahn's order (WS_COMPRESSION_TESTDATA_KEYS): 12.1 json_data1 … 12.5 ooms. */
export const CORPORA: readonly CorpusInfo[] = [
  { name: 'json_data1', description: 'Large JSON data file', binary: false, size: 194056 },
  { name: 'lena512', description: 'Lena Picture, Bitmap 512x512 bw', binary: true, size: 263222 },
  { name: 'gutenberg_faust', description: "Human readable text, Goethe's Faust I (German)", binary: true, size: 222218 },
  { name: 'html_data1', description: 'Large HTML file', binary: false, size: 263647 },
  { name: 'ooms', description: 'A larger PDF', binary: true, size: 1042328 },
];

/** xorshift32: the same sequence everywhere. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

const WORDS = ('der die das und ist nicht ich du er sie es wir ihr mit von zu auf fuer als auch wie noch nur schon ' +
  'Geist Welt Natur Leben Herz Faust Mephisto Gretchen Himmel Erde Nacht Tag Licht Zeit Kraft Wissen Seele ' +
  'habe nun ach Philosophie Juristerei Medizin leider durchaus studiert heissem Bemuehn da steh armer Tor bin klug als wie zuvor').split(' ');
const KEYS = ['id', 'name', 'email', 'tags', 'active', 'score', 'created', 'address', 'city', 'friends', 'about', 'balance'];

function build(size: number, seed: number, piece: (r: () => number, i: number) => string): Uint8Array {
  const r = rng(seed);
  const parts: string[] = [];
  let n = 0;
  for (let i = 0; n < size; i++) {
    const p = piece(r, i);
    parts.push(p);
    n += p.length;
  }
  const out = new Uint8Array(size);
  const s = parts.join('');
  for (let i = 0; i < size; i++) out[i] = s.charCodeAt(i) & 0x7f;
  return out;
}

const word = (r: () => number) => WORDS[r() % WORDS.length];
const words = (r: () => number, n: number) => Array.from({ length: n }, () => word(r)).join(' ');

function json(size: number): Uint8Array {
  return build(size, 1, (r, i) => {
    const fields = KEYS.map((k) => {
      const v = r() % 4;
      return `"${k}": ${v === 0 ? r() % 100000 : v === 1 ? `"${words(r, 1 + (r() % 4))}"` : v === 2 ? (r() & 1 ? 'true' : 'false') : `[${Array.from({ length: r() % 4 }, () => `"${word(r)}"`).join(', ')}]`}`;
    });
    return `${i === 0 ? '[\n' : ',\n'}  {\n    ${fields.join(',\n    ')}\n  }`;
  });
}

function prose(size: number): Uint8Array {
  return build(size, 3, (r) => {
    const w = words(r, 4 + (r() % 10));
    return `${w.charAt(0).toUpperCase()}${w.slice(1)}${r() % 3 === 0 ? '!' : '.'}${r() % 4 === 0 ? '\n\n' : r() % 2 ? '\n' : ' '}`;
  });
}

function html(size: number): Uint8Array {
  const tags = ['p', 'div', 'span', 'li', 'td', 'h2', 'a'];
  return build(size, 4, (r, i) => {
    const t = tags[r() % tags.length];
    return `${i === 0 ? '<!DOCTYPE html>\n<html><head><title>data1</title></head><body>\n' : ''}<${t} class="c${r() % 20}" id="e${i}">${words(r, 2 + (r() % 12))}</${t}>\n`;
  });
}

/** A 512x512 8-bit greyscale BMP: header, palette, smooth shading with a little noise. */
function bitmap(size: number): Uint8Array {
  const out = new Uint8Array(size);
  const r = rng(2);
  const head = [0x42, 0x4d];
  out.set(head);
  const dv = new DataView(out.buffer);
  dv.setUint32(2, size, true);
  dv.setUint32(10, 1078, true);
  dv.setUint32(14, 40, true);
  dv.setInt32(18, 512, true);
  dv.setInt32(22, 512, true);
  dv.setUint16(26, 1, true);
  dv.setUint16(28, 8, true);
  for (let i = 0; i < 256; i++) out.set([i, i, i, 0], 54 + i * 4);
  for (let p = 1078; p < size; p++) {
    const x = (p - 1078) % 512;
    const y = Math.floor((p - 1078) / 512);
    const v = 128 + 60 * Math.sin(x / 37) * Math.cos(y / 23) + 40 * Math.sin((x + y) / 61);
    out[p] = Math.max(0, Math.min(255, Math.round(v + ((r() % 9) - 4))));
  }
  return out;
}

/** PDF-like: text objects between runs of random bytes (already-compressed streams). */
function pdf(size: number): Uint8Array {
  const r = rng(5);
  const out = new Uint8Array(size);
  let at = 0;
  let obj = 1;
  const put = (s: string) => {
    for (let i = 0; i < s.length && at < size; i++) out[at++] = s.charCodeAt(i);
  };
  put('%PDF-1.4\n');
  while (at < size) {
    put(`${obj} 0 obj\n<< /Type /Page /Parent 2 0 R /Contents ${obj + 1} 0 R /Length ${r() % 5000} >>\nstream\n`);
    const run = 200 + (r() % 3000);
    for (let i = 0; i < run && at < size; i++) out[at++] = r() & 0xff;
    put(`\nendstream\nendobj\n${words(r, 5 + (r() % 20))}\n`);
    obj += 2;
  }
  return out;
}

const cache = new Map<CorpusName, Uint8Array>();

/** The bytes of a corpus (generated once, then kept). */
export function corpus(name: CorpusName): Uint8Array {
  let data = cache.get(name);
  if (!data) {
    const size = CORPORA.find((c) => c.name === name)!.size;
    data =
      name === 'json_data1' ? json(size) : name === 'lena512' ? bitmap(size) : name === 'gutenberg_faust' ? prose(size) : name === 'html_data1' ? html(size) : pdf(size);
    cache.set(name, data);
  }
  return data;
}
