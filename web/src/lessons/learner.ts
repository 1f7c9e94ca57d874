// The learner's id: 16 random hex digits kept in localStorage, so a quiz's shuffled choices stay
// in the same order on every visit (and differ from the next learner's). Nothing else is in it;
// it never leaves the browser.
import { isLearnerId, newLearnerId } from './quiz.ts';

const KEY = 'wslab.learner';
let cached: string | null = null;

export function learnerId(): string {
  if (cached) return cached;
  try {
    const stored = localStorage.getItem(KEY);
    if (isLearnerId(stored)) return (cached = stored);
  } catch {
    // storage unavailable: a fresh id for this visit
  }
  cached = newLearnerId(crypto.getRandomValues(new Uint8Array(8)));
  try {
    localStorage.setItem(KEY, cached);
  } catch {
    // it still holds for this visit
  }
  return cached;
}
