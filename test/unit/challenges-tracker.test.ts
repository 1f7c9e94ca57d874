// The challenge tracker's bounds and routing, fed by a real EventBus: learners are capped (the
// least recently active forgotten first), a connection's events reach the learners it belongs to
// and stop at its close, and a refused upgrade counts for its ?session= only.
import { describe, expect, test } from 'vitest';
import { EventBus } from '../../server/stream/bus.ts';
import type { Registry } from '../../server/connection/registry.ts';
import { ChallengeTracker, MESSAGES_PER_CONN } from '../../server/challenges/tracker.ts';
import { CHALLENGES } from '../../server/core/challenges/list.ts';
import { groupByLesson, joinStatus, progress } from '../../web/src/challenges/model.ts';
import { withLearner } from '../../web/src/challenges/learner.ts';

/** A registry that knows only the cookies it is given (the tracker asks it nothing else). */
function registryWithCookies(cookies: Record<string, string>): Registry {
  return { get: (conn: string) => (conn in cookies ? { cookieSession: cookies[conn] } : undefined) } as unknown as Registry;
}

function open(bus: EventBus, conn: string, sessionId: string | null): void {
  bus.publish({
    type: 'conn.open', conn, socketId: conn, sessionId, lab: 'echo', path: '/lab/echo',
    remote: { address: '127.0.0.1', port: 50000 }, local: { address: '127.0.0.1', port: 8080 }, subprotocol: null, extensions: null, client: 'external',
  });
}

function message(bus: EventBus, conn: string, dir: 'c2s' | 's2c', text: string): void {
  bus.publish({ type: 'message', conn, dir, opcode: 1, opcodeName: 'text', length: text.length, wireLength: text.length, frames: 1, compressed: false, text, previewHex: '', truncated: false });
}

function close(bus: EventBus, conn: string): void {
  bus.publish({ type: 'close', conn, code: 1000, reason: '', initiator: 'client', clean: true, durationMs: 1, bytesIn: 0, bytesOut: 0 });
}

const solved = (tracker: ChallengeTracker, who: string) => tracker.status(who).filter((s) => s.solved).map((s) => s.id);

describe('ChallengeTracker', () => {
  test('a connection counts for its ?session= and for its cookie; solvedAt is the injected clock', () => {
    const bus = new EventBus({ clock: () => 0 });
    const tracker = new ChallengeTracker({ bus, registry: registryWithCookies({ c1: 'cookie-ada' }), now: () => 1234 });
    open(bus, 'c1', 'term-x');
    message(bus, 'c1', 'c2s', 'hello');
    message(bus, 'c1', 's2c', 'hello');
    expect(solved(tracker, 'term-x')).toEqual(['first-echo']);
    expect(solved(tracker, 'cookie-ada')).toEqual(['first-echo']);
    expect(tracker.status('cookie-ada').find((s) => s.id === 'first-echo')!.solvedAt).toBe(1234);
    expect(solved(tracker, 'someone-else')).toEqual([]);
  });

  test('after its close a connection feeds nobody, and connections without a session are not tracked', () => {
    const bus = new EventBus({ clock: () => 0 });
    const tracker = new ChallengeTracker({ bus, registry: registryWithCookies({}) });
    open(bus, 'c1', 'ada');
    message(bus, 'c1', 'c2s', 'hello');
    close(bus, 'c1');
    message(bus, 'c1', 's2c', 'hello');
    // the close itself was a clean 1000 from the client; the echo after it counts for nothing
    expect(solved(tracker, 'ada')).toEqual(['clean-close']);
    open(bus, 'c2', null);
    message(bus, 'c2', 'c2s', 'hello');
    expect(tracker.learnerCount).toBe(1);
  });

  test('a connection feeds at most MESSAGES_PER_CONN message events; its other events still count', () => {
    const bus = new EventBus({ clock: () => 0 });
    const tracker = new ChallengeTracker({ bus, registry: registryWithCookies({}) });
    open(bus, 'c1', 'ada');
    for (let i = 0; i < MESSAGES_PER_CONN; i++) message(bus, 'c1', 's2c', `tick ${i}`);
    message(bus, 'c1', 'c2s', 'hello');
    message(bus, 'c1', 's2c', 'hello');
    expect(solved(tracker, 'ada')).toEqual([]);
    close(bus, 'c1');
    expect(solved(tracker, 'ada')).toEqual(['clean-close']);
  });

  test('learners are capped: the least recently active is forgotten first, with its progress', () => {
    const bus = new EventBus({ clock: () => 0 });
    const tracker = new ChallengeTracker({ bus, registry: registryWithCookies({}), maxLearners: 3 });
    for (const [i, who] of ['a', 'b', 'c'].entries()) {
      open(bus, `c${i}`, who);
      message(bus, `c${i}`, 'c2s', 'hello');
      message(bus, `c${i}`, 's2c', 'hello');
    }
    message(bus, 'c0', 'c2s', 'again'); // a is active again: b is now the oldest
    open(bus, 'c9', 'd');
    expect(tracker.learnerCount).toBe(3);
    expect(solved(tracker, 'a')).toEqual(['first-echo']);
    expect(solved(tracker, 'b')).toEqual([]);
    expect(solved(tracker, 'c')).toEqual(['first-echo']);
  });

  test('a refused upgrade counts for its ?session= only', () => {
    const bus = new EventBus({ clock: () => 0 });
    const tracker = new ChallengeTracker({ bus, registry: registryWithCookies({}) });
    bus.publish({ type: 'refused', status: 403, reason: 'no', path: '/lab/echo', origin: 'http://evil.example', sessionId: 'eve' });
    bus.publish({ type: 'refused', status: 403, reason: 'no', path: '/lab/echo', origin: 'http://evil.example', sessionId: null });
    expect(solved(tracker, 'eve')).toEqual(['origin-403']);
    expect(tracker.learnerCount).toBe(1);
  });
});

describe('the challenges page model', () => {
  test('joins statuses to the definitions, groups them by lesson in lesson order and counts progress', () => {
    const views = joinStatus([{ id: 'first-echo', lesson: 'testing', title: '', goal: '', solved: true, solvedAt: 5 }]);
    expect(views).toHaveLength(CHALLENGES.length);
    expect(progress(views)).toEqual({ solved: 1, total: CHALLENGES.length });
    const groups = groupByLesson(views, ['testing', 'handshake', 'no-such-lesson']);
    expect(groups.map((g) => [g.lesson, g.challenges.length, g.solved])).toEqual([
      ['testing', 1, 1],
      ['handshake', 3, 0],
    ]);
  });

  test('withLearner adds ?session= unless the path names one already', () => {
    expect(withLearner('/lab/raw', 'ada')).toBe('/lab/raw?session=ada');
    expect(withLearner('/lab/echo?deflate=1', 'ada')).toBe('/lab/echo?deflate=1&session=ada');
    expect(withLearner('/lab/echo?session=x', 'ada')).toBe('/lab/echo?session=x');
    expect(withLearner('/lab/echo', null)).toBe('/lab/echo');
  });
});
