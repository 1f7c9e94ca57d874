// One run of the chat lab's delivery-guarantees experiment, outside React: client A sends RUN_SIZE
// chat messages to #lobby, ten a second, and B's node is paused after the PAUSE_AT-th until the
// next PAUSED_MESSAGES have been sent (about PAUSE_MS): counted in messages, not in time, so a slow
// tab whose timers run late still sends ten messages into the pause.
// The run ends on events, not after a guessed wait: when the server has acknowledged every message
// A sent and each of them has either reached B or been reported lost by B's node (its `lost` hops
// on the event stream). In pub/sub mode the pause loses messages for good; in Streams mode the node
// resumes where it stopped and nothing is lost.
import { getStore, type EventStore } from '../../store/store.ts';
import { getFanout, pauseNode, resumeNode } from './api.ts';
import type { LabChatClient } from './client.ts';
import { ackedIds, countRun, lostInRun } from './model.ts';

export const RUN_SIZE = 30;
export const PAUSE_AT = 8;
export const PAUSE_MS = 1000;
/** the pace of the run: ten messages a second, so the pause covers about ten of them */
export const SEND_EVERY_MS = 100;
/** the messages sent while B's node is paused */
export const PAUSED_MESSAGES = PAUSE_MS / SEND_EVERY_MS;
/** how long the run waits for every message to be accounted for after the last was sent */
export const SETTLE_TIMEOUT_MS = 10_000;
const JOIN_TIMEOUT_MS = 5_000;

export interface GuaranteeRun {
  n: number;
  mode: string;
  sent: number;
  /** messages of this run B received */
  received: number;
  /** messages of this run B's node reported lost */
  lost: number;
  /** messages neither received nor reported lost when the run gave up waiting (0 when it settled) */
  unaccounted: number;
  paused: string;
}

interface Source {
  subscribe(fn: () => void): () => void;
}

/**
 * Resolves true once `pred()` holds, checked now and whenever a source changes; false after `ms`
 * or when `signal` aborts. Never polls.
 */
export function whenTrue(sources: readonly Source[], pred: () => boolean, ms: number, signal?: AbortSignal): Promise<boolean> {
  if (pred()) return Promise.resolve(true);
  return new Promise((resolve) => {
    const offs: (() => void)[] = [];
    const done = (ok: boolean) => {
      clearTimeout(timer);
      for (const off of offs) off();
      signal?.removeEventListener('abort', onAbort);
      resolve(ok);
    };
    const check = () => {
      if (pred()) done(true);
    };
    const onAbort = () => done(false);
    const timer = setTimeout(() => done(false), ms);
    signal?.addEventListener('abort', onAbort, { once: true });
    for (const s of sources) offs.push(s.subscribe(check));
  });
}

function pace(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
}

export interface RunOptions {
  a: LabChatClient;
  b: LabChatClient;
  /** B's node, the one paused */
  target: string;
  /** the run's number: its messages are "run<n>-1" … */
  n: number;
  onProgress?: (line: string) => void;
  signal?: AbortSignal;
  store?: EventStore;
}

/** Runs the experiment; resolves with its row, or rejects with a sentence when it cannot start. */
export async function runGuarantees({ a, b, target, n, onProgress = () => {}, signal, store = getStore() }: RunOptions): Promise<GuaranteeRun> {
  const prefix = `run${n}-`;
  for (const c of [a, b]) {
    if (!c.view.rooms.has('lobby')) c.send('join', { room: 'lobby' });
  }
  const joined = await whenTrue([a, b], () => a.view.rooms.has('lobby') && b.view.rooms.has('lobby'), JOIN_TIMEOUT_MS, signal);
  if (!joined) throw new Error(`A and B were not both in #lobby within ${JOIN_TIMEOUT_MS / 1000} s; the run did not start.`);
  const before = await getFanout();
  if (!before.ok) throw new Error(before.error);
  const mode = before.value.mode;

  const refs: string[] = [];
  let pausedAt: number | null = null;
  let pausedMs = 0;
  const resume = async () => {
    if (pausedAt === null) return;
    pausedMs = Math.round(performance.now() - pausedAt);
    pausedAt = null;
    await resumeNode(target);
  };
  try {
    for (let i = 1; i <= RUN_SIZE && !signal?.aborted; i++) {
      if (i === PAUSE_AT + PAUSED_MESSAGES + 1) await resume();
      onProgress(`sending ${i}/${RUN_SIZE}${pausedAt !== null ? ` — ${target} paused` : ''}`);
      const ref = a.send('chat', { room: 'lobby', text: `${prefix}${i}` });
      if (ref) refs.push(ref);
      if (i === PAUSE_AT) {
        const paused = await pauseNode(target);
        if (paused.ok) pausedAt = performance.now();
      }
      if (i < RUN_SIZE) await pace(SEND_EVERY_MS, signal);
    }
  } finally {
    await resume();
  }

  onProgress('waiting until every message has arrived or been reported lost…');
  const tally = () => {
    const acked = ackedIds(a.view.feed, refs);
    const received = countRun(b.view.feed, prefix);
    // the gaps the paused node noticed in this run's messages (its `lost` hops on the event stream)
    const lost = lostInRun(store.events, target, acked);
    return { acked: acked.length, received, lost };
  };
  await whenTrue(
    [a, b, store],
    () => {
      const t = tally();
      return t.acked === refs.length && t.received + t.lost >= t.acked;
    },
    SETTLE_TIMEOUT_MS,
    signal,
  );
  const { received, lost } = tally();
  return { n, mode, sent: refs.length, received, lost, unaccounted: Math.max(0, refs.length - received - lost), paused: `${target} for ${pausedMs} ms` };
}
