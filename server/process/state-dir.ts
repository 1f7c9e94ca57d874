// Where wslab keeps what must outlive a process on this machine: the fleet's JWT secret
// (server/fanout/secret.ts) and the learners' challenge progress (server/challenges/store.ts).
import { homedir } from 'node:os';
import { join } from 'node:path';

export const STATE_DIR_ENV = 'WSLAB_STATE_DIR';

type Env = Record<string, string | undefined>;

/** $WSLAB_STATE_DIR, else $XDG_STATE_HOME/wslab, else ~/.local/state/wslab. */
export function stateDir(env: Env = process.env): string {
  if (env[STATE_DIR_ENV]) return env[STATE_DIR_ENV]!;
  if (env.XDG_STATE_HOME) return join(env.XDG_STATE_HOME, 'wslab');
  return join(homedir(), '.local', 'state', 'wslab');
}
