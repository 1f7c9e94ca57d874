// The learner's code for each exercise, kept in localStorage so a reload (or coming back next
// week) finds it where they left it. Code equal to the starter is not stored.

const key = (exerciseId: string) => `wslab.exercise.${exerciseId}.code`;

export function loadCode(exerciseId: string, starter: string): string {
  try {
    return localStorage.getItem(key(exerciseId)) ?? starter;
  } catch {
    return starter;
  }
}

export function saveCode(exerciseId: string, code: string, starter: string): void {
  try {
    if (code === starter) localStorage.removeItem(key(exerciseId));
    else localStorage.setItem(key(exerciseId), code);
  } catch {
    // storage unavailable (private mode, full): the code lives until the page is closed
  }
}
