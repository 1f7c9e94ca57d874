// What frames every lesson: before it, what you will be able to do, how long it takes and what to
// read first; after it, the lesson in a few lines and the numbers worth remembering.
import { Link } from 'react-router';
import type { Lesson } from './model.ts';
import './frame.css';

export function LessonIntro({ lesson, all }: { lesson: Lesson; all: Lesson[] }) {
  const first = lesson.before.map((id) => all.find((l) => l.id === id)).filter((l): l is Lesson => l !== undefined);
  return (
    <section className="lesson-intro" aria-label="Objectives">
      <p className="lesson-intro-head">
        <strong>In this lesson</strong> <span className="lesson-minutes">about {lesson.minutes} min</span>
      </p>
      <ul>
        {lesson.objectives.map((o) => (
          <li key={o}>{o}</li>
        ))}
      </ul>
      {first.length > 0 && (
        <p className="lesson-before">
          Read first:{' '}
          {first.map((l, i) => (
            <span key={l.id}>
              {i > 0 && ', '}
              <Link to={`/lessons/${l.id}`}>
                {l.number} {l.title}
              </Link>
            </span>
          ))}
        </p>
      )}
    </section>
  );
}

export function LessonRecap({ lesson }: { lesson: Lesson }) {
  return (
    <section className="lesson-recap" aria-label="Summary">
      <h2 id="summary">Summary</h2>
      <ul>
        {lesson.recap.map((r) => (
          <li key={r}>{r}</li>
        ))}
      </ul>
      <h3 id="key-numbers">Key numbers</h3>
      <ul className="lesson-numbers">
        {lesson.numbers.map((n) => (
          <li key={n}>{n}</li>
        ))}
      </ul>
    </section>
  );
}
