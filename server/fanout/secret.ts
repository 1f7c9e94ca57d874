// The JWT secret a Redis fleet shares. Every node must sign and verify with the same key, or a
// token from one node is refused by the next (4001 "signature does not verify"). The secret never
// goes to Redis: anyone who can read Redis could then mint tokens for any user, and a Redis
// restart would forget it. It comes, in this order, from
//   1. --jwt-secret SECRET
//   2. the environment, WSLAB_JWT_SECRET
//   3. a file in the user's state directory, created once (mode 0600) by the first node that needs
//      it and read by every later node on the machine:
//        $WSLAB_STATE_DIR/jwt-secret, else $XDG_STATE_HOME/wslab/jwt-secret,
//        else ~/.local/state/wslab/jwt-secret
// A node that gets none of these, or one it cannot trust (a file other users can read or write, a
// file that is not its user's, a secret that is too short), refuses to start and says why.
import { randomBytes } from 'node:crypto';
import { chmodSync, linkSync, lstatSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { STATE_DIR_ENV, stateDir } from '../process/state-dir.ts';

export const SECRET_ENV = 'WSLAB_JWT_SECRET';
export const SECRET_FILE = 'jwt-secret';
/** Shortest secret accepted for a fleet: HS256 with fewer bytes is guessable offline. */
export const MIN_SECRET_LENGTH = 16;

/** The refusal: a sentence a person can act on. */
export class FleetSecretError extends Error {}

export interface FleetSecret {
  secret: string;
  source: 'flag' | 'env' | 'file';
  /** the file, when it came from (or was written to) one */
  path: string | null;
  /** true when this node generated the file just now */
  created: boolean;
}

type Env = Record<string, string | undefined>;

function checkLength(secret: string, where: string): string {
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new FleetSecretError(`the JWT secret from ${where} is ${secret.length} characters; a fleet needs at least ${MIN_SECRET_LENGTH} (generate one with: openssl rand -base64 32)`);
  }
  return secret;
}

/**
 * The fleet's secret: `flag`, else `env[WSLAB_JWT_SECRET]`, else the state file (created when
 * missing). Throws FleetSecretError with the reason when none can be had or trusted.
 */
export function resolveFleetSecret(options: { flag?: string | null; env?: Env; dir?: string } = {}): FleetSecret {
  const env = options.env ?? process.env;
  if (options.flag != null) return { secret: checkLength(options.flag, '--jwt-secret'), source: 'flag', path: null, created: false };
  const fromEnv = env[SECRET_ENV];
  if (fromEnv) return { secret: checkLength(fromEnv, SECRET_ENV), source: 'env', path: null, created: false };
  const dir = options.dir ?? stateDir(env);
  const path = join(dir, SECRET_FILE);
  const existing = readSecretFile(path);
  if (existing !== null) return { secret: existing, source: 'file', path, created: false };
  return createSecretFile(dir, path);
}

const uid = typeof process.getuid === 'function' ? process.getuid() : null;

/** The secret in `path`, null when there is no such file; throws when it is there and not to be trusted. */
function readSecretFile(path: string): string | null {
  let st;
  try {
    st = lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new FleetSecretError(`cannot read the fleet's JWT secret file ${path}: ${(err as Error).message}; set ${STATE_DIR_ENV}, or give --jwt-secret`);
  }
  if (!st.isFile()) throw new FleetSecretError(`the fleet's JWT secret file ${path} is not a regular file (a link or a directory is not trusted); remove it or give --jwt-secret`);
  if (uid !== null && st.uid !== uid) throw new FleetSecretError(`the fleet's JWT secret file ${path} belongs to user ${st.uid}, not to you (${uid}); remove it or give --jwt-secret`);
  const mode = st.mode & 0o777;
  if (mode & 0o077) {
    throw new FleetSecretError(`the fleet's JWT secret file ${path} has mode ${mode.toString(8).padStart(4, '0')}, so other users can read or change it; run chmod 600 ${path}`);
  }
  let text;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch (err) {
    throw new FleetSecretError(`cannot read the fleet's JWT secret file ${path}: ${(err as Error).message}`);
  }
  return checkLength(text, path);
}

/**
 * Writes a new secret so that nodes starting at the same moment still agree: the secret goes to a
 * private temporary file first, which is then hard-linked to the final name. link() fails when the
 * name exists, so exactly one node's secret wins and every other node reads that one.
 */
function createSecretFile(dir: string, path: string): FleetSecret {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new FleetSecretError(`cannot create the state directory ${dir} for the fleet's JWT secret: ${(err as Error).message}; set ${STATE_DIR_ENV}, or give --jwt-secret`);
  }
  const secret = randomBytes(32).toString('base64url');
  const tmp = join(dir, `.${SECRET_FILE}.${process.pid}.${randomBytes(4).toString('hex')}`);
  let created = false;
  try {
    writeFileSync(tmp, secret + '\n', { mode: 0o600, flag: 'wx' });
    chmodSync(tmp, 0o600); // whatever the umask
    try {
      linkSync(tmp, path);
      created = true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  } catch (err) {
    throw new FleetSecretError(`cannot write the fleet's JWT secret to ${path}: ${(err as Error).message}; set ${STATE_DIR_ENV}, or give --jwt-secret`);
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
  }
  if (created) return { secret, source: 'file', path, created: true };
  const theirs = readSecretFile(path); // another node was first
  if (theirs === null) throw new FleetSecretError(`the fleet's JWT secret file ${path} vanished while it was being read; start again`);
  return { secret: theirs, source: 'file', path, created: false };
}

/** One line for the start banner: where the secret came from, never the secret. */
export function describeFleetSecret(s: FleetSecret): string {
  if (s.source === 'flag') return 'JWT secret: from --jwt-secret';
  if (s.source === 'env') return `JWT secret: from ${SECRET_ENV}`;
  return `JWT secret: ${s.created ? 'generated and written to' : 'read from'} ${s.path} (every node on this machine reads it; copy it to other machines of the fleet)`;
}
