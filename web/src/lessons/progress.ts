// The learner's quiz answers, remembered in localStorage so /lessons can show progress.
import { useSyncExternalStore } from 'react';
import { sanitizeAnswers, type Answers } from './model.ts';

const KEY = 'wslab.lessons.answers';
const listeners = new Set<() => void>();
let cache: Answers | null = null;

function read(): Answers {
  if (cache) return cache;
  try {
    cache = sanitizeAnswers(JSON.parse(localStorage.getItem(KEY) ?? '{}'));
  } catch {
    cache = {};
  }
  return cache;
}

export function recordAnswer(lessonId: string, quizIndex: number, choice: number): void {
  const cur = read();
  cache = { ...cur, [lessonId]: { ...(cur[lessonId] ?? {}), [String(quizIndex)]: choice } };
  try {
    localStorage.setItem(KEY, JSON.stringify(cache));
  } catch {
    // storage unavailable: the answer still counts for this visit
  }
  for (const l of listeners) l();
}

export function resetAnswers(): void {
  cache = {};
  try {
    localStorage.removeItem(KEY);
  } catch {
    // ignore
  }
  for (const l of listeners) l();
}

function subscribe(l: () => void): () => void {
  listeners.add(l);
  const onStorage = (e: StorageEvent) => {
    if (e.key === KEY) {
      cache = null;
      l();
    }
  };
  window.addEventListener('storage', onStorage);
  return () => {
    listeners.delete(l);
    window.removeEventListener('storage', onStorage);
  };
}

export function useAnswers(): Answers {
  return useSyncExternalStore(subscribe, read, read);
}
