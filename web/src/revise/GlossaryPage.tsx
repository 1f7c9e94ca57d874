// /glossary: every term of the course in a sentence or two, each linked to the section that teaches it.
import { useMemo, useState } from 'react';
import { Link } from 'react-router';
import { Page } from '../shell/Page.tsx';
import { LESSONS } from '../lessons/data.ts';
import { GLOSSARY, taughtAt } from './glossary.ts';
import { normalize, queryWords } from './search.ts';
import './revise.css';

const WHERE = new Map(
  LESSONS.map((l) => [l.id, { number: l.number, title: l.title, headings: new Map(l.headings.map((h) => [h.slug, h.text])) }]),
);

export function GlossaryPage() {
  const [filter, setFilter] = useState('');
  const shown = useMemo(() => {
    const words = queryWords(filter);
    if (words.length === 0) return GLOSSARY;
    return GLOSSARY.filter((e) => {
      const hay = normalize([e.term, ...e.aka, e.definition].join(' '));
      return words.every((w) => hay.includes(` ${w}`));
    });
  }, [filter]);
  return (
    <Page
      title="Glossary"
      lead={
        <>
          {GLOSSARY.length} terms of the WebSocket protocol and of building on it, each with the lesson section that teaches it. To search the lessons too, use <Link to="/revise">Revise</Link>.
        </>
      }
    >
      <input
        type="search"
        className="glossary-filter"
        placeholder="Filter terms"
        aria-label="Filter the glossary"
        value={filter}
        maxLength={100}
        onChange={(e) => setFilter(e.target.value)}
      />
      <dl className="glossary">
        {shown.map((e) => {
          const where = WHERE.get(e.lesson);
          return (
            <div key={e.slug} id={e.slug} className="glossary-entry">
              <dt>
                {e.term}
                {e.aka.length > 0 && <span className="glossary-aka"> · {e.aka.slice(0, 3).join(', ')}</span>}
              </dt>
              <dd>
                {e.definition}{' '}
                {where && (
                  <Link className="glossary-taught" to={taughtAt(e)}>
                    Lesson {where.number} · {where.headings.get(e.section) ?? where.title}
                  </Link>
                )}
              </dd>
            </div>
          );
        })}
      </dl>
      {shown.length === 0 && <p>No term matches “{filter}”.</p>}
    </Page>
  );
}
