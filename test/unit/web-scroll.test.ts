// Where the window goes after a navigation (web/src/shell/scroll.ts): the top or the anchor for
// a new entry, the saved position for back and forward, nowhere for a page rewriting its query.
import { describe, expect, test } from 'vitest';
import { anchorId, remember, scrollTarget, type NavStep } from '../../web/src/shell/scroll.ts';

const step = (over: Partial<NavStep>): NavStep => ({ action: 'PUSH', key: 'k2', pathname: '/lessons/data-types', hash: '', previousPathname: '/lessons/frames-and-opcodes', ...over });

describe('scrollTarget', () => {
  const saved = new Map([
    ['k1', 3445],
    ['default', 120],
  ]);

  test('a new entry starts at the top, or at its anchor', () => {
    expect(scrollTarget(step({}), saved)).toEqual({ kind: 'top' });
    expect(scrollTarget(step({ hash: '#masking-why' }), saved)).toEqual({ kind: 'anchor', id: 'masking-why' });
    expect(scrollTarget(step({ action: 'REPLACE' }), saved)).toEqual({ kind: 'top' });
  });

  test('back and forward return to the saved position, else to the anchor, else stay', () => {
    expect(scrollTarget(step({ action: 'POP', key: 'k1' }), saved)).toEqual({ kind: 'restore', y: 3445 });
    expect(scrollTarget(step({ action: 'POP', key: 'k9', hash: '#a' }), saved)).toEqual({ kind: 'anchor', id: 'a' });
    expect(scrollTarget(step({ action: 'POP', key: 'k9' }), saved)).toEqual({ kind: 'keep' });
  });

  test('an entry the router did not make goes to its anchor, not to the first page\'s position', () => {
    expect(scrollTarget(step({ action: 'POP', key: 'default', hash: '#main' }), saved)).toEqual({ kind: 'anchor', id: 'main' });
    expect(scrollTarget(step({ action: 'POP', key: 'default' }), saved)).toEqual({ kind: 'restore', y: 120 });
  });

  test('a page replacing its own entry (its query string) stays where it is', () => {
    expect(scrollTarget(step({ action: 'REPLACE', pathname: '/decode', previousPathname: '/decode' }), saved)).toEqual({ kind: 'keep' });
  });
});

describe('anchorId and remember', () => {
  test('the hash is decoded; an empty one names nothing; a broken escape is kept as written', () => {
    expect(anchorId('#a%20b')).toBe('a b');
    expect(anchorId('#')).toBe(null);
    expect(anchorId('')).toBe(null);
    expect(anchorId('#100%')).toBe('100%');
  });

  test('positions are rounded, never negative, and the oldest go first past the bound', () => {
    const m = new Map<string, number>();
    remember(m, 'a', 10.6, 2);
    remember(m, 'b', -5, 2);
    remember(m, 'a', 20, 2); // touched again: now the newest
    remember(m, 'c', 30, 2);
    expect([...m]).toEqual([
      ['a', 20],
      ['c', 30],
    ]);
  });
});
