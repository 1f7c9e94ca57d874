// Type-based routing: one handler per envelope type, chosen by a table lookup instead of a growing
// switch. Pure. The lesson "Message design" shows this file; the chat lab uses it.
//
//   const route = createRouter<Ctx>()({ join: (m, ctx) => ..., chat: (m, ctx) => ... });
//   await route(message, ctx);
//
// The handler table must cover every type (the compiler checks it), and each handler receives the
// message already narrowed to its type.

export interface Routable {
  type: string;
}

export type Handlers<M extends Routable, C, R> = {
  [K in M['type']]: (message: Extract<M, { type: K }>, ctx: C) => R;
};

export class UnknownTypeError extends Error {
  constructor(readonly type: string) {
    super(`no handler for type "${type}"`);
  }
}

/** Builds a router from a complete handler table. */
export function createRouter<M extends Routable, C, R = void>(handlers: Handlers<M, C, R>): (message: M, ctx: C) => R {
  const table = new Map<string, (m: M, c: C) => R>(Object.entries(handlers) as [string, (m: M, c: C) => R][]);
  return (message, ctx) => {
    const handler = table.get(message.type);
    if (!handler) throw new UnknownTypeError(message.type);
    return handler(message, ctx);
  };
}
