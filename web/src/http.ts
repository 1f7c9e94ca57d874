// The one way the web app calls the server's HTTP API: JSON in, JSON out, and errors as values
// carrying the server's own sentence (every wslab API answers errors as {"error": "..."}).
// In the presenter's tab of a workshop, calls to the lab APIs carry the presenter key, so the
// presenter's labs may change the whole room (server/http/presenter-guard.ts); nobody else's do.
import { presenterKey } from './workshop/key.ts';

export type Result<T> = { ok: true; value: T } | { ok: false; error: string; status: number };

export async function apiCall<T>(
  method: string,
  path: string,
  body?: unknown,
  credentials: RequestCredentials = 'same-origin',
  headers: Record<string, string> = {},
): Promise<Result<T>> {
  const given = Object.keys(headers).some((name) => name.toLowerCase() === 'authorization');
  const key = path.startsWith('/__wslab/') && !given ? presenterKey() : null;
  if (key) headers = { ...headers, authorization: `Bearer ${key}` };
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    return { ok: false, status: 0, error: `the server did not answer (${(err as Error).message})` };
  }
  let data: unknown = null;
  try {
    data = await res.json();
  } catch {
    // not JSON
  }
  if (!res.ok) {
    const error = data && typeof data === 'object' && 'error' in data ? String((data as { error: unknown }).error) : `HTTP ${res.status}`;
    return { ok: false, status: res.status, error };
  }
  return { ok: true, value: data as T };
}
