// Bidirectional override characters (U+202E and friends) in peer text must not reorder the text
// that follows (issue 12, item 8). Properties of the pure helper shared by the server and the web
// app, and of escapeControl, which every terminal line (wslab watch, the web terminal) goes through.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { BIDI_CONTROLS, escapeBidi, hasBidiControls, isolateBidi, stripBidi } from '../../server/core/events/bidi.ts';
import { escapeControl } from '../../server/core/events/format.ts';

const CONTROLS = Object.keys(BIDI_CONTROLS).map((k) => String.fromCharCode(Number(k)));
/** Strings that mix ordinary text, Hebrew and every bidi control. */
const mixed = fc.array(fc.oneof(fc.constantFrom(...CONTROLS), fc.constantFrom('a', 'b', ' ', '1', 'א', 'ב', '😀', '-')), { maxLength: 40 }).map((a) => a.join(''));

/**
 * The depth of the bidi stack after `text`, per UAX #9's matching rules (X1–X8): embeddings and
 * overrides are closed by PDF only when no isolate was opened after them; PDI closes the innermost
 * isolate and everything opened inside it; unmatched closers do nothing. `afterStart` counts how
 * often the stack fell back to empty before the end (an isolate closed early).
 */
function stack(text: string): { open: string[]; emptiedEarly: number } {
  const open: string[] = [];
  let emptiedEarly = 0;
  const chars = [...text];
  chars.forEach((ch, i) => {
    const name = BIDI_CONTROLS[ch.charCodeAt(0)];
    if (name === 'LRE' || name === 'RLE' || name === 'LRO' || name === 'RLO') open.push('embed');
    else if (name === 'LRI' || name === 'RLI' || name === 'FSI') open.push('isolate');
    else if (name === 'PDF') {
      if (open.at(-1) === 'embed') open.pop();
    } else if (name === 'PDI') {
      const at = open.lastIndexOf('isolate');
      if (at >= 0) {
        open.length = at;
        if (at === 0 && i < chars.length - 1) emptiedEarly++;
      }
    }
  });
  return { open, emptiedEarly };
}

describe('isolateBidi', () => {
  test('property: whatever the text, nothing it opens is still open after it, so the text after it keeps its order', () => {
    fc.assert(
      fc.property(mixed, fc.string(), (text, after) => {
        const isolated = isolateBidi(text);
        expect(stack(isolated).open).toEqual([]);
        // the text that follows is read at depth 0: no override applies to it
        expect(stack(isolated + after.replace(/[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g, '')).open).toEqual([]);
      }),
      { numRuns: 2000 },
    );
  });

  test('property: the wrapper is one isolate from the first character to the last (no stray PDI closes it early)', () => {
    fc.assert(
      fc.property(mixed.filter(hasBidiControls), (text) => {
        const isolated = isolateBidi(text);
        expect(isolated.startsWith('\u2068')).toBe(true);
        expect(isolated.endsWith('\u2069')).toBe(true);
        expect(stack(isolated).emptiedEarly).toBe(0);
      }),
      { numRuns: 2000 },
    );
  });

  test('property: the visible characters stay, in their order; text without controls is unchanged', () => {
    fc.assert(
      fc.property(mixed, (text) => {
        expect(stripBidi(isolateBidi(text))).toBe(stripBidi(text));
      }),
    );
    fc.assert(
      fc.property(fc.string(), (text) => {
        fc.pre(!hasBidiControls(text));
        expect(isolateBidi(text)).toBe(text);
      }),
    );
  });

  test('examples: an open override is closed; a stray PDI is dropped', () => {
    expect(isolateBidi('abc\u202Edef')).toBe('\u2068abc\u202Edef\u202C\u2069');
    expect(isolateBidi('\u2069evil')).toBe('\u2068evil\u2069');
    expect(isolateBidi('\u2067x\u202Ey')).toBe('\u2068\u2067x\u202Ey\u202C\u2069\u2069');
  });
});

describe('escapeBidi and escapeControl', () => {
  test('property: no bidi control survives, each becomes one visible \\uXXXX, and the rest is untouched', () => {
    fc.assert(
      fc.property(mixed, (text) => {
        const escaped = escapeBidi(text);
        expect(hasBidiControls(escaped)).toBe(false);
        const count = [...text].filter((c) => BIDI_CONTROLS[c.charCodeAt(0)] !== undefined).length;
        expect(escaped.match(/\\u(061c|200e|200f|202[a-e]|206[6-9])/g)?.length ?? 0).toBe(count);
        expect(escaped.replace(/\\u(061c|200e|200f|202[a-e]|206[6-9])/g, '')).toBe(stripBidi(text));
      }),
      { numRuns: 2000 },
    );
  });

  test('property: a terminal line (escapeControl) never carries a bidi control', () => {
    fc.assert(
      fc.property(mixed, fc.integer({ min: 1, max: 100 }), (text, max) => {
        expect(hasBidiControls(escapeControl(text, max))).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  test('examples', () => {
    expect(escapeBidi('hi \u202Eevil')).toBe('hi \\u202eevil');
    expect(escapeControl('a\u2066b\u061Cc', Infinity)).toBe('a\\u2066b\\u061cc');
  });
});
