// The connection caps are sized from the open-file limit read from /proc/self/limits.
import { describe, expect, test } from 'vitest';
import { computeLimits, describeReduced, FdBudget, parseOpenFileLimit, readOpenFileLimit, reserveFor } from '../../server/process/limits.ts';

const PROC_LIMITS = `Limit                     Soft Limit           Hard Limit           Units     
Max cpu time              unlimited            unlimited            seconds   
Max file size             unlimited            unlimited            bytes     
Max open files            1024                 524288               files     
Max locked memory         8388608              8388608              bytes     
`;

const DEFAULTS = { labConnections: 10_000, observers: 200, linkConnections: 5000, simClients: 5000, puppets: 32 };

describe('parseOpenFileLimit', () => {
  test('reads the soft limit of the "Max open files" line, not the hard one', () => {
    expect(parseOpenFileLimit(PROC_LIMITS)).toBe(1024);
  });
  test('"unlimited", a missing line or garbage give null (the defaults apply)', () => {
    expect(parseOpenFileLimit(PROC_LIMITS.replace('1024                ', 'unlimited           '))).toBe(null);
    expect(parseOpenFileLimit('Max cpu time  unlimited  unlimited  seconds\n')).toBe(null);
    expect(parseOpenFileLimit('')).toBe(null);
    expect(parseOpenFileLimit('Max open files            0                    0                    files\n')).toBe(null);
  });
  test('an unreadable /proc gives null instead of throwing', () => {
    expect(
      readOpenFileLimit(() => {
        throw Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' });
      }),
    ).toBe(null);
    expect(readOpenFileLimit(() => PROC_LIMITS)).toBe(1024);
  });
});

describe('computeLimits', () => {
  test('under ulimit -n 1024 every kind is sized by the descriptors it holds', () => {
    const l = computeLimits(1024, DEFAULTS);
    expect(reserveFor(1024)).toBe(128);
    expect(l.usable).toBe(896);
    expect(l.caps).toEqual({ labConnections: 896, observers: 200, linkConnections: 298, simClients: 224, puppets: 32 });
    expect(l.reduced).toEqual(['labConnections', 'linkConnections', 'simClients']);
    expect(describeReduced(l)).toEqual(['lab connections 896 (default 10000)', 'chaos-link connections 298 (default 5000)', 'simulated clients 224 (default 5000)']);
  });
  test('with 20,000 descriptors only the simulated clients (4 each) are lowered', () => {
    const l = computeLimits(20_000, DEFAULTS);
    expect(l.usable).toBe(18_000);
    expect(l.caps).toEqual({ ...DEFAULTS, simClients: 4500 });
    expect(l.reduced).toEqual(['simClients']);
  });
  test('an unknown limit keeps the defaults and reduces nothing', () => {
    const l = computeLimits(null, DEFAULTS);
    expect(l.caps).toEqual(DEFAULTS);
    expect(l.reduced).toEqual([]);
    expect(describeReduced(l)).toEqual([]);
  });
});

describe('FdBudget', () => {
  test('refuses a kind at its cap with a sentence naming the limit and ulimit -n', () => {
    let labs = 896;
    const b = new FdBudget(computeLimits(1024, DEFAULTS), { labConnections: () => labs });
    expect(b.check('labConnections')).toBe(
      'The server is at its limit of 896 lab connections (896 open), so it refuses another lab connection: this process may open 1024 files (ulimit -n); raise the limit with `ulimit -n 65536` in the shell that runs wslab, then restart it.',
    );
    labs = 895;
    expect(b.check('labConnections')).toBe(null);
  });
  test('all kinds together stay within the descriptors left: observers are refused when lab connections hold them', () => {
    const b = new FdBudget(computeLimits(1024, DEFAULTS), { labConnections: () => 890, observers: () => 6, linkConnections: () => 0 });
    expect(b.inUse()).toBe(896);
    expect(b.check('observers')).toBe(
      'The server has no file descriptors to spare for another event-stream observer (896 of the 896 it keeps for connections are in use): this process may open 1024 files (ulimit -n); raise the limit with `ulimit -n 65536` in the shell that runs wslab, then restart it.',
    );
  });
  test('a spawn of many simulated clients is refused whole when it does not fit, with the cap in the sentence', () => {
    const b = new FdBudget(computeLimits(1024, DEFAULTS), { simClients: () => 0 });
    expect(b.check('simClients', 224)).toBe(null);
    expect(b.check('simClients', 225)).toMatch(/^The server is at its limit of 224 simulated clients \(0 open\), so it refuses 225 more simulated clients: this process may open 1024 files \(ulimit -n\)/);
  });
  test('without a known limit, a cap at its default refuses with the plain sentence', () => {
    const b = new FdBudget(computeLimits(null, DEFAULTS), { puppets: () => 32 });
    expect(b.check('puppets')).toBe('The server is at its limit of 32 puppet clients (32 open), so it refuses another puppet client.');
  });
});
