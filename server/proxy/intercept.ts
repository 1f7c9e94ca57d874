// Intercept rules and held messages for `wslab proxy`: the rules in force, which one a message
// meets, what it becomes, and the messages held for a person to edit, forward or drop. Every store
// is bounded (server/core/api/intercept.ts); a pattern runs on RE2 (linear time, intercept-match.ts)
// and sees at most MATCH_WINDOW_BYTES of a payload.
import {
  MATCH_WINDOW_BYTES,
  MAX_HELD,
  MAX_HELD_BYTES,
  MAX_RULES,
  type HeldMessage,
  type InterceptRule,
  type InterceptRuleRequest,
} from '../core/api/intercept.ts';
import { HttpError } from '../http/json.ts';
import { compilePattern, type RulePattern } from './intercept-match.ts';

type Dir = 'c2s' | 's2c';

interface CompiledRule {
  rule: InterceptRule;
  re: RulePattern;
}

/** What a message becomes under the first rule that matches it. */
export type Verdict =
  | { kind: 'pass' }
  | { kind: 'drop'; rule: string }
  | { kind: 'send'; rule: string; data: Buffer; binary: boolean }
  | { kind: 'delay'; rule: string; ms: number }
  | { kind: 'hold'; rule: string };

interface HeldEntry {
  message: HeldMessage;
  data: Buffer;
  settle: (outcome: { forward: true; data: Buffer; binary: boolean } | { forward: false }) => void;
}

export class InterceptRules {
  private readonly rules: CompiledRule[] = [];
  private nextRule = 1;
  private readonly held = new Map<string, HeldEntry>();
  private heldBytes = 0;
  private nextHeld = 1;
  /** told when rules are added or removed, when a rule hits, and when the held queue changes */
  private readonly listeners = new Set<() => void>();

  /** True while at least one rule is in force: new proxied connections are then carried as two sessions. */
  get active(): boolean {
    return this.rules.length > 0;
  }

  list(): InterceptRule[] {
    return this.rules.map((c) => ({ ...c.rule }));
  }

  add(request: InterceptRuleRequest): InterceptRule {
    if (this.rules.length >= MAX_RULES) throw new HttpError(409, `There are already ${MAX_RULES} intercept rules, the most allowed; delete one first.`);
    const re = compilePattern(request.match);
    const rule: InterceptRule = { ...request, id: `r${this.nextRule++}`, hits: 0 };
    this.rules.push({ rule, re });
    this.changed();
    return { ...rule };
  }

  remove(id: string): boolean {
    const i = this.rules.findIndex((c) => c.rule.id === id);
    if (i < 0) return false;
    this.rules.splice(i, 1);
    this.changed();
    return true;
  }

  /** The first rule for `dir` whose opcode and pattern match, and what it does to the message. */
  judge(dir: Dir, data: Buffer, binary: boolean): Verdict {
    if (this.rules.length === 0) return { kind: 'pass' };
    const opcode = binary ? 2 : 1;
    const window = data.subarray(0, MATCH_WINDOW_BYTES);
    let text: string | null = null;
    let hex: string | null = null;
    for (const { rule, re } of this.rules) {
      if (rule.dir !== dir || (rule.opcode !== undefined && rule.opcode !== opcode)) continue;
      const subject = rule.hex ? (hex ??= window.toString('hex')) : (text ??= window.toString(binary ? 'latin1' : 'utf8'));
      if (!re.test(subject)) continue;
      rule.hits++;
      this.changed();
      switch (rule.action) {
        case 'drop':
          return { kind: 'drop', rule: rule.id };
        case 'delay':
          return { kind: 'delay', rule: rule.id, ms: rule.ms ?? 0 };
        case 'hold':
          return { kind: 'hold', rule: rule.id };
        case 'replace': {
          if (rule.hex) return { kind: 'send', rule: rule.id, data: Buffer.from((rule.with ?? '').replace(/\s+/g, ''), 'hex'), binary: true };
          // every match in the window is replaced ($1, $& work as in String.replace); bytes past the window are kept
          const whole = binary ? data.toString('latin1') : data.toString('utf8');
          const head = whole.slice(0, subject.length);
          const out = re.replaceAll(head, rule.with ?? '') + whole.slice(subject.length);
          return { kind: 'send', rule: rule.id, data: Buffer.from(out, binary ? 'latin1' : 'utf8'), binary };
        }
      }
    }
    return { kind: 'pass' };
  }

  /**
   * Holds a message until someone forwards or drops it; null (and a sentence) when the held queue
   * is full: the caller forwards it unchanged instead.
   */
  hold(conn: string, dir: Dir, rule: string, data: Buffer, binary: boolean, at: number, settle: HeldEntry['settle']): { id: string } | { full: string } {
    if (this.held.size >= MAX_HELD || this.heldBytes + data.length > MAX_HELD_BYTES) {
      return { full: `The held queue is full (${this.held.size} messages, ${this.heldBytes} bytes; at most ${MAX_HELD} and ${MAX_HELD_BYTES} bytes): a ${dir} message on ${conn} matching rule ${rule} was forwarded unchanged instead of held.` };
    }
    const id = `h${this.nextHeld++}`;
    const message: HeldMessage = {
      id,
      conn,
      dir,
      rule,
      binary,
      size: data.length,
      text: binary ? null : data.toString('utf8'),
      hex: data.subarray(0, 64 * 1024).toString('hex'),
      at: Math.round(at * 1000) / 1000,
    };
    this.held.set(id, { message, data, settle });
    this.heldBytes += data.length;
    this.changed();
    return { id };
  }

  heldList(): HeldMessage[] {
    return [...this.held.values()].map((h) => h.message);
  }

  /** Forwards (as it was, or with new text or hex payload) or drops a held message. */
  release(id: string, action: 'forward' | 'drop', replacement?: { data: Buffer; binary: boolean }): HeldMessage {
    const entry = this.held.get(id);
    if (!entry) throw new HttpError(404, `No held message ${id.slice(0, 40)} (it was forwarded, dropped, or its connection closed).`);
    this.take(id, entry);
    if (action === 'drop') entry.settle({ forward: false });
    else entry.settle({ forward: true, data: replacement?.data ?? entry.data, binary: replacement?.binary ?? entry.message.binary });
    return entry.message;
  }

  /** A leg closed: its held messages go (dropped). */
  forget(conn: string): void {
    for (const [id, entry] of this.held) {
      if (entry.message.conn !== conn) continue;
      this.take(id, entry);
      entry.settle({ forward: false });
    }
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private take(id: string, entry: HeldEntry): void {
    this.held.delete(id);
    this.heldBytes -= entry.data.length;
    this.changed();
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }
}
