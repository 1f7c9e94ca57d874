// One answer for every error an API handler throws. An error that carries its status (a numeric
// `status` from 400 to 599: HttpError, LinkError, SimError, a 503 for a spent limit, ...) is
// answered with it and its sentence; a request body that fails its schema is a 400 that names the
// field; anything else is a bug: 500, and logged with its stack so it can be fixed.
import type { ServerResponse } from 'node:http';
import { ZodError } from 'zod';
import { sendJson } from './json.ts';

/** The status an error was thrown with on purpose, or null when it carries none. */
function chosenStatus(err: unknown): number | null {
  const status = (err as { status?: unknown } | null)?.status;
  return typeof status === 'number' && Number.isInteger(status) && status >= 400 && status <= 599 ? status : null;
}

/** "count: must be at most 5000" from a schema failure (the first issue is enough to act on). */
function schemaSentence(err: ZodError): string {
  const issue = err.issues[0];
  if (!issue) return 'the request body does not match its schema';
  const path = issue.path.map(String).join('.');
  return path && !issue.message.startsWith(path) ? `${path}: ${issue.message}` : issue.message;
}

let log: (line: string) => void = (line) => console.error(line);

/** Where unexpected errors are logged (the CLI's log; tests collect them). */
export function setErrorLog(next: (line: string) => void): void {
  log = next;
}

/** The status and sentence an error is answered with; unexpected errors are logged once here. */
export function answerFor(err: unknown, where: string): { status: number; message: string } {
  if (err instanceof ZodError) return { status: 400, message: schemaSentence(err) };
  const status = chosenStatus(err);
  if (status !== null) return { status, message: (err as Error).message };
  log(`wslab: internal error in ${where}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  return { status: 500, message: `internal error in ${where}; the server logged it` };
}

/** Answers an error as `{"error": sentence}`, or ends the response if one was already started. */
export function sendError(res: ServerResponse, err: unknown, where: string): void {
  const { status, message } = answerFor(err, where);
  if (!res.headersSent) sendJson(res, status, { error: message });
  else res.destroy();
}
