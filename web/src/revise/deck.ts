// The review deck in localStorage, beside the lessons' progress, and the wrong answers that feed it.
import { useSyncExternalStore } from 'react';
import { Stored } from '../lessons/progress.ts';
import { quizzesOf, type Answers, type Lesson } from '../lessons/model.ts';
import { cardKey, enroll, review, sanitizeDeck, type Deck } from './spacing.ts';

const deck = new Stored<Deck>('wslab.revise.deck', sanitizeDeck);

export function readDeck(): Deck {
  return deck.read();
}

export function writeDeck(next: Deck | null): void {
  deck.write(next);
}

export function useDeck(): Deck {
  return useSyncExternalStore(deck.subscribe, deck.read, deck.read);
}

/** The card keys of every quiz whose recorded answer is wrong. */
export function wrongAnswerKeys(lessons: readonly Lesson[], answers: Answers): string[] {
  const keys: string[] = [];
  for (const l of lessons) {
    const mine = answers[l.id] ?? {};
    for (const q of quizzesOf(l)) {
      const a = mine[String(q.index)];
      if (typeof a === 'number' && a !== q.answer) keys.push(cardKey(l.id, q.index));
    }
  }
  return keys;
}

/** Puts newly wrong answers in the deck, due now. */
export function enrollWrong(lessons: readonly Lesson[], answers: Answers, now: number): void {
  const cur = deck.read();
  const next = enroll(cur, wrongAnswerKeys(lessons, answers), now);
  if (next !== cur) deck.write(next);
}

export function answerCard(key: string, correct: boolean, now: number): void {
  const cur = deck.read();
  const card = cur[key];
  if (card) deck.write({ ...cur, [key]: review(card, correct, now) });
}
