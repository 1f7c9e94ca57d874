// Follow-me on a participant's every page: in a workshop, a `follow` event (the presenter moved
// the room) takes the page there, unless the participant switched following off; then a bar says
// where the room is, with a one-click catch-up. The presenter's own tabs never follow. Outside a
// workshop (GET /__wslab/workshop/follow answers 404) it renders nothing and opens nothing.
import { useEffect, useState } from 'react';
import { useLocation, useNavigate } from 'react-router';
import type { EventOf } from '../../../server/core/events/schema.ts';
import { getStore } from '../store/store.ts';
import { presenterKey } from './key.ts';
import { getFollow, type RoomLocation } from './teaching-api.ts';
import './follow.css';

const OPT_OUT = 'wslab.workshop.noFollow';

export function followingOff(): boolean {
  try {
    return localStorage.getItem(OPT_OUT) === '1';
  } catch {
    return false;
  }
}

function setFollowingOff(off: boolean): void {
  try {
    if (off) localStorage.setItem(OPT_OUT, '1');
    else localStorage.removeItem(OPT_OUT);
  } catch {
    // storage unavailable: the choice lasts for this page
  }
}

/** Whether `path` (with an optional #section) is the page the browser shows now. */
function isHere(path: string, here: { pathname: string; hash: string }): boolean {
  const [p, h] = path.split('#');
  return p.replace(/\/+$/, '') === here.pathname.replace(/\/+$/, '') && (!h || here.hash === `#${h}`);
}

export default function RoomFollower() {
  const [workshop, setWorkshop] = useState(false);
  /** the event-clock time of the move the server reported when the page opened: older moves are history */
  const [knownT, setKnownT] = useState(-1);
  const [room, setRoom] = useState<RoomLocation | null>(null);
  const [off, setOff] = useState(followingOff);
  const navigate = useNavigate();
  const here = useLocation();

  useEffect(() => {
    if (presenterKey()) return; // the presenter moves the room; their tabs stay put
    let live = true;
    void getFollow().then((r) => {
      if (!live || !r.ok) return;
      if (r.value.path !== null) {
        setRoom(r.value as RoomLocation);
        setKnownT((r.value as RoomLocation & { t: number }).t);
      }
      setWorkshop(true);
    });
    return () => {
      live = false;
    };
  }, []);

  useEffect(() => {
    if (!workshop) return;
    const store = getStore();
    let seen = 0;
    return store.subscribe(() => {
      const events = store.events;
      let newest: EventOf<'follow'> | null = null;
      for (let i = events.length - 1; i >= 0 && events[i].seq > seen; i--) {
        if (events[i].type === 'follow') {
          newest = events[i] as EventOf<'follow'>;
          break;
        }
      }
      if (events.length) seen = Math.max(seen, events[events.length - 1].seq);
      if (!newest || newest.t <= knownT) return; // moves made before this page opened are not replayed
      setRoom({ path: newest.path, label: newest.label });
      if (!followingOff()) navigate(newest.path);
    });
  }, [workshop, knownT, navigate]);

  if (!workshop) return null;
  const away = room !== null && !isHere(room.path, here);
  if (off) {
    return (
      <aside className="room-follow off" aria-label="Follow the presenter" data-testid="room-follow" data-following="false">
        {away ? (
          <span data-testid="room-at">
            The room is at <strong>{room!.label}</strong>
          </span>
        ) : (
          <span>Following is off</span>
        )}
        {away && (
          <button type="button" className="room-follow-btn primary" onClick={() => navigate(room!.path)} data-testid="room-catch-up">
            Catch up
          </button>
        )}
        <button
          type="button"
          className="room-follow-btn"
          onClick={() => {
            setFollowingOff(false);
            setOff(false);
          }}
        >
          Follow again
        </button>
      </aside>
    );
  }
  return (
    <aside className="room-follow" aria-label="Follow the presenter" data-testid="room-follow" data-following="true">
      <span>
        <span className="room-follow-dot" aria-hidden="true" /> Following the presenter
      </span>
      <button
        type="button"
        className="room-follow-btn"
        onClick={() => {
          setFollowingOff(true);
          setOff(true);
        }}
        data-testid="room-follow-off"
      >
        Stop following
      </button>
    </aside>
  );
}
