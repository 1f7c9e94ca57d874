// /revise: search the course, review the questions you got wrong (spaced over days), and take
// your progress with you as a file.
import { useEffect, useMemo, useRef, useState, type ChangeEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { Page } from '../shell/Page.tsx';
import { LESSONS } from '../lessons/data.ts';
import { quizzesOf } from '../lessons/model.ts';
import { replaceProgress, useAnswers, usePassed } from '../lessons/progress.ts';
import { useVisit, writeVisit } from '../lessons/visits.ts';
import { GLOSSARY } from './glossary.ts';
import { buildIndex, search, type DocKind, type Hit } from './search.ts';
import { dailyOrder, dayOf, deckStats, dueKeys, formatWait, nextDue, parseCardKey } from './spacing.ts';
import { learnerId } from '../lessons/learner.ts';
import { answerCard, enrollWrong, useDeck, writeDeck } from './deck.ts';
import { exportFileName, exportProgress, importProgress } from './transfer.ts';
import './revise.css';

const KIND_LABEL: Record<DocKind, string> = { glossary: 'Glossary', lesson: 'Lesson', quiz: 'Quiz' };

function SearchBox() {
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const index = useMemo(() => buildIndex(LESSONS, GLOSSARY), []);
  const hits = useMemo(() => search(index, q), [index, q]);
  const onChange = (e: ChangeEvent<HTMLInputElement>) => {
    const v = e.target.value;
    setParams(v ? { q: v } : {}, { replace: true, preventScrollReset: true });
  };
  return (
    <section className="revise-search" aria-labelledby="revise-search-title">
      <h2 id="revise-search-title">Search</h2>
      <input
        type="search"
        className="revise-search-input"
        placeholder="A term, a header, a close code… e.g. masking key, 1009, TIME_WAIT"
        aria-label="Search lessons, quizzes and the glossary"
        value={q}
        onChange={onChange}
        maxLength={200}
      />
      {q.trim() !== '' && (
        <p className="revise-search-count" role="status">
          {hits.length === 0 ? 'Nothing matches every word.' : `${hits.length}${hits.length === 30 ? '+' : ''} result${hits.length === 1 ? '' : 's'}`}
        </p>
      )}
      <ol className="revise-hits">
        {hits.map((h) => (
          <HitRow key={`${h.doc.kind}:${h.doc.href}:${h.doc.title}`} hit={h} />
        ))}
      </ol>
    </section>
  );
}

function HitRow({ hit }: { hit: Hit }) {
  const { doc, snippet } = hit;
  return (
    <li className={`revise-hit kind-${doc.kind}`}>
      <span className="revise-hit-kind">{KIND_LABEL[doc.kind]}</span>
      <Link to={doc.href} className="revise-hit-title">
        {doc.title}
      </Link>
      <span className="revise-hit-context">{doc.context}</span>
      <p className="revise-hit-snippet">
        {snippet.before}
        {snippet.match && <mark>{snippet.match}</mark>}
        {snippet.after}
      </p>
    </li>
  );
}

function findQuiz(key: string) {
  const k = parseCardKey(key);
  const lesson = k && LESSONS.find((l) => l.id === k.lessonId);
  const quiz = lesson && quizzesOf(lesson).find((q) => q.index === k.quizIndex);
  return lesson && quiz ? { lesson, quiz } : null;
}

function Deck() {
  const answers = useAnswers();
  const deck = useDeck();
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    enrollWrong(LESSONS, answers, Date.now());
    setNow(Date.now());
  }, [answers]);
  // the clock moves on its own only to bring back cards that fall due while the page is open
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(t);
  }, []);
  const due = dailyOrder(dueKeys(deck, now).filter((k) => findQuiz(k) !== null), learnerId(), dayOf(now));
  const stats = deckStats(deck, now);
  const next = nextDue(deck, now);
  const [current, setCurrent] = useState<string | null>(null);
  const key = current ?? due[0] ?? null;
  return (
    <section className="revise-deck" aria-labelledby="revise-deck-title">
      <h2 id="revise-deck-title">Review deck</h2>
      <p className="revise-deck-stats">
        <span>
          <strong data-testid="deck-due">{due.length}</strong> due now
        </span>
        <span>
          <strong>{stats.waiting}</strong> waiting{next !== null && ` (next ${formatWait(next, now)})`}
        </span>
        <span>
          <strong>{stats.learned}</strong> learned
        </span>
      </p>
      {key ? (
        <Card key={key} cardKey={key} onDone={() => { setCurrent(null); setNow(Date.now()); }} onAnswered={() => setCurrent(key)} />
      ) : (
        <p className="revise-deck-empty">
          {Object.keys(deck).length === 0
            ? 'Questions you answer wrong in the lessons land here, and come back after 1, 3, 7 and 16 days until you get them right each time.'
            : 'Nothing due. Come back when the next card is due, or read on in the lessons.'}
        </p>
      )}
    </section>
  );
}

function Card({ cardKey, onAnswered, onDone }: { cardKey: string; onAnswered: () => void; onDone: () => void }) {
  const found = findQuiz(cardKey);
  const [choice, setChoice] = useState<number | null>(null);
  const [checked, setChecked] = useState<boolean | null>(null);
  if (!found) return null;
  const { lesson, quiz } = found;
  const check = () => {
    if (choice === null) return;
    const right = choice === quiz.answer;
    setChecked(right);
    onAnswered();
    answerCard(cardKey, right, Date.now());
  };
  return (
    <fieldset className="revise-card" data-card={cardKey}>
      <legend>
        <Link to={`/lessons/${lesson.id}`}>
          Lesson {lesson.number} · {lesson.title}
        </Link>
      </legend>
      <p className="revise-card-question">{quiz.question}</p>
      {quiz.choices.map((c, i) => (
        <label key={i} className={`revise-choice${checked !== null && i === quiz.answer ? ' right' : ''}${checked === false && i === choice ? ' wrong' : ''}`}>
          <input type="radio" name={`card-${cardKey}`} checked={choice === i} disabled={checked !== null} onChange={() => setChoice(i)} />
          {c}
        </label>
      ))}
      {checked === null ? (
        <button type="button" className="revise-check" disabled={choice === null} onClick={check}>
          Check
        </button>
      ) : (
        <div className={`revise-result ${checked ? 'right' : 'wrong'}`} role="status">
          <p>
            <strong>{checked ? 'Right.' : 'Not yet.'}</strong> {quiz.explain}
          </p>
          <p className="revise-result-next">{checked ? 'It comes back later, further apart each time you get it right.' : 'It comes back in ten minutes.'}</p>
          <button type="button" className="revise-next" onClick={onDone}>
            Next card
          </button>
        </div>
      )}
    </fieldset>
  );
}

function Transfer() {
  const answers = useAnswers();
  const exercises = usePassed();
  const deck = useDeck();
  const visit = useVisit();
  const input = useRef<HTMLInputElement>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const download = () => {
    const now = new Date();
    const blob = new Blob([exportProgress({ answers, exercises, deck, visit }, now)], { type: 'application/json' });
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = exportFileName(now);
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };
  const onFile = async (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    e.target.value = '';
    if (!file) return;
    if (file.size > 1_000_000) {
      setMessage({ ok: false, text: `${file.name} is ${file.size.toLocaleString('en')} bytes; a progress file is far smaller, so it is not one.` });
      return;
    }
    const result = importProgress(await file.text());
    if (!result.ok) {
      setMessage({ ok: false, text: `${file.name} was not imported. ${result.error}` });
      return;
    }
    const { data } = result;
    replaceProgress({ answers: data.answers, exercises: data.exercises });
    writeDeck(data.deck);
    writeVisit(data.visit);
    const quizzes = Object.values(data.answers).reduce((n, per) => n + Object.keys(per).length, 0);
    setMessage({
      ok: true,
      text: `Restored from ${file.name} (written ${new Date(result.exportedAt).toLocaleString('en')}): ${quizzes} quiz answer${quizzes === 1 ? '' : 's'}, ${Object.keys(data.exercises).length} passed exercise${Object.keys(data.exercises).length === 1 ? '' : 's'}, ${Object.keys(data.deck).length} review card${Object.keys(data.deck).length === 1 ? '' : 's'}.`,
    });
  };
  return (
    <section className="revise-transfer" aria-labelledby="revise-transfer-title">
      <h2 id="revise-transfer-title">Your progress as a file</h2>
      <p>Progress lives in this browser only. Download it to keep a copy or move to another machine; restoring a file replaces what this browser has.</p>
      <div className="revise-transfer-actions">
        <button type="button" onClick={download}>
          Download progress
        </button>
        <button type="button" onClick={() => input.current?.click()}>
          Restore from a file…
        </button>
        <input ref={input} type="file" accept="application/json,.json" hidden onChange={(e) => void onFile(e)} aria-label="Progress file to restore" />
      </div>
      {message && (
        <p className={`revise-transfer-message ${message.ok ? 'ok' : 'bad'}`} role={message.ok ? 'status' : 'alert'}>
          {message.text}
        </p>
      )}
    </section>
  );
}

export function RevisePage() {
  return (
    <Page
      title="Revise"
      lead={
        <>
          Search everything the course says, review the questions you got wrong until they stick, and keep your progress as a file. For a quick look-up, the <Link to="/glossary">glossary</Link> defines each term and the{' '}
          <Link to="/cheatsheet">cheat sheet</Link> fits the protocol on two printed pages; <Link to="/illustrated">the illustrated connection</Link> shows every byte of one session.
        </>
      }
    >
      <div className="revise-layout">
        <SearchBox />
        <div className="revise-side">
          <Deck />
          <Transfer />
        </div>
      </div>
    </Page>
  );
}
