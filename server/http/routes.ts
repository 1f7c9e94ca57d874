// One route table for the server's HTTP API. A route is a method, a path with `:name` segments and
// a handler; the table answers 405 (with Allow) when the path exists under other methods, and lets
// the caller answer 404 when no path matches. Handler errors go to sendError: one rule for statuses.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from './json.ts';
import { sendError } from './errors.ts';

export type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** the `:name` segments of the path */
  params: Record<string, string>;
}

export interface Route {
  method: Method | readonly Method[];
  /** e.g. "/__wslab/puppets/:id/:action" */
  path: string;
  handle(ctx: RouteContext): unknown;
}

interface Compiled {
  methods: readonly Method[];
  segments: string[];
  route: Route;
}

function match(segments: string[], parts: string[]): Record<string, string> | null {
  if (segments.length !== parts.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i]!;
    if (s.startsWith(':')) {
      if (parts[i] === '') return null;
      params[s.slice(1)] = decodeURIComponent(parts[i]!);
    } else if (s !== parts[i]) return null;
  }
  return params;
}

export interface Router {
  /** Answers the request and returns true, or returns false when no route has its path. */
  dispatch(req: IncomingMessage, res: ServerResponse, url: URL): boolean;
  /** Every route, for the API list and tests. */
  readonly routes: readonly Route[];
}

export function createRouter(routes: readonly Route[]): Router {
  const compiled: Compiled[] = routes.map((route) => ({
    methods: typeof route.method === 'string' ? [route.method] : route.method,
    segments: route.path.split('/'),
    route,
  }));
  return {
    routes,
    dispatch(req, res, url) {
      const parts = url.pathname.split('/');
      const allowed = new Set<Method>();
      for (const c of compiled) {
        let params: Record<string, string> | null;
        try {
          params = match(c.segments, parts);
        } catch {
          continue; // a malformed %-escape matches no route
        }
        if (!params) continue;
        if (!c.methods.includes(req.method as Method)) {
          for (const m of c.methods) allowed.add(m);
          continue;
        }
        const where = `${req.method} ${c.route.path}`;
        try {
          Promise.resolve(c.route.handle({ req, res, url, params })).catch((err: unknown) => sendError(res, err, where));
        } catch (err) {
          sendError(res, err, where);
        }
        return true;
      }
      if (allowed.size === 0) return false;
      const allow = [...allowed].join(', ');
      sendJson(res, 405, { error: `${url.pathname} answers ${allow}, not ${req.method}` }, { Allow: allow });
      return true;
    },
  };
}
