import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseJsonPrefix } from '../../../server/core/decoders/json-prefix.ts';

describe('parseJsonPrefix', () => {
  it('reads complete JSON as JSON.parse does', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const t = JSON.stringify(v);
        const r = parseJsonPrefix(t, false);
        expect(r.error).toBeNull();
        expect(r.complete).toBe(true);
        expect(r.value).toEqual(JSON.parse(t));
      }),
      { numRuns: 300 },
    );
  });

  it('keeps the whole keys and values before the cut, and a cut string as far as it goes', () => {
    expect(parseJsonPrefix('{"type":"subscribe","id":"1","payload":{"query":"subscription { gree', true)).toEqual({
      value: { type: 'subscribe', id: '1', payload: { query: 'subscription { gree' } },
      complete: false,
      error: null,
    });
    expect(parseJsonPrefix('{"a":12', true).value).toEqual({});
    expect(parseJsonPrefix('{"a":tr', true).value).toEqual({});
    expect(parseJsonPrefix('{"ke', true).value).toEqual({});
  });

  it('never throws, and every prefix of valid JSON reads without error', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(), (v, k) => {
        const t = JSON.stringify(v);
        const r = parseJsonPrefix(t.slice(0, k % (t.length + 1)), true);
        expect(r.error).toBeNull();
      }),
      { numRuns: 300 },
    );
    fc.assert(fc.property(fc.string(), fc.boolean(), (s, cut) => void parseJsonPrefix(s, cut)), { numRuns: 500 });
  });

  it('says what is wrong with text that is not JSON, and bounds nesting', () => {
    expect(parseJsonPrefix('{"a" 1}', false).error).toBe('Not JSON: a missing ":" after an object key at character 5.');
    expect(parseJsonPrefix('[1,2', false).error).toBe('The JSON text ends before its value does.');
    expect(parseJsonPrefix('['.repeat(100_000), true).error).toBe('The JSON nests deeper than 64 levels; it is not read further.');
  });
});
