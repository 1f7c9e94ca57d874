// The challenges as the page shows them: the shared definitions (server/core/challenges) joined
// with the learner's progress from GET /__wslab/challenges, grouped by lesson. Pure.
import { CHALLENGES } from '../../../server/core/challenges/list.ts';
import type { Challenge, ChallengeStatus } from '../../../server/core/challenges/types.ts';

export const SESSION_RE = /^[A-Za-z0-9_-]{1,64}$/;

export interface ChallengeView extends Challenge {
  solved: boolean;
  solvedAt: number | null;
}

/** Every challenge with its solved state (unsolved where the server did not answer for it). */
export function joinStatus(statuses: readonly ChallengeStatus[] | null, challenges: readonly Challenge[] = CHALLENGES): ChallengeView[] {
  const byId = new Map((statuses ?? []).map((s) => [s.id, s]));
  return challenges.map((c) => ({ ...c, solved: byId.get(c.id)?.solved ?? false, solvedAt: byId.get(c.id)?.solvedAt ?? null }));
}

export interface LessonGroup {
  lesson: string;
  challenges: ChallengeView[];
  solved: number;
}

/** Challenges grouped by lesson, in the order of `lessonOrder` (lessons without challenges left out). */
export function groupByLesson(views: readonly ChallengeView[], lessonOrder: readonly string[]): LessonGroup[] {
  const groups: LessonGroup[] = [];
  for (const lesson of lessonOrder) {
    const challenges = views.filter((v) => v.lesson === lesson);
    if (challenges.length) groups.push({ lesson, challenges, solved: challenges.filter((c) => c.solved).length });
  }
  return groups;
}

export function progress(views: readonly ChallengeView[]): { solved: number; total: number } {
  return { solved: views.filter((v) => v.solved).length, total: views.length };
}
