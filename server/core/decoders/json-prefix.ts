// A JSON reader for text that may be cut short: the tap's events carry only the first bytes of a
// payload, and the fields at the start ("type", "id", "method") are still worth showing. It returns
// what was read whole (a cut string is kept as far as it goes; a cut key, number or literal is left
// out), whether the text was complete, or a sentence when the text is not JSON. Bounded: nesting
// depth, and the text itself (a prefix).

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface JsonPrefix {
  value: Json | undefined;
  /** false when the text ended inside the value */
  complete: boolean;
  /** a sentence when the text is not JSON (or nests too deeply) */
  error: string | null;
}

export const JSON_MAX_DEPTH = 64;

class Cut {}
class Bad {
  constructor(readonly message: string) {}
}

/**
 * Reads `text` as JSON. With `cut` the text is a prefix: running out of text yields what was read
 * so far; without it, running out is an error. Text after the value is an error either way.
 */
export function parseJsonPrefix(text: string, cut: boolean): JsonPrefix {
  let i = 0;
  const n = text.length;
  const end = (): never => {
    if (cut) throw new Cut();
    throw new Bad('The JSON text ends before its value does.');
  };
  const ws = () => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else break;
    }
  };
  const bad = (what: string): never => {
    throw new Bad(`Not JSON: ${what} at character ${i}.`);
  };
  const str = (put: ((s: string) => void) | null): string => {
    i++; // opening quote
    let out = '';
    for (;;) {
      if (i >= n) {
        if (put) put(out);
        end();
      }
      const c = text[i];
      if (c === '"') {
        i++;
        return out;
      }
      if (c === '\\') {
        if (i + 1 >= n) {
          if (put) put(out);
          end();
        }
        const e = text[i + 1];
        const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (e in simple) {
          out += simple[e];
          i += 2;
        } else if (e === 'u') {
          if (i + 6 > n) {
            if (put) put(out);
            end();
          }
          const hex = text.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) bad('a malformed \\u escape');
          out += String.fromCharCode(parseInt(hex, 16));
          i += 6;
        } else bad('an unknown escape');
      } else if (text.charCodeAt(i) < 0x20) bad('a control character inside a string');
      else {
        out += c;
        i++;
      }
    }
  };
  const value = (depth: number, put: (v: Json) => void): void => {
    if (depth > JSON_MAX_DEPTH) throw new Bad(`The JSON nests deeper than ${JSON_MAX_DEPTH} levels; it is not read further.`);
    ws();
    if (i >= n) end();
    const c = text[i];
    if (c === '{') {
      const o: { [key: string]: Json } = {};
      put(o);
      i++;
      ws();
      if (i >= n) end();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (i >= n) end();
        if (text[i] !== '"') bad('an object key that is not a string');
        const key = str(null);
        ws();
        if (i >= n) end();
        if (text[i] !== ':') bad('a missing ":" after an object key');
        i++;
        value(depth + 1, (v) => {
          o[key] = v;
        });
        ws();
        if (i >= n) end();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return;
        }
        bad('a missing "," or "}" in an object');
      }
    }
    if (c === '[') {
      const a: Json[] = [];
      put(a);
      i++;
      ws();
      if (i >= n) end();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value(depth + 1, (v) => {
          a.push(v);
        });
        ws();
        if (i >= n) end();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return;
        }
        bad('a missing "," or "]" in an array');
      }
    }
    if (c === '"') {
      put(str(put));
      return;
    }
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (m && m[0].length > 0 && m[0] !== '-') {
      i += m[0].length;
      // the number may go on ("1.", "2e-" at the end of a cut text)
      if (cut && n - i < 8 && /^[.eE+\-\d]*$/.test(text.slice(i))) throw new Cut();
      put(Number(m[0]));
      return;
    }
    for (const [word, v] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        put(v);
        return;
      }
      if (cut && i + word.length > n && word.startsWith(text.slice(i))) throw new Cut();
    }
    if (text.slice(i) === '-') end();
    bad(`an unexpected ${JSON.stringify(c)}`);
  };

  let root: Json | undefined;
  try {
    value(0, (v) => {
      root = v;
    });
    ws();
    if (i < n) bad('text after the value');
    return { value: root, complete: true, error: null };
  } catch (e) {
    if (e instanceof Cut) return { value: root, complete: false, error: null };
    if (e instanceof Bad) return { value: undefined, complete: false, error: e.message };
    return { value: undefined, complete: false, error: 'The JSON could not be read.' };
  }
}
