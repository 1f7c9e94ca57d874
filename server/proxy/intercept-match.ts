// Intercept rules' patterns, compiled and run with RE2 (re2js: a pure-JavaScript port of RE2).
// Patterns are user input; JavaScript's RegExp backtracks, so `(a+)+$` on a few KiB could hold the
// event loop for longer than the universe has existed. RE2 runs every pattern in time linear in the
// subject (at most MATCH_WINDOW_BYTES of a payload), and refuses what it cannot run that way.
import { RE2JS } from 're2js';
import { patternProblem } from '../core/api/intercept.ts';
import { HttpError } from '../http/json.ts';

export interface RulePattern {
  /** true when the pattern occurs anywhere in `subject` */
  test(subject: string): boolean;
  /** every match in `subject` replaced; `with` expands $&, $1, $<name>, $$ as String.replace does */
  replaceAll(subject: string, replacement: string): string;
}

/** The compiled pattern, or an HttpError 400 with a sentence naming what RE2 refused. */
export function compilePattern(pattern: string): RulePattern {
  const problem = patternProblem(pattern);
  if (problem) throw new HttpError(400, `${problem}.`);
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern);
  } catch (err) {
    const why = (err as Error).message.replace(/^error parsing regexp: /, '');
    throw new HttpError(400, `match is not a pattern RE2 accepts (rules use RE2 syntax, linear-time): ${why}.`);
  }
  return {
    test: (subject) => re.test(subject),
    replaceAll: (subject, replacement) => re.matcher(subject).replaceAll(replacement),
  };
}
