// The chat lab's "holds N sockets" line after a crash: the node is down, the broker's rows linger.
import { describe, expect, test } from 'vitest';
import { holdersLine } from '../../web/src/labs/chat/holders.ts';

describe('chat lab holders line', () => {
  test('a running node: its socket count and the users on it', () => {
    expect(holdersLine({ id: 'n1', running: true, sockets: 2 }, ['ada', 'ada'])).toBe('n1 holds 2 sockets (ada)');
    expect(holdersLine({ id: 'n2', running: true, sockets: 1 }, ['bob'])).toBe('n2 holds 1 socket (bob)');
    expect(holdersLine({ id: 'n2', running: true, sockets: 0 }, [])).toBe('n2 holds 0 sockets');
  });

  test('a crashed node is said to be down; users the broker still lists are named as leftovers until the TTL', () => {
    expect(holdersLine({ id: 'n1', running: false, sockets: 0 }, ['ada'])).toBe('n1 is down and holds no sockets; the broker still lists ada on it until the 30 s presence TTL runs out');
    expect(holdersLine({ id: 'n1', running: false, sockets: 0 }, [])).toBe('n1 is down and holds no sockets');
  });
});
