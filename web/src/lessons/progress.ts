// The learner's progress, remembered in localStorage so /lessons can show it: quiz answers and
// passed coding exercises, each under its own key, each read back through its sanitizer.
import { useSyncExternalStore } from 'react';
import { sanitizeAnswers, sanitizePassed, type Answers, type Passed } from './model.ts';

/** One JSON record in localStorage that components can subscribe to. */
export class Stored<T extends object> {
  private cache: T | null = null;
  private readonly listeners = new Set<() => void>();
  constructor(
    readonly key: string,
    private readonly sanitize: (v: unknown) => T,
  ) {}

  read = (): T => {
    if (this.cache) return this.cache;
    try {
      this.cache = this.sanitize(JSON.parse(localStorage.getItem(this.key) ?? '{}'));
    } catch {
      this.cache = this.sanitize({});
    }
    return this.cache;
  };

  write(next: T | null): void {
    this.cache = next ?? this.sanitize({});
    try {
      if (next) localStorage.setItem(this.key, JSON.stringify(next));
      else localStorage.removeItem(this.key);
    } catch {
      // storage unavailable: it still counts for this visit
    }
    for (const l of this.listeners) l();
  }

  subscribe = (l: () => void): (() => void) => {
    this.listeners.add(l);
    const onStorage = (e: StorageEvent) => {
      if (e.key === this.key) {
        this.cache = null;
        l();
      }
    };
    window.addEventListener('storage', onStorage);
    return () => {
      this.listeners.delete(l);
      window.removeEventListener('storage', onStorage);
    };
  };
}

const answers = new Stored<Answers>('wslab.lessons.answers', sanitizeAnswers);
const passed = new Stored<Passed>('wslab.lessons.exercises', sanitizePassed);

export function recordAnswer(lessonId: string, quizIndex: number, choice: number): void {
  const cur = answers.read();
  answers.write({ ...cur, [lessonId]: { ...(cur[lessonId] ?? {}), [String(quizIndex)]: choice } });
}

export function recordPassed(exerciseId: string): void {
  const cur = passed.read();
  if (cur[exerciseId] !== true) passed.write({ ...cur, [exerciseId]: true });
}

/** Forgets quiz answers and passed exercises (the exercises' code stays in its editor). */
export function resetAnswers(): void {
  answers.write(null);
  passed.write(null);
}

export function useAnswers(): Answers {
  return useSyncExternalStore(answers.subscribe, answers.read, answers.read);
}

export function usePassed(): Passed {
  return useSyncExternalStore(passed.subscribe, passed.read, passed.read);
}

/** Replaces quiz answers and passed exercises at once (restoring progress from a file). */
export function replaceProgress(next: { answers: Answers; exercises: Passed }): void {
  answers.write(next.answers);
  passed.write(next.exercises);
}
