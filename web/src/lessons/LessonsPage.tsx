import { Link, useParams } from 'react-router';
import { Page, Planned } from '../shell/Page.tsx';

/** The planned curriculum (DESIGN.md, lesson map). Lessons will be loaded from lessons/NN-slug.md. */
const PLANNED = [
  'Why HTTP struggles with real time',
  'The handshake',
  'Stateful connections',
  'Frames and opcodes',
  'Data types',
  'Lifecycle',
  'Ghost connections and heartbeats',
  'Backpressure',
  'Message design',
  'Delivery patterns',
  'Scaling',
  'Offline messages and reconnects',
  'Authentication',
  'Choosing your tools',
  'Beyond WebSockets',
  'Testing WebSockets',
];

export function LessonsPage() {
  return (
    <Page
      title="Lessons"
      lead="Short lessons that each pair an idea with something live: you read a paragraph, then open a real connection to this server and watch the bytes it causes."
    >
      <Planned>
        The lesson texts, their embedded labs, quizzes and exercises are being written. Until then, the{' '}
        <Link to="/decode">frame decoder</Link> already works: paste bytes and see every bit of a frame explained.
      </Planned>
      <h2>The planned path</h2>
      <ol className="lesson-plan">
        {PLANNED.map((title) => (
          <li key={title}>{title}</li>
        ))}
      </ol>
    </Page>
  );
}

export function LessonPage() {
  const { id = '' } = useParams();
  return (
    <Page title={`Lesson “${id}”`} lead="Each lesson will show its text beside a live lab, with quizzes and small coding exercises.">
      <Planned>
        This lesson is not written yet. <Link to="/lessons">Back to the lesson list</Link>.
      </Planned>
    </Page>
  );
}
