// /lessons and /lessons/:id: the curriculum (lessons/NN-slug.md, parsed by model.ts).
import { Children, isValidElement, lazy, Suspense, type ReactNode } from 'react';
import { Link, useParams } from 'react-router';
import Markdown, { type Components } from 'react-markdown';
import remarkGfm from 'remark-gfm';
import { Page } from '../shell/Page.tsx';
import { NotFound } from '../shell/NotFound.tsx';
import { HashLink } from '../shell/HashLink.tsx';
import { LESSONS } from './data.ts';
import { exerciseProgressOf, findLesson, progressOf, slugify, type Block, type Lesson } from './model.ts';
import { useAnswers, usePassed, resetAnswers } from './progress.ts';
import { Decode, Exercise, LabLink, Mermaid } from './blocks.tsx';
import { Quiz } from './QuizView.tsx';
import { LessonIntro, LessonRecap } from './LessonFrame.tsx';
import { LessonChallenges } from '../challenges/ChallengesPage.tsx';
import { continueFrom, groupIntoParts } from './parts.ts';
import { useRecordVisit, useVisit } from './visits.ts';
import { FacilitatorNotes, FacilitatorToggle } from './FacilitatorNotes.tsx';

// the capstone's live run (and its runner) loads with the one lesson that embeds it
const CapstoneRun = lazy(() => import('./capstone/CapstoneRun.tsx').then((m) => ({ default: m.CapstoneRun })));
import '../diagram/diagram.css';
import './lessons.css';

function textOf(node: ReactNode): string {
  let out = '';
  Children.forEach(node, (c) => {
    if (typeof c === 'string' || typeof c === 'number') out += String(c);
    else if (isValidElement<{ children?: ReactNode }>(c)) out += textOf(c.props.children);
  });
  return out;
}

const COMPONENTS: Components = {
  h2: ({ children }) => <h2 id={slugify(textOf(children))}>{children}</h2>,
  h3: ({ children }) => <h3 id={slugify(textOf(children))}>{children}</h3>,
  a: ({ href = '', children }) =>
    href.startsWith('/') ? (
      <Link to={href}>{children}</Link>
    ) : (
      <a href={href} target="_blank" rel="noreferrer noopener">
        {children}
      </a>
    ),
  table: ({ children }) => (
    <div className="lesson-table">
      <table>{children}</table>
    </div>
  ),
};

function ProgressBadge({ lesson }: { lesson: Lesson }) {
  const answers = useAnswers();
  const passed = usePassed();
  const p = progressOf(lesson, answers);
  const x = exerciseProgressOf(lesson, passed);
  const done = p.answered === p.total && x.passed === x.total;
  const started = p.answered > 0 || x.passed > 0;
  const exercises = x.total === 0 ? '' : `, exercises: ${x.passed} of ${x.total} passed`;
  return (
    <span className={`lesson-progress ${done ? 'done' : started ? 'partial' : ''}`} aria-label={`Quizzes: ${p.correct} of ${p.total} right, ${p.answered} answered${exercises}`}>
      {done ? '✓ ' : ''}
      {p.correct}/{p.total} quizzes
      {x.total > 0 && ` · ${x.passed}/${x.total} exercise${x.total === 1 ? '' : 's'}`}
    </span>
  );
}

function LessonCard({ lesson: l }: { lesson: Lesson }) {
  return (
    <li className="lesson-card" data-lesson={l.id}>
      <span className="lesson-num" aria-hidden="true">
        {l.number}
      </span>
      <div className="lesson-card-body">
        <h2>
          <Link to={`/lessons/${l.id}`}>{l.title}</Link>
        </h2>
        <p className="lesson-card-summary">{l.summary}</p>
        <p className="lesson-card-meta">
          <ProgressBadge lesson={l} />
          <span className="lesson-topics">{l.topics.join(' · ')}</span>
        </p>
      </div>
    </li>
  );
}

/** "Continue where you left off", or where to start; with the revision pages beside it. */
function ContinueCard() {
  const cont = continueFrom(LESSONS, useVisit());
  return (
    <div className="lesson-continue">
      {cont ? (
        <Link to={cont.href} className="lesson-continue-link">
          <span className="lesson-continue-label">Continue where you left off</span>
          <strong>
            {cont.lesson.number} {cont.lesson.title}
          </strong>
          {cont.section && <span className="lesson-continue-section">at “{cont.section.text}”</span>}
        </Link>
      ) : (
        <Link to={`/lessons/${LESSONS[0].id}`} className="lesson-continue-link">
          <span className="lesson-continue-label">Start here</span>
          <strong>
            {LESSONS[0].number} {LESSONS[0].title}
          </strong>
        </Link>
      )}
      <nav className="lesson-continue-more" aria-label="Revision">
        <Link to="/revise">Revise</Link>
        <Link to="/glossary">Glossary</Link>
        <Link to="/cheatsheet">Cheat sheet</Link>
      </nav>
    </div>
  );
}

export function LessonsPage() {
  const answers = useAnswers();
  const passed = usePassed();
  const totals = LESSONS.reduce(
    (acc, l) => {
      const p = progressOf(l, answers);
      const x = exerciseProgressOf(l, passed);
      return {
        correct: acc.correct + p.correct,
        answered: acc.answered + p.answered,
        total: acc.total + p.total,
        passed: acc.passed + x.passed,
        exercises: acc.exercises + x.total,
      };
    },
    { correct: 0, answered: 0, total: 0, passed: 0, exercises: 0 },
  );
  return (
    <Page
      title="Lessons"
      lead="Sixteen short lessons, from why HTTP struggles with real time to testing a socket by hand. Each pairs an idea with something live on this server: read a few paragraphs, then open a real connection and watch the bytes it causes."
    >
      <p className="lessons-summary">
        <span>
          Quizzes: <strong>{totals.correct}</strong> right of <strong>{totals.total}</strong> ({totals.answered} answered)
        </span>
        {totals.exercises > 0 && (
          <span>
            Exercises: <strong>{totals.passed}</strong> passed of <strong>{totals.exercises}</strong>
          </span>
        )}
        {(totals.answered > 0 || totals.passed > 0) && (
          <button type="button" className="lessons-reset" onClick={() => resetAnswers()}>
            Forget my answers
          </button>
        )}
      </p>
      <ContinueCard />
      {groupIntoParts(LESSONS).map((part) => (
        <section key={part.title} className="lesson-part" aria-label={part.title}>
          <h2 className="lesson-part-title">{part.title}</h2>
          <p className="lesson-part-blurb">{part.blurb}</p>
          <ol className="lesson-list">
            {part.lessons.map((l) => (
              <LessonCard key={l.id} lesson={l} />
            ))}
          </ol>
        </section>
      ))}
    </Page>
  );
}

function BlockView({ block, lesson, chosen }: { block: Block; lesson: Lesson; chosen: Record<string, number> }) {
  switch (block.kind) {
    case 'markdown':
      return (
        <Markdown remarkPlugins={[remarkGfm]} skipHtml components={COMPONENTS}>
          {block.text}
        </Markdown>
      );
    case 'lab':
      return <LabLink block={block} />;
    case 'quiz':
      return <Quiz block={block} lessonId={lesson.id} chosen={chosen[String(block.index)]} />;
    case 'mermaid':
      return <Mermaid text={block.text} />;
    case 'decode':
      return <Decode block={block} />;
    case 'exercise':
      return <Exercise id={block.id} />;
    case 'capstone':
      return (
        <Suspense fallback={<p className="muted">Loading the live run…</p>}>
          <CapstoneRun />
        </Suspense>
      );
  }
}

export function LessonPage() {
  const { id = '' } = useParams();
  const answers = useAnswers();
  const lesson = findLesson(LESSONS, id);
  useRecordVisit(lesson?.id ?? '');
  if (!lesson) return <NotFound />;
  const i = LESSONS.indexOf(lesson);
  const prev = LESSONS[i - 1];
  const next = LESSONS[i + 1];
  const chosen = answers[lesson.id] ?? {};
  return (
    <Page title={lesson.title} lead={lesson.summary}>
      <div className="lesson-layout">
        <aside className="lesson-aside">
          <nav className="lesson-toc" aria-label="In this lesson">
            <p className="lesson-toc-title">
              Lesson {lesson.number} of {LESSONS.length}
            </p>
            <ol>
              {lesson.headings
                .filter((h) => h.depth === 2)
                .map((h) => (
                  <li key={h.slug}>
                    <HashLink id={h.slug}>{h.text}</HashLink>
                  </li>
                ))}
            </ol>
            <p className="lesson-toc-title">Live</p>
            <ul className="lesson-live">
              {lesson.live.map((p) => (
                <li key={p}>
                  <Link to={p}>{p}</Link>
                </li>
              ))}
            </ul>
            <ProgressBadge lesson={lesson} />
            <FacilitatorToggle />
          </nav>
        </aside>
        <article className="lesson-body" key={lesson.id}>
          <LessonIntro lesson={lesson} all={LESSONS} />
          <FacilitatorNotes lesson={lesson} />
          {lesson.blocks.map((b, n) => (
            <BlockView key={n} block={b} lesson={lesson} chosen={chosen} />
          ))}
          <LessonRecap lesson={lesson} />
          <LessonChallenges lesson={lesson.id} />
          <nav className="lesson-pager" aria-label="Lessons">
            {prev ? (
              <Link to={`/lessons/${prev.id}`} rel="prev">
                ← {prev.number} {prev.title}
              </Link>
            ) : (
              <Link to="/lessons">← All lessons</Link>
            )}
            {next ? (
              <Link to={`/lessons/${next.id}`} rel="next">
                {next.number} {next.title} →
              </Link>
            ) : (
              <Link to="/lessons">All lessons →</Link>
            )}
          </nav>
        </article>
      </div>
    </Page>
  );
}
