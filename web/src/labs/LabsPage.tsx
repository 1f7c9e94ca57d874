// /labs and /labs/:id: the transports lab, and the fault and flow labs.
import { Link, useParams } from 'react-router';
import { Page } from '../shell/Page.tsx';
import { NotFound } from '../shell/NotFound.tsx';
import { GhostLab } from './GhostLab.tsx';
import { BackpressureLab } from './BackpressureLab.tsx';
import { LifecycleLab } from './LifecycleLab.tsx';
import { ChatLab } from './ChatLab.tsx';
import { TransportsLab } from './TransportsLab.tsx';
import { HolLab } from './HolLab.tsx';
import { DataTypesLab } from './DataTypesLab.tsx';
import { LESSONS } from '../lessons/data.ts';
import { backHref, goalsForLab } from '../lessons/lab-goals.ts';
import { useVisit } from '../lessons/visits.ts';
import './labs.css';

export const LAB_PAGES = [
  {
    id: 'transports',
    title: 'Same feed, four transports',
    lead: 'Short polling, long polling, server-sent events and a WebSocket carry one feed side by side: bytes per update, latency and TCP connections, measured.',
    view: TransportsLab,
  },
  {
    id: 'ghosts',
    title: 'Ghost connections and heartbeats',
    lead: 'Clients vanish without a word; the server keeps believing in them, and their memory, until a heartbeat finds out.',
    view: GhostLab,
  },
  {
    id: 'backpressure',
    title: 'Backpressure',
    lead: 'A producer faster than its consumer: where the bytes pile up, and five things a server can do about it.',
    view: BackpressureLab,
  },
  {
    id: 'lifecycle',
    title: 'Client lifecycle and reconnects',
    lead: 'A reconnecting client as a state machine: backoff with full jitter, a cap, a reset after a stable period, resubscription.',
    view: LifecycleLab,
  },
  {
    id: 'chat',
    title: 'Chat, fan-out and scale',
    lead: 'Two clients, two nodes, one broker: rooms, DMs, where sockets live, what pub/sub loses.',
    view: ChatLab,
  },
  {
    id: 'hol',
    title: 'Head-of-line blocking',
    lead: 'A bulk message and a tiny urgent one through a throttled link: on one WebSocket the urgent one waits for every byte of the bulk one; on two it does not.',
    view: HolLab,
  },
  {
    id: 'data-types',
    title: 'Same payload as JSON, binary, compressed',
    lead: 'One value sent three ways over real sockets: JSON text, a fixed binary layout, and JSON through permessage-deflate, with the bytes the server counted on the wire.',
    view: DataTypesLab,
  },
] as const;

export function LabsIndex() {
  return (
    <Page title="Labs" lead="Real sockets against this server, and what it measures on them. The fault labs break the network on purpose through the chaos link, a TCP proxy inside the server.">
      <ul className="lab-index">
        {LAB_PAGES.map((l) => (
          <li key={l.id}>
            <Link to={`/labs/${l.id}`}>{l.title}</Link>
            <p className="muted">{l.lead}</p>
          </li>
        ))}
      </ul>
    </Page>
  );
}

export function LabPage() {
  const { id } = useParams();
  const lab = LAB_PAGES.find((l) => l.id === id);
  if (!lab) return <NotFound />;
  const View = lab.view;
  return (
    <Page title={lab.title} lead={lab.lead}>
      <nav className="lab-switch" aria-label="Labs">
        {LAB_PAGES.map((l) => (
          <Link key={l.id} to={`/labs/${l.id}`} aria-current={l.id === id ? 'page' : undefined}>
            {l.title}
          </Link>
        ))}
      </nav>
      <LabLessons page={`/labs/${lab.id}`} />
      <View />
    </Page>
  );
}

/** The lessons that send the learner here, each with what it wants them to see, and a link back. */
function LabLessons({ page }: { page: string }) {
  const visit = useVisit();
  const goals = goalsForLab(LESSONS, page, visit?.lesson ?? null);
  if (goals.length === 0) return null;
  return (
    <section className="lab-lessons" aria-label="From the lessons" data-testid="lab-lessons">
      <ul>
        {goals.map((g) => (
          <li key={`${g.lesson.id}#${g.section}`}>
            <Link to={backHref(g)}>
              ← Lesson {g.lesson.number} · {g.lesson.title}
            </Link>{' '}
            <span className="lab-lesson-goal">Goal: {g.goal}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
