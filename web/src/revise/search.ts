// Search across the lessons (section by section), their quiz questions and the glossary. The
// index is built once from the parsed lessons; a query's words must each start a word of the
// document (so "ping" finds "pings" but not "shipping"), and titles weigh more than bodies.
// Pure: no DOM, no React.
import { quizzesOf, type Block, type Lesson } from '../lessons/model.ts';
import type { GlossaryEntry } from './glossary.ts';

export type DocKind = 'lesson' | 'quiz' | 'glossary';

export interface SearchDoc {
  kind: DocKind;
  title: string;
  /** where it sits, e.g. "Lesson 04 · Frames and opcodes" */
  context: string;
  href: string;
  /** readable text (markdown marks removed) */
  text: string;
  /** lower case, every run of non-alphanumerics one space, padded with spaces */
  normTitle: string;
  normText: string;
  /** the title and, for a glossary term, its other spellings, each normalized */
  normNames: string[];
}

export interface Section {
  /** the heading's slug, '' for the text before the first heading */
  slug: string;
  heading: string;
  text: string;
}

export interface Snippet {
  before: string;
  match: string;
  after: string;
}

export interface Hit {
  doc: SearchDoc;
  score: number;
  snippet: Snippet;
}

export function normalize(s: string): string {
  return ` ${s.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim()} `;
}

/** Markdown to readable text: link targets, emphasis marks, table bars and heading hashes go. */
export function plainText(md: string): string {
  return md
    .replace(/^```.*$/gm, '')
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/^#{1,6}\s+/gm, '')
    .replace(/^\s*\|?[-:| ]+\|[-:| ]*$/gm, '')
    .replace(/[*_`>|]/g, ' ')
    .replace(/[ \t]+/g, ' ')
    .replace(/\n{2,}/g, '\n')
    .trim();
}

function blockText(b: Block): string {
  switch (b.kind) {
    case 'markdown':
      return b.text;
    case 'lab':
      return b.label;
    case 'decode':
      return b.note;
    default:
      return '';
  }
}

/**
 * A lesson cut at its headings (## and ###), each piece with the slug of its heading, in order.
 * The first piece (slug '') is the text before the first heading, often empty. Quizzes are
 * reported with the slug of the section they sit in.
 */
export function lessonSections(lesson: Lesson): { sections: Section[]; quizSection: Map<number, string> } {
  const sections: Section[] = [{ slug: '', heading: lesson.title, text: '' }];
  const quizSection = new Map<number, string>();
  let h = 0;
  const push = (line: string) => {
    const cur = sections[sections.length - 1];
    cur.text += `${line}\n`;
  };
  for (const b of lesson.blocks) {
    if (b.kind === 'quiz') {
      quizSection.set(b.index, sections[sections.length - 1].slug);
      continue;
    }
    const text = blockText(b);
    let fence = false;
    for (const line of text.split('\n')) {
      if (/^(`{3,}|~{3,})/.test(line)) fence = !fence;
      if (!fence && /^(##|###)\s+/.test(line) && h < lesson.headings.length) {
        const heading = lesson.headings[h++];
        sections.push({ slug: heading.slug, heading: heading.text, text: '' });
        continue;
      }
      push(line);
    }
  }
  for (const s of sections) s.text = plainText(s.text);
  return { sections, quizSection };
}

function doc(kind: DocKind, title: string, context: string, href: string, text: string, aka: readonly string[] = []): SearchDoc {
  return { kind, title, context, href, text, normTitle: normalize([title, ...aka].join(' \n ')), normText: normalize(text), normNames: [title, ...aka].map(normalize) };
}

export function buildIndex(lessons: readonly Lesson[], glossary: readonly GlossaryEntry[]): SearchDoc[] {
  const docs: SearchDoc[] = [];
  for (const e of glossary) {
    docs.push(doc('glossary', e.term, `Glossary${e.aka.length ? ` · also ${e.aka.join(', ')}` : ''}`, `/glossary#${e.slug}`, e.definition, e.aka));
  }
  for (const l of lessons) {
    const { sections, quizSection } = lessonSections(l);
    const where = `Lesson ${l.number} · ${l.title}`;
    for (const s of sections) {
      docs.push(doc('lesson', s.slug ? s.heading : l.title, where, s.slug ? `/lessons/${l.id}#${s.slug}` : `/lessons/${l.id}`, s.slug ? s.text : `${l.summary}\n${s.text}`));
    }
    for (const q of quizzesOf(l)) {
      const slug = quizSection.get(q.index) ?? '';
      docs.push(doc('quiz', q.question, `Quiz · ${where}`, slug ? `/lessons/${l.id}#${slug}` : `/lessons/${l.id}`, `${q.choices.join(' · ')} · ${q.explain}`));
    }
  }
  return docs;
}

/** The words of a query, normalized like the documents; at most 8. */
export function queryWords(query: string): string[] {
  return normalize(query).trim().split(' ').filter(Boolean).slice(0, 8);
}

function count(hay: string, needle: string, cap: number): number {
  let n = 0;
  for (let at = hay.indexOf(needle); at !== -1 && n < cap; at = hay.indexOf(needle, at + needle.length)) n++;
  return n;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Up to `radius` characters either side of the first place a word starts in the text. */
export function snippetOf(text: string, words: readonly string[], radius = 70): Snippet {
  const flat = text.replace(/\s+/g, ' ');
  for (const w of words) {
    const m = new RegExp(`(?<![a-z0-9])${escapeRe(w)}`, 'i').exec(flat);
    if (!m) continue;
    const start = Math.max(0, m.index - radius);
    const end = Math.min(flat.length, m.index + w.length + radius);
    return {
      before: (start > 0 ? '…' : '') + flat.slice(start, m.index),
      match: flat.slice(m.index, m.index + w.length),
      after: flat.slice(m.index + w.length, end) + (end < flat.length ? '…' : ''),
    };
  }
  const end = Math.min(flat.length, radius * 2);
  return { before: '', match: '', after: flat.slice(0, end) + (end < flat.length ? '…' : '') };
}

const KIND_ORDER: Record<DocKind, number> = { glossary: 0, lesson: 1, quiz: 2 };

/**
 * The documents holding every word of the query at the start of a word, best first. Scoring:
 * the query equal to a title (a glossary term typed in full) counts most, then each word in the
 * title, then how often each word appears in the body (capped, so long sections do not win by
 * length alone).
 */
export function search(docs: readonly SearchDoc[], query: string, limit = 30): Hit[] {
  const words = queryWords(query);
  if (words.length === 0) return [];
  const phrase = ` ${words.join(' ')} `;
  const hits: Hit[] = [];
  for (const d of docs) {
    let score = 0;
    let all = true;
    for (const w of words) {
      const start = ` ${w}`;
      const inTitle = d.normTitle.includes(start);
      const inText = count(d.normText, start, 5);
      if (!inTitle && inText === 0) {
        all = false;
        break;
      }
      score += (inTitle ? 10 : 0) + (d.normTitle.includes(` ${w} `) ? 5 : 0) + inText;
    }
    if (!all) continue;
    if (d.normNames.includes(phrase)) score += 50;
    else if (d.normTitle.includes(phrase)) score += 15;
    if (d.normText.includes(phrase) && words.length > 1) score += 5;
    hits.push({ doc: d, score, snippet: snippetOf(d.text, words) });
  }
  hits.sort((a, b) => b.score - a.score || KIND_ORDER[a.doc.kind] - KIND_ORDER[b.doc.kind] || a.doc.href.localeCompare(b.doc.href));
  return hits.slice(0, limit);
}
