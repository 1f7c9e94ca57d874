// /workshop: for participants (join with a name, see the room and what the presenter is doing to
// their link), for the presenter (the page opened from the presenter URL: the roster and the
// controls), and, when the server runs without --workshop, how to start one.
import { useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { Page } from '../shell/Page.tsx';
import { getStore, streamWithTicket } from '../store/store.ts';
import { checkPresenter, streamTicket } from './api.ts';
import { forgetPresenterKey, presenterKey } from './key.ts';
import { START_COMMAND } from './model.ts';
import { Room } from './room.ts';
import { ParticipantView } from './ParticipantView.tsx';
import { PresenterView } from './PresenterView.tsx';
import './workshop.css';

type PresenterCheck = 'none' | 'checking' | 'ok' | 'wrong';

export function WorkshopPage() {
  const [key] = useState(presenterKey);
  // only the presenter's page reads every connection; participants' pages refetch the room later and spread out
  const room = useMemo(() => new Room(getStore(), key ? { snapshot: true, settleMs: () => 150 } : { snapshot: false, settleMs: () => 400 + Math.random() * 1200 }), [key]);
  useEffect(() => {
    room.start();
    return () => room.stop();
  }, [room]);
  useSyncExternalStore(room.subscribe, room.getVersion);

  const [check, setCheck] = useState<PresenterCheck>(key ? 'checking' : 'none');
  useEffect(() => {
    if (!key || room.status !== 'on' || check !== 'checking') return;
    void checkPresenter(key).then((r) => {
      if (r.ok) {
        // participants' streams carry only their own connections; the presenter's carries the room
        streamWithTicket(() => streamTicket(key));
        return setCheck('ok');
      }
      if (r.status === 401 || r.status === 403) {
        forgetPresenterKey();
        setCheck('wrong');
      } else {
        setCheck('none'); // the server did not answer: a reload asks again with the kept key
      }
    });
  }, [key, room.status, check]);

  if (room.status === 'off') return <WorkshopOff />;
  if (room.status === 'loading' || (room.status === 'on' && check === 'checking')) {
    return (
      <Page title="Workshop">
        <p className="hint">Asking the server about the room…</p>
      </Page>
    );
  }
  if (room.status === 'error' || !room.state) {
    return (
      <Page title="Workshop">
        <p className="lab-problem" role="alert">
          The server did not answer: {room.error}
        </p>
      </Page>
    );
  }
  if (check === 'ok') return <PresenterView room={room} presenterKey={key!} />;
  return <ParticipantView room={room} wrongKey={check === 'wrong'} />;
}

/** Without --workshop: what workshop mode is and the exact command that starts it. */
function WorkshopOff() {
  return (
    <Page
      title="Workshop"
      lead="A mode for a room full of learners: everyone joins one wslab with a name, the presenter's screen shows every participant's connections live, and the presenter breaks the network on purpose so the whole room watches heartbeats find ghost connections."
    >
      <section className="lab-panel wk-panel wk-off" aria-label="How to start a workshop">
        <h2>Workshop mode is off on this server</h2>
        <p>Stop it and start it again with:</p>
        <pre className="wk-command">
          <code>{START_COMMAND}</code>
        </pre>
        <ol className="wk-steps">
          <li>
            Run it on a machine on the room&apos;s network. <code>--host 0.0.0.0</code> lets the other machines in; without it wslab stays
            on 127.0.0.1 and only this machine can join (fine for trying it alone: <code>npx wslab start --workshop</code>).
          </li>
          <li>
            The terminal prints a <strong>presenter URL</strong> with a secret key: open it yourself, and do not project the terminal.
          </li>
          <li>
            It also prints the address participants open, such as <code>http://192.168.1.20:8080/workshop</code>: put that on the screen.
            Each participant picks a name; your page lists them with their connections.
          </li>
        </ol>
      </section>
    </Page>
  );
}
