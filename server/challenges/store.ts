// Challenge progress on disk, so a restart does not forget who solved what: challenges.json in
// the state directory (server/process/state-dir.ts), mode 0600.
//
// Learners are keyed by a hash, never by their id: the id is the learner's wslab_session cookie
// (or the ?session= their page copies it into), and the cookie is what authorises acting as them,
// so a copy of the file must not let anyone do that. The hash is an HMAC under a random salt kept
// in the file. Only solved challenges are kept (a watcher's notes on a half-done attempt are not).
//
// Bounded: the tracker's learner cap (least recently seen dropped), and a file over
// MAX_FILE_BYTES is not read. Written at most once per `delayMs` after a solve, to a temporary
// file then renamed over the old one, so a crash leaves the old file or the new, never half of
// one. A file that cannot be read or trusted is reported in one sentence on stderr, set aside as
// challenges.json.bad, and progress starts empty; a write that fails is reported and retried at
// the next solve. Neither ends the process.
import { createHmac, randomBytes } from 'node:crypto';
import { lstatSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

export const PROGRESS_FILE = 'challenges.json';
/** A file larger than this is not read (2,000 learners with all 25 challenges solved take 1.6 MB). */
export const MAX_FILE_BYTES = 8 * 1024 * 1024;
/** How long after a solve the file is written (more solves in the meantime join the same write). */
export const SAVE_DELAY_MS = 1000;

const KEY_RE = /^[A-Za-z0-9_-]{22}$/;

const FileSchema = z.object({
  version: z.literal(1),
  salt: z.string().regex(/^[A-Za-z0-9_-]{22,86}$/),
  learners: z.array(
    z.object({
      key: z.string().regex(KEY_RE),
      seen: z.number().int().nonnegative(),
      solved: z.record(z.string().max(64), z.number().int().nonnegative()),
    }),
  ),
});

/** One learner as kept on disk; `learners` are listed least recently seen first. */
export interface StoredLearner {
  key: string;
  /** ms since 1970 when the learner was last seen */
  seen: number;
  /** challenge id → when it was solved, ms since 1970 */
  solved: Record<string, number>;
}

export interface ProgressStoreOptions {
  /** the state directory; the file is DIR/challenges.json */
  dir: string;
  delayMs?: number;
  /** where a problem is said, one sentence (default: stderr, prefixed "wslab: ") */
  report?: (sentence: string) => void;
}

export class ProgressStore {
  readonly path: string;
  private salt = randomBytes(16).toString('base64url');
  private readonly delayMs: number;
  private readonly report: (sentence: string) => void;
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> | null = null;
  private snapshot: (() => StoredLearner[]) | null = null;
  /** the last write failed (said once until a write succeeds again) */
  private failing = false;

  constructor(options: ProgressStoreOptions) {
    this.path = join(options.dir, PROGRESS_FILE);
    this.delayMs = options.delayMs ?? SAVE_DELAY_MS;
    this.report = options.report ?? ((s) => process.stderr.write(`wslab: ${s}\n`));
  }

  /** The hash a learner id is kept under. */
  hash(id: string): string {
    return createHmac('sha256', this.salt).update(id, 'utf8').digest('base64url').slice(0, 22);
  }

  /**
   * The learners in the file, least recently seen first, at most `maxLearners` (the most recent).
   * A missing file is an empty list; one that cannot be read or trusted is said, set aside and
   * also an empty list.
   */
  load(maxLearners: number): StoredLearner[] {
    let st;
    try {
      st = lstatSync(this.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      this.report(`cannot read the challenge progress in ${this.path} (${(err as Error).message}), so every learner starts afresh.`);
      return [];
    }
    let problem: string | null = null;
    let learners: StoredLearner[] = [];
    if (!st.isFile()) problem = 'it is not a regular file';
    else if (st.size > MAX_FILE_BYTES) problem = `it is ${st.size} bytes, more than the ${MAX_FILE_BYTES} a progress file may be`;
    else {
      try {
        const parsed = FileSchema.safeParse(JSON.parse(readFileSync(this.path, 'utf8')));
        if (parsed.success) {
          this.salt = parsed.data.salt;
          learners = parsed.data.learners.slice(-maxLearners);
        } else problem = `it is not a progress file: ${parsed.error.issues[0].path.join('.') || 'the top'}: ${parsed.error.issues[0].message}`;
      } catch (err) {
        problem = `it is not valid JSON (${(err as Error).message})`;
      }
    }
    if (problem === null) return learners;
    let aside = '';
    try {
      renameSync(this.path, `${this.path}.bad`);
      aside = ` (set aside as ${PROGRESS_FILE}.bad)`;
    } catch {
      // left where it is: the next write replaces it
    }
    this.report(`ignored the challenge progress in ${this.path}${aside} because ${problem}, so every learner starts afresh.`);
    return [];
  }

  /** Writes `snapshot()` within delayMs (solves meanwhile join the same write). */
  changed(snapshot: () => StoredLearner[]): void {
    this.snapshot = snapshot;
    if (this.timer || this.writing) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.write();
    }, this.delayMs);
    this.timer.unref();
  }

  /** Writes what changed now, and waits for it (and any write under way). */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    while (this.writing) await this.writing;
    if (this.snapshot) await this.write();
  }

  private write(): Promise<void> {
    const snapshot = this.snapshot;
    if (!snapshot || this.writing) return this.writing ?? Promise.resolve();
    this.snapshot = null;
    this.writing = this.save(snapshot()).finally(() => {
      this.writing = null;
      // a solve during the write: write again, after the usual delay
      if (this.snapshot) this.changed(this.snapshot);
    });
    return this.writing;
  }

  private async save(learners: StoredLearner[]): Promise<void> {
    const text = JSON.stringify({ version: 1, salt: this.salt, learners });
    const dir = join(this.path, '..');
    const temp = `${this.path}.${process.pid}.tmp`;
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const file = await open(temp, 'w', 0o600);
      try {
        await file.chmod(0o600);
        await file.writeFile(text, 'utf8');
        await file.datasync();
      } finally {
        await file.close();
      }
      await rename(temp, this.path);
      this.failing = false;
    } catch (err) {
      if (!this.failing) this.report(`cannot save the challenge progress to ${this.path} (${(err as Error).message}); it is kept in memory and saved again at the next solve.`);
      this.failing = true;
    }
  }
}
