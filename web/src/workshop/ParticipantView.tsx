// A participant's side of the workshop: join with a display name, then see what the presenter is
// doing to the links, your own connection as your browser and as the server see it, the room, and
// the log of what happened. Names are only ever rendered as text.
import { useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { Page } from '../shell/Page.tsx';
import { useThrottledSlice } from '../store/hooks.ts';
import { getStore } from '../store/store.ts';
import { NAME_MAX, sanitizeName } from '../../../server/core/workshop/names.ts';
import { joinRoom, leaveRoom } from './api.ts';
import { describeEffect, describeEvent, recentWorkshopEvents, rosterConn, rttText, watchHint } from './model.ts';
import type { Room } from './room.ts';
import { RoomSocket } from './room-socket.ts';
import { useNow } from './useNow.ts';
import { Figure } from '../labs/Figure.tsx';
import { ParticipantQuiz } from './QuizCard.tsx';
import '../labs/labs.css';

const NAME_STORAGE = 'wslab.workshop.name';
const BROWSER_STATES = ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'];

function savedName(): string {
  try {
    return localStorage.getItem(NAME_STORAGE) ?? '';
  } catch {
    return '';
  }
}

function saveName(name: string | null): void {
  try {
    if (name === null) localStorage.removeItem(NAME_STORAGE);
    else localStorage.setItem(NAME_STORAGE, name);
  } catch {
    // storage unavailable: the name lasts as long as the server's room
  }
}

export function ParticipantView({ room, wrongKey }: { room: Room; wrongKey: boolean }) {
  const you = room.state!.you;
  const [problem, setProblem] = useState<string | null>(null);
  const [renaming, setRenaming] = useState(false);
  // the presenter took this browser out of the room: say so, and join no more by itself
  const [removed, setRemoved] = useState(false);

  async function join(name: string) {
    const r = await joinRoom(name);
    if (!r.ok) return setProblem(r.error);
    setProblem(null);
    saveName(r.value.name);
    setRenaming(false);
    await room.refresh();
  }

  // back after a reload or a server restart: join again with the name this browser kept
  useEffect(() => {
    const name = savedName();
    if (!you && !removed && name && sanitizeName(name)) void join(name);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [you?.id]);

  return (
    <Page title="Workshop" lead={you ? undefined : 'Join the room with a name the presenter and everyone else will see.'}>
      {wrongKey && (
        <p className="lab-problem" role="alert">
          That presenter key is not this server&apos;s (a key from an earlier start?). Open the presenter URL wslab printed this time.
        </p>
      )}
      {removed && !you && (
        <p className="lab-problem" role="alert" data-testid="wk-removed">
          The presenter removed you from the room: your connection was closed with code 4003, and this browser cannot join again.
        </p>
      )}
      {(!you && !removed) || renaming ? <JoinForm initial={you?.name ?? savedName()} onJoin={join} onCancel={you ? () => setRenaming(false) : undefined} /> : null}
      {problem && (
        <p className="lab-problem" role="alert">
          {problem}
        </p>
      )}
      {you && (
        <Joined
          room={room}
          you={you}
          onRename={() => setRenaming(true)}
          onRemoved={() => {
            saveName(null);
            setRemoved(true);
            void room.refresh();
          }}
          onLeave={async () => {
            const r = await leaveRoom();
            if (!r.ok) return setProblem(r.error);
            saveName(null);
            await room.refresh();
          }}
        />
      )}
    </Page>
  );
}

function JoinForm({ initial, onJoin, onCancel }: { initial: string; onJoin: (name: string) => Promise<void>; onCancel?: () => void }) {
  const [name, setName] = useState(initial);
  const clean = sanitizeName(name);
  return (
    <form
      className="lab-panel wk-panel wk-join"
      aria-label="Join the room"
      onSubmit={(e) => {
        e.preventDefault();
        if (clean) void onJoin(clean);
      }}
    >
      <label className="lab-field">
        <span>Your name</span>
        <input value={name} maxLength={NAME_MAX * 2} autoFocus onChange={(e) => setName(e.target.value)} placeholder="e.g. Ada" />
      </label>
      <button type="submit" className="lab-btn lab-primary" disabled={!clean}>
        {onCancel ? 'Rename' : 'Join the room'}
      </button>
      {onCancel && (
        <button type="button" className="lab-btn" onClick={onCancel}>
          Cancel
        </button>
      )}
      <p className="lab-small muted">
        {clean && clean !== name ? (
          <>
            The room will see: <strong>{clean}</strong>.{' '}
          </>
        ) : null}
        Up to {NAME_MAX} characters, shown as plain text; kept in this browser.
      </p>
    </form>
  );
}

function Joined({
  room,
  you,
  onRename,
  onLeave,
  onRemoved,
}: {
  room: Room;
  you: { id: string; name: string };
  onRename: () => void;
  onLeave: () => void;
  onRemoved: () => void;
}) {
  const store = useThrottledSlice('conns', 200);
  useThrottledSlice('events', 200);
  const now = useNow(500, () => room.serverNow());
  const socket = useMemo(() => new RoomSocket(getStore()), []);
  useEffect(() => {
    socket.start();
    return () => socket.stop();
  }, [socket]);
  useSyncExternalStore(socket.subscribe, socket.getVersion);

  const state = room.state!;
  const conn = socket.serverConn();
  const mine = conn ? rosterConn(store.conns.get(conn), room.snapshot.find((s) => s.conn === conn), now) : null;
  // a timed effect is over when its time is up, even before the room is fetched again
  const effects = state.effects.filter((e) => e.until === null || e.until > now);
  const hint = watchHint(effects, you.id);
  const log = recentWorkshopEvents(store.events, 6);
  const removal = recentWorkshopEvents(store.events, 50).find((e) => e.action === 'remove' && e.participant === you.id);
  useEffect(() => {
    if (removal) onRemoved();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [removal?.seq]);
  const browser = socket.readyState;
  const serverSays = !mine ? '—' : mine.state === 'closed' ? (mine.closeText?.startsWith('terminated') ? 'TERMINATED' : 'CLOSED') : mine.state.toUpperCase();
  const ghost = mine?.state === 'closed' && browser === 1;

  return (
    <div className="wk-participant">
      <p className="wk-you">
        You are <strong data-testid="wk-you">{you.name}</strong> · <span data-testid="wk-count">{state.participants.length}</span> in the room{' '}
        <button type="button" className="wk-link" onClick={onRename}>
          change name
        </button>{' '}
        <button type="button" className="wk-link" onClick={onLeave}>
          leave
        </button>
      </p>
      {state.graceMs !== undefined && (
        <p className="lab-small muted wk-grace" data-testid="wk-grace">
          Close every wslab page and you leave the room {Math.round(state.graceMs / 1000)} s later; come back within that time and you are still here, and this browser keeps its name afterwards too.
        </p>
      )}
      <ParticipantQuiz />

      <section className={`wk-now${effects.length ? ' wk-alert' : ''}`} aria-label="Right now" aria-live="polite" data-testid="wk-now">
        <h2>Right now</h2>
        {effects.length === 0 ? (
          <p>Nothing is broken. When the presenter blackholes, slows or resets the links, it shows here.</p>
        ) : (
          effects.map((e, i) => <p key={i}>{describeEffect(e, you.id, now)}</p>)
        )}
        {hint && <p className="wk-hint">{hint}</p>}
      </section>

      <section className="lab-panel wk-panel" aria-label="Your connection">
        <h2>Your connection {conn && <code className="wk-conn">{conn}</code>}</h2>
        <div className="lab-figures">
          <Figure label="your browser says" value={browser === null ? '—' : BROWSER_STATES[browser]} testId="wk-browser" tone={browser === 1 ? (ghost ? 'danger' : 'ok') : 'danger'} />
          <Figure label="the server says" value={serverSays} testId="wk-server" tone={mine?.state === 'open' ? 'ok' : 'danger'} />
          <Figure
            label={mine && mine.intervalMs > 0 ? `server heartbeat, ${mine.maxMisses} misses allowed` : 'server heartbeat'}
            value={mine && mine.intervalMs > 0 ? `${mine.intervalMs} ms` : 'off'}
            testId="wk-heartbeat"
          />
          <Figure label="pings missed" value={mine ? `${mine.missed}` : '—'} testId="wk-missed" tone={mine && mine.missed > 0 ? 'danger' : undefined} />
          <Figure label="last round trip" value={rttText(mine?.rtt ?? null)} testId="wk-rtt" />
          <Figure label="frames in / out" value={mine ? `${mine.framesIn} / ${mine.framesOut}` : '—'} testId="wk-frames" />
        </div>
        {mine?.closeText && (
          <p className="wk-detail" data-testid="wk-close">
            Server side: {mine.closeText}.
          </p>
        )}
        {ghost && (
          <p className="wk-hint" role="status">
            A ghost: the server has let go of this connection, yet your browser still says OPEN — nothing reached it through the tunnel.
          </p>
        )}
        <div className="wk-actions">
          <button type="button" className="lab-btn" disabled={browser !== 1} onClick={() => socket.hello(you.name)}>
            Say hello (the echo answers)
          </button>
          <span className="lab-small muted">
            {socket.echoes} echoed · attempt {socket.client.attempts.at(-1)?.n ?? 0} · {socket.client.state}
          </span>
        </div>
      </section>

      <div className="wk-grid">
        <section className="lab-panel wk-panel" aria-label="The room">
          <h2>The room</h2>
          <ul className="wk-names" data-testid="wk-names">
            {state.participants.map((p) => (
              <li key={p.id} className={p.id === you.id ? 'wk-me' : p.conns === 0 ? 'wk-away' : undefined}>
                {p.name}
              </li>
            ))}
          </ul>
        </section>
        <section className="lab-panel wk-panel" aria-label="What happened">
          <h2>What happened</h2>
          {log.length === 0 ? (
            <p className="lab-small muted">Nothing yet.</p>
          ) : (
            <ul className="wk-log" data-testid="wk-log">
              {log.map((e) => (
                <li key={e.seq}>{describeEvent(e, you.id)}</li>
              ))}
            </ul>
          )}
        </section>
      </div>
    </div>
  );
}
