// The workshop's small modules: display names, the presenter key check, network origins.
import { describe, expect, test } from 'vitest';
import { NAME_MAX, impersonation, sanitizeName, uniqueName } from '../../server/core/workshop/names.ts';
import { checkPresenter, newPresenterKey } from '../../server/http/presenter.ts';
import { networkOrigins } from '../../server/workshop/lan.ts';

describe('sanitizeName', () => {
  test('one line of visible text: controls, format characters and lone surrogates go, whitespace runs become one space', () => {
    expect(sanitizeName('  Ada\t\tLovelace\r\n')).toBe('Ada Lovelace');
    expect(sanitizeName('evil\u202eboy')).toBe('evilboy'); // right-to-left override
    expect(sanitizeName('zero\u200bwidth\u2060joiner\ufeff')).toBe('zerowidthjoiner');
    expect(sanitizeName('bell\u0007 esc\u001b[2J del\u007f c1\u0085x')).toBe('bell esc[2J del c1x'); // NEL (U+0085) is a C1 control here, not a space
    expect(sanitizeName('lone \ud800 surrogate')).toBe('lone surrogate');
    expect(sanitizeName('line\u2028para\u2029end')).toBe('line para end');
    expect(sanitizeName('e\u0301')).toBe('\u00e9'); // NFC
    expect(sanitizeName('<b>not html</b>')).toBe('<b>not html</b>'); // markup stays text: the page renders names as text
    expect(sanitizeName('\u200b \n\u0007')).toBe('');
  });

  test(`at most ${NAME_MAX} code points, never ending in a space`, () => {
    expect(sanitizeName('y'.repeat(50))).toBe('y'.repeat(NAME_MAX));
    expect(Array.from(sanitizeName('😀'.repeat(40)))).toHaveLength(NAME_MAX);
    expect(sanitizeName('a'.repeat(31) + ' b')).toBe('a'.repeat(31));
  });
});

describe('uniqueName', () => {
  test('a taken name (in any case) gets the first free " (N)", within the length limit', () => {
    expect(uniqueName('Ada', new Set())).toBe('Ada');
    expect(uniqueName('Ada', new Set(['ada']))).toBe('Ada (2)');
    expect(uniqueName('Ada', new Set(['ada', 'ada (2)']))).toBe('Ada (3)');
    expect(uniqueName('z'.repeat(32), new Set(['z'.repeat(32)]))).toBe('z'.repeat(28) + ' (2)');
  });
});

describe('checkPresenter', () => {
  const key = newPresenterKey();
  test('a new key is 24 URL-safe characters, different each time', () => {
    expect(key).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(newPresenterKey()).not.toBe(key);
  });
  test('no Bearer credentials: 401; the wrong key: 403; the key: ok', () => {
    expect(checkPresenter(undefined, key)).toMatchObject({ ok: false, status: 401 });
    expect(checkPresenter(key, key)).toMatchObject({ ok: false, status: 401 });
    expect(checkPresenter('Bearer', key)).toMatchObject({ ok: false, status: 401 });
    expect(checkPresenter(`Bearer ${key} extra`, key)).toMatchObject({ ok: false, status: 401 });
    expect(checkPresenter(`Bearer ${key}x`, key)).toEqual({ ok: false, status: 403, error: 'the presenter key is wrong' });
    expect(checkPresenter('Bearer ', key)).toMatchObject({ ok: false, status: 401 });
    expect(checkPresenter(`Bearer ${key}`, key)).toEqual({ ok: true });
    expect(checkPresenter(`bearer  ${key} `, key)).toEqual({ ok: true });
  });
});

describe('networkOrigins', () => {
  const ifaces = {
    lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true }, { address: '::1', family: 'IPv6', internal: true }],
    eth0: [
      { address: '192.168.1.20', family: 'IPv4', internal: false },
      { address: 'fe80::1', family: 'IPv6', internal: false },
      { address: '2001:db8::5', family: 'IPv6', internal: false },
    ],
    wlan0: [{ address: '10.0.0.7', family: 'IPv4', internal: false }],
  } as unknown as Parameters<typeof networkOrigins>[2];
  test('loopback: nobody else; a wildcard: every external address; one address: that one', () => {
    expect(networkOrigins('127.0.0.1', 8080, ifaces)).toEqual([]);
    expect(networkOrigins('localhost', 8080, ifaces)).toEqual([]);
    expect(networkOrigins('::1', 8080, ifaces)).toEqual([]);
    expect(networkOrigins('0.0.0.0', 8080, ifaces)).toEqual(['http://192.168.1.20:8080', 'http://10.0.0.7:8080']);
    expect(networkOrigins('::', 8080, ifaces)).toEqual(['http://192.168.1.20:8080', 'http://10.0.0.7:8080', 'http://[2001:db8::5]:8080']);
    expect(networkOrigins('192.168.1.20', 9000, ifaces)).toEqual(['http://192.168.1.20:9000']);
  });
});

describe('impersonation', () => {
  test('roles are refused as the whole name or one of its words, whatever the case, spacing, digits after them or look-alike letters; words that only contain one are fine', () => {
    const cases: [string, string | null][] = [
      ['Host', 'Host'],
      ['the host', 'Host'],
      ['H0st', 'Host'],
      ['Host2', 'Host'],
      ['Ｈｏｓｔ', 'Host'],
      ['\u0430dmin', 'Admin'],
      ['Dr. Admin', 'Admin'],
      ['T-e-a-c-h-e-r', 'Teacher'],
      ['instruct0r', 'Instructor'],
      ['Presenter fan', 'Presenter'],
      ['Ghost', null],
      ['Badminton', null],
      ['Hostess', null],
      ['Thomas', null],
      ['Ada', null],
    ];
    for (const [name, role] of cases) expect(impersonation(name), name).toBe(role);
  });

  test("the presenter's own name is refused as the whole name (compared the same way), not as a part of one", () => {
    expect(impersonation('Grace Hopper', 'Grace Hopper')).toBe('Grace Hopper');
    expect(impersonation('grace  HOPPER', 'Grace Hopper')).toBe('Grace Hopper');
    expect(impersonation('Grace-Hopper', 'Grace Hopper')).toBe('Grace Hopper');
    expect(impersonation('Gr\u0430ce Hopper', 'Grace Hopper')).toBe('Grace Hopper'); // Cyrillic а
    expect(impersonation('Grace', 'Grace Hopper')).toBeNull();
    expect(impersonation('Grace Hopper')).toBeNull();
  });
});
