// The presenter's teaching tools in a workshop room: the live quiz (quiz.ts) and follow-me
// (follow.ts). Without --workshop their routes answer 404 with how to turn the mode on.
import type { EventBus } from '../stream/bus.ts';
import type { WorkshopRoom } from './room.ts';
import { presenterGuard } from '../http/presenter-guard.ts';
import { sendJson } from '../http/json.ts';
import type { Route } from '../http/routes.ts';
import { RoomQuiz, quizRoutes } from './quiz.ts';
import { RoomFollow, followRoutes } from './follow.ts';
import { WORKSHOP_OFF } from './api.ts';

export interface Teaching {
  quiz: RoomQuiz | null;
  follow: RoomFollow | null;
  routes: Route[];
  close(): void;
}

export function roomTeaching(bus: EventBus, room: WorkshopRoom | null, presenterKey: string | null): Teaching {
  if (!room || !presenterKey) {
    const off = (r: Route): Route => ({ ...r, handle: ({ res }) => sendJson(res, 404, { error: WORKSHOP_OFF, enabled: false }) });
    const guard = () => true;
    const quiz = new RoomQuiz(bus, null as unknown as WorkshopRoom);
    return { quiz: null, follow: null, routes: [...quizRoutes(quiz, guard), ...followRoutes(new RoomFollow(bus), guard)].map(off), close: () => {} };
  }
  const guard = presenterGuard(presenterKey);
  const quiz = new RoomQuiz(bus, room);
  const follow = new RoomFollow(bus);
  return { quiz, follow, routes: [...quizRoutes(quiz, guard), ...followRoutes(follow, guard)], close: () => quiz.close() };
}
