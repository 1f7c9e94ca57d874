// The curriculum in parts, and where the learner left off. Parts name lessons by id, so a lesson
// renumbered keeps its part; a lesson no part names still shows, under "More lessons" (the unit
// tests make sure every lesson is placed). Pure: no DOM, no React.
import type { Lesson } from './model.ts';

export interface Part {
  title: string;
  blurb: string;
  lessons: string[];
}

export const PARTS: readonly Part[] = [
  {
    title: 'Part 1 · Opening a connection',
    blurb: 'Why plain HTTP strains at live updates, how one request becomes a socket, and what that socket costs the server.',
    lessons: ['why-http-struggles', 'handshake', 'stateful-connections'],
  },
  {
    title: 'Part 2 · Watching a socket',
    blurb: 'The states a socket passes through and the events each end sees, then the tools that let you watch and poke one by hand.',
    lessons: ['lifecycle', 'testing'],
  },
  {
    title: 'Part 3 · On the wire',
    blurb: 'Frames bit by bit, then text against binary against compressed.',
    lessons: ['frames-and-opcodes', 'data-types'],
  },
  {
    title: 'Part 4 · Keeping it healthy',
    blurb: 'Finding peers that vanished without a word, and not drowning a slow reader.',
    lessons: ['ghosts-and-heartbeats', 'backpressure'],
  },
  {
    title: 'Part 5 · Building an application',
    blurb: 'Shaping messages, knowing who sent them, then choosing who receives them.',
    lessons: ['message-design', 'authentication', 'delivery-patterns'],
  },
  {
    title: 'Part 6 · Many servers, absent users',
    blurb: 'A fleet with a broker in the middle, and messages for people who are offline.',
    lessons: ['scaling', 'offline-and-reconnects'],
  },
  {
    title: 'Part 7 · Tools and alternatives',
    blurb: 'What to build on, and when something else fits better.',
    lessons: ['choosing-tools', 'beyond-websockets'],
  },
  {
    title: 'Part 8 · The whole story',
    blurb: 'One connection from upgrade to cleanup, every step run live and drawn from the event stream.',
    lessons: ['capstone'],
  },
];

export interface LessonGroup {
  title: string;
  blurb: string;
  lessons: Lesson[];
}

/** The lessons grouped as PARTS says, each part in curriculum order; unplaced lessons last. */
export function groupIntoParts(lessons: readonly Lesson[], parts: readonly Part[] = PARTS): LessonGroup[] {
  const placed = new Set<string>();
  const groups: LessonGroup[] = [];
  for (const p of parts) {
    const mine = lessons.filter((l) => p.lessons.includes(l.id) && !placed.has(l.id));
    for (const l of mine) placed.add(l.id);
    if (mine.length) groups.push({ title: p.title, blurb: p.blurb, lessons: mine });
  }
  const rest = lessons.filter((l) => !placed.has(l.id));
  if (rest.length) groups.push({ title: 'More lessons', blurb: 'Lessons added since the parts were drawn up.', lessons: rest });
  return groups;
}

/** The last lesson the learner read, and the last section heading they scrolled past. */
export interface Visit {
  lesson: string;
  /** a heading slug of that lesson, '' for its top */
  section: string;
  /** epoch ms */
  at: number;
}

/** A visit read back from storage or a file, or a sentence saying what is wrong with it. */
export function checkVisit(v: unknown): Visit | string {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return 'must be an object with lesson, section and at';
  const o = v as Record<string, unknown>;
  if (typeof o.lesson !== 'string' || !/^[a-z0-9]+(-[a-z0-9]+)*$/.test(o.lesson)) return 'lesson must be a lesson id';
  if (typeof o.section !== 'string' || !/^[a-z0-9-]{0,200}$/.test(o.section)) return 'section must be a heading slug or ""';
  if (typeof o.at !== 'number' || !Number.isInteger(o.at) || o.at < 0 || o.at > 8.64e15) return 'at must be a time in milliseconds since 1970';
  return { lesson: o.lesson, section: o.section, at: o.at };
}

/** Reads the stored record `{ visit }` defensively: anything malformed reads as no visit. */
export function sanitizeVisit(stored: unknown): { visit: Visit | null } {
  const c = checkVisit(stored && typeof stored === 'object' ? (stored as { visit?: unknown }).visit : undefined);
  return { visit: typeof c === 'string' ? null : c };
}

export interface Continue {
  lesson: Lesson;
  /** the heading to jump to, when it still exists */
  section: { slug: string; text: string } | null;
  href: string;
}

/** Where "continue where you left off" leads: the visited lesson at its section, or null. */
export function continueFrom(lessons: readonly Lesson[], visit: Visit | null): Continue | null {
  if (!visit) return null;
  const lesson = lessons.find((l) => l.id === visit.lesson);
  if (!lesson) return null;
  const h = visit.section ? lesson.headings.find((x) => x.slug === visit.section) : undefined;
  const section = h ? { slug: h.slug, text: h.text } : null;
  return { lesson, section, href: section ? `/lessons/${lesson.id}#${section.slug}` : `/lessons/${lesson.id}` };
}
