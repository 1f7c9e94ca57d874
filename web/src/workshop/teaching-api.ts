// The room quiz and follow-me API (server/workshop/quiz.ts, follow.ts) as typed fetch calls. In the
// presenter's tab apiCall adds the presenter key; a participant's tab has none, and the server
// refuses them the presenter's calls.
import { apiCall as call } from '../http.ts';

export interface QuizView {
  id: string;
  question: string;
  choices: string[];
  source: string | null;
  counts: number[];
  answered: number;
  participants: number;
  revealed: boolean;
  correct: number | null;
}

export interface RoomLocation {
  path: string;
  label: string;
}

export const getQuiz = () => call<{ quiz: QuizView | null; yours: number | null }>('GET', '/__wslab/workshop/quiz');
export const askQuiz = (body: { question: string; choices: string[]; answer: number; source?: string | null }) => call<{ id: string }>('POST', '/__wslab/workshop/quiz', body);
export const answerQuiz = (quiz: string, choice: number) => call<{ choice: number; counted: boolean }>('POST', '/__wslab/workshop/quiz/answer', { quiz, choice });
export const revealQuiz = () => call<{ id: string; correct: number; counts: number[] }>('POST', '/__wslab/workshop/quiz/reveal', {});
export const endQuiz = () => call<{ ended: true }>('POST', '/__wslab/workshop/quiz/end', {});
export const getFollow = () => call<RoomLocation | { path: null }>('GET', '/__wslab/workshop/follow');
export const moveRoom = (path: string, label: string) => call<RoomLocation>('POST', '/__wslab/workshop/follow', { path, label });
