// Which lessons send the learner to a lab page, and what each wants them to see there: the lab
// page shows these with a link back. Read from the lessons' lab blocks (their `goal`). Pure.
import type { LabBlock, Lesson } from './model.ts';

export interface LabGoal {
  lesson: Lesson;
  /** the lab block's goal, or its label when it has none */
  goal: string;
  /** the heading the lab block sits under, for the link back ('' when it is above every heading) */
  section: string;
}

/** The lessons whose lab blocks open `page` (e.g. "/labs/chat"), in curriculum order; the last visited first. */
export function goalsForLab(lessons: readonly Lesson[], page: string, lastVisited: string | null = null): LabGoal[] {
  const out: LabGoal[] = [];
  for (const lesson of lessons) {
    // the last h2 written before the block is where the link back lands (headings come in order)
    const h2s = lesson.headings.filter((x) => x.depth === 2);
    let seen = 0;
    for (const b of lesson.blocks) {
      if (b.kind === 'markdown') {
        seen += (b.text.replace(/```[\s\S]*?```/g, '').match(/^##\s/gm) ?? []).length;
        continue;
      }
      const section = seen > 0 ? (h2s[seen - 1]?.slug ?? '') : '';
      if (b.kind === 'lab' && b.page === page) {
        const lab = b as LabBlock;
        out.push({ lesson, goal: lab.goal ?? lab.label, section });
      }
    }
  }
  if (lastVisited) {
    const i = out.findIndex((g) => g.lesson.id === lastVisited);
    if (i > 0) out.unshift(...out.splice(i, 1));
  }
  return out;
}

/** The link back to where a lesson sends the learner to the lab. */
export function backHref(g: LabGoal): string {
  return `/lessons/${g.lesson.id}${g.section ? `#${g.section}` : ''}`;
}
