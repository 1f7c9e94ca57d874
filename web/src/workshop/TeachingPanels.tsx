// The presenter's teaching tools, under the network controls: the room quiz, follow-me, and the
// projector (which connection it shows, and the link that opens it).
import { useEffect, useMemo, useState } from 'react';
import type { Room } from './room.ts';
import { PresenterQuiz } from './QuizPanel.tsx';
import { FollowPanel } from './FollowPanel.tsx';
import { PROJECTOR_CHANNEL } from './projector-channel.ts';
import { displayPath } from './model.ts';

export function TeachingPanels({ room, presenterKey }: { room: Room; presenterKey: string }) {
  return (
    <div className="wk-grid wk-teaching">
      <PresenterQuiz />
      <div>
        <FollowPanel />
        <ProjectorControl room={room} presenterKey={presenterKey} />
      </div>
    </div>
  );
}

function ProjectorControl({ room, presenterKey }: { room: Room; presenterKey: string }) {
  const named = room.snapshot.filter((s) => s.name);
  const [conn, setConn] = useState('');
  const channel = useMemo(() => (typeof BroadcastChannel === 'function' ? new BroadcastChannel(PROJECTOR_CHANNEL) : null), []);
  useEffect(() => () => channel?.close(), [channel]);
  // no key in the page: a tab this one opens inherits its session storage, where the key is kept
  const href = `/workshop/projector${conn ? `?conn=${encodeURIComponent(conn)}` : ''}`;
  void presenterKey;
  return (
    <section className="lab-panel wk-panel" aria-label="Projector">
      <h2>Projector</h2>
      <div className="lab-fields">
        <label className="lab-field wk-wide">
          <span>Connection on the projector</span>
          <select
            value={conn}
            aria-label="Connection on the projector"
            data-testid="wk-projector-conn"
            onChange={(e) => {
              setConn(e.target.value);
              channel?.postMessage({ conn: e.target.value || null });
            }}
          >
            <option value="">the newest participant connection</option>
            {named.map((s) => (
              <option key={s.conn} value={s.conn}>
                {s.name} · {s.conn} · {displayPath(s.path)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <p className="lab-small muted">The projector page has no controls: it follows this choice. Open it on the screen the room sees: the new tab takes this tab's key with it (on another machine, open /workshop/projector?key=KEY there).</p>
      <div className="lab-actions">
        <a
          className="lab-btn"
          href={href}
          target="_blank"
          rel="opener"
          data-testid="wk-projector-open"
          onClick={(e) => {
            e.preventDefault();
            window.open(href, '_blank');
          }}
        >
          Open the projector view
        </a>
      </div>
    </section>
  );
}
