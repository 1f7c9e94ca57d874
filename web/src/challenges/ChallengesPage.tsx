// /challenges: the map of every challenge by lesson, with the learner's progress, live.
import { Link } from 'react-router';
import { Page } from '../shell/Page.tsx';
import { LESSONS } from '../lessons/data.ts';
import { groupByLesson, progress, type ChallengeView } from './model.ts';
import { useChallenges } from './useChallenges.ts';
import { learnerId } from './learner.ts';
import { ChallengeCard } from './ChallengeCard.tsx';
import './challenges.css';

export function ChallengesPage() {
  const { views, error } = useChallenges();
  const groups = groupByLesson(views, LESSONS.map((l) => l.id));
  const p = progress(views);
  const learner = learnerId();
  return (
    <Page
      title="Challenges"
      lead="Goals stated as what must happen on the wire. Solve them with the terminal, the frame builder, the labs or your own scripts: the server checks what your connections did, there is no button."
    >
      <div className="challenge-progress" role="group" aria-label="Progress">
        <progress max={p.total} value={p.solved} />
        <span data-testid="challenge-count">
          {p.solved} of {p.total} solved
        </span>
      </div>
      <p className="challenge-note">
        Your connections from this browser count by themselves. Scripts, wscat or curl count when their URL carries{' '}
        <code>?session={learner ?? 'YOUR_ID'}</code>.
      </p>
      {error && <p className="challenge-error">The server did not give your progress: {error}</p>}
      <ol className="challenge-map">
        {groups.map((g) => {
          const lesson = LESSONS.find((l) => l.id === g.lesson)!;
          return (
            <li key={g.lesson} className="challenge-lesson">
              <h2>
                <Link to={`/lessons/${lesson.id}#challenges`}>
                  {lesson.number}. {lesson.title}
                </Link>
                <span className="challenge-lesson-count">
                  {g.solved}/{g.challenges.length}
                </span>
              </h2>
              <ul className="challenge-list">
                {g.challenges.map((c) => (
                  <ChallengeCard key={c.id} c={c} />
                ))}
              </ul>
            </li>
          );
        })}
      </ol>
    </Page>
  );
}

/** The challenges of one lesson, at the end of the lesson (none: nothing drawn). */
export function LessonChallenges({ lesson }: { lesson: string }) {
  const { views } = useChallenges();
  const mine: ChallengeView[] = views.filter((v) => v.lesson === lesson);
  if (mine.length === 0) return null;
  const solved = mine.filter((c) => c.solved).length;
  return (
    <section className="lesson-challenges" aria-labelledby="challenges">
      <h2 id="challenges">
        Challenges <span className="challenge-lesson-count">{solved}/{mine.length}</span>
      </h2>
      <p className="challenge-note">
        Checked on the live server from your own connections. <Link to="/challenges">All challenges →</Link>
      </p>
      <ul className="challenge-list">
        {mine.map((c) => (
          <ChallengeCard key={c.id} c={c} />
        ))}
      </ul>
    </section>
  );
}
