// /workshop/projector: what the presenter puts on the wall. One chosen connection's live sequence
// diagram and event feed, the room's totals (participants, connections, messages a second) and,
// while a quiz runs, its histogram and its fan-out (one publish, a delivery per participant).
// Large type, high contrast, no controls: the presenter chooses the connection on their own page
// (or with ?conn=), and this page follows that choice. Presenter only: it reads the whole room.
import { useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { getStore, streamWithTicket } from '../store/store.ts';
import { useThrottledSlice } from '../store/hooks.ts';
import { SequenceDiagram } from '../diagram/SequenceDiagram.tsx';
import { buildSequenceDiagram } from '../../../server/core/diagram/sequence.ts';
import { renderDiagram } from '../diagram/mermaid.ts';
import { formatEvent } from '../../../server/core/events/format.ts';
import type { EventOf, WslabEvent } from '../../../server/core/events/schema.ts';
import { checkPresenter, streamTicket } from './api.ts';
import { presenterKey } from './key.ts';
import { Room } from './room.ts';
import { Histogram, useRoomQuiz } from './QuizCard.tsx';
import { displayPath } from './model.ts';
import { PROJECTOR_CHANNEL } from './projector-channel.ts';
import './projector.css';

/** Messages a second are counted over this window, ms. */
const RATE_WINDOW_MS = 5000;
const FEED_LINES = 14;

function initialConn(): string | null {
  return new URL(location.href).searchParams.get('conn');
}

export function ProjectorPage() {
  const [key] = useState(presenterKey);
  const [state, setState] = useState<'checking' | 'ok' | 'denied'>(key ? 'checking' : 'denied');
  useEffect(() => {
    if (!key) return;
    void checkPresenter(key).then((r) => {
      if (!r.ok) return setState('denied');
      streamWithTicket(() => streamTicket(key));
      setState('ok');
    });
  }, [key]);
  if (state === 'checking') return <main className="projector" />;
  if (state === 'denied') {
    return (
      <main className="projector projector-denied">
        <p role="alert">The projector view is the presenter&apos;s: open it from the presenter page (the presenter URL wslab printed).</p>
      </main>
    );
  }
  return <Projector />;
}

function Projector() {
  const room = useMemo(() => new Room(getStore(), { snapshot: true, settleMs: () => 250 }), []);
  useEffect(() => {
    room.start();
    return () => room.stop();
  }, [room]);
  useSyncExternalStore(room.subscribe, room.getVersion);
  const store = useThrottledSlice('events', 500);
  const [chosen, setChosen] = useState<string | null>(initialConn);
  useEffect(() => {
    if (typeof BroadcastChannel !== 'function') return;
    const ch = new BroadcastChannel(PROJECTOR_CHANNEL);
    ch.onmessage = (m: MessageEvent<{ conn?: unknown }>) => {
      if (typeof m.data?.conn === 'string' || m.data?.conn === null) setChosen(m.data.conn as string | null);
    };
    return () => ch.close();
  }, []);
  const { quiz } = useRoomQuiz();

  // without a choice: the newest live connection a participant opened
  const conn = chosen ?? newestNamed(room.snapshot);
  const events = store.events;
  const now = room.serverNow();
  const rate = messagesPerSecond(events, now);
  const feed = useMemo(() => (conn ? feedOf(events, conn) : []), [events, events.length, conn]); // eslint-disable-line react-hooks/exhaustive-deps
  const snap = conn ? room.snapshot.find((s) => s.conn === conn) : undefined;

  return (
    <main className="projector" data-testid="projector">
      <header className="pj-totals">
        <Total label="participants" value={room.state?.participants.length ?? 0} testId="pj-participants" />
        <Total label="connections" value={room.snapshot.length} testId="pj-connections" />
        <Total label="messages / s" value={rate} testId="pj-rate" />
        {quiz && <Total label={`answered ${quiz.id}`} value={`${quiz.answered}/${quiz.participants}`} testId="pj-answered" />}
      </header>
      <div className={`pj-body${quiz ? ' with-quiz' : ''}`}>
        <section className="pj-diagram" aria-label="Sequence diagram">
          <h2>
            {conn ? (
              <>
                {snap?.name ?? 'Connection'} <span className="pj-dim">· {conn} · {displayPath(snap?.path ?? '')}</span>
              </>
            ) : (
              'Waiting for a connection'
            )}
          </h2>
          {conn && <SequenceDiagram key={conn} conn={conn} initialWindow={16} title="" fitToPanel emptyHint="Nothing on this connection yet." />}
        </section>
        <aside className="pj-side">
          {quiz ? (
            <section className="pj-quiz" aria-label="Room quiz" data-testid="pj-quiz">
              <p className="pj-question">{quiz.question}</p>
              <Histogram quiz={quiz} large />
              <QuizFanout quizId={quiz.id} />
            </section>
          ) : null}
          <section className="pj-feed" aria-label="Event feed">
            <h2>Events</h2>
            <ol data-testid="pj-feed">
              {feed.slice(quiz ? -4 : -FEED_LINES).map((e) => (
                <li key={e.seq} className={`pj-ev pj-${e.type}`}>
                  {formatEvent(e)}
                </li>
              ))}
            </ol>
          </section>
        </aside>
      </div>
    </main>
  );
}

function Total({ label, value, testId }: { label: string; value: number | string; testId: string }) {
  return (
    <div className="pj-total">
      <span className="pj-value num" data-testid={testId}>
        {value}
      </span>
      <span className="pj-label">{label}</span>
    </div>
  );
}

/** The quiz's own fan-out: the publish and the deliveries, drawn like any other fan-out. */
function QuizFanout({ quizId }: { quizId: string }) {
  const store = useThrottledSlice('events', 1000);
  const host = useRef<HTMLDivElement>(null);
  const hops = store.events.filter((e): e is EventOf<'fanout'> => e.type === 'fanout' && e.topic === 'quiz' && e.msgId === quizId);
  const text = hops.length ? buildSequenceDiagram(hops, { window: 8, fitWidth: 560 }).text : '';
  useEffect(() => {
    if (!text) return;
    let cancelled = false;
    void renderDiagram(text).then((svg) => !cancelled && host.current?.replaceChildren(svg)).catch(() => {});
    return () => {
      cancelled = true;
    };
  }, [text]);
  const delivered = hops.filter((h) => h.hop === 'deliver' && (h.count ?? 0) > 0).length;
  return (
    <figure className="pj-fanout" data-testid="pj-fanout">
      <div ref={host} className="seq-canvas" />
      <figcaption>
        one publish → {delivered} deliver{delivered === 1 ? 'y' : 'ies'}
      </figcaption>
    </figure>
  );
}

function newestNamed(snapshot: readonly { conn: string; name: string | null }[]): string | null {
  const num = (id: string) => Number(id.replace(/^\D+/, ''));
  let best: string | null = null;
  for (const s of snapshot) if (s.name && (best === null || num(s.conn) > num(best))) best = s.conn;
  return best;
}

function messagesPerSecond(events: readonly WslabEvent[], now: number): number {
  let n = 0;
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i];
    if (e.t < now - RATE_WINDOW_MS) break;
    if (e.type === 'message') n++;
  }
  return Math.round((n / (RATE_WINDOW_MS / 1000)) * 10) / 10;
}

function feedOf(events: readonly WslabEvent[], conn: string): WslabEvent[] {
  const out: WslabEvent[] = [];
  for (let i = events.length - 1; i >= 0 && out.length < FEED_LINES; i--) {
    const e = events[i];
    if ('conn' in e && e.conn === conn && e.type !== 'frame') out.push(e);
  }
  return out.reverse();
}
