// The workshop room: who joined (a display name per wslab_session cookie), the names on their
// connections, and the presenter's actions on the room or one participant. The actions reuse the
// chaos link (blackhole, latency, reset, restore on each participant's link connections) and the
// server heartbeat; this file only decides whose connections they apply to, lifts timed ones when
// their time is up, and reports each as a `workshop` event.
import type { EventBus } from '../stream/bus.ts';
import type { EventBody, WslabEvent } from '../core/events/schema.ts';
import type { ConnectionRecord, Registry } from '../connection/registry.ts';
import type { Effect } from '../core/api/workshop.ts';
import { intervalProblem, missesProblem, type HeartbeatConfig } from '../core/api/heartbeat.ts';
import type { ChaosLink } from '../link/link.ts';
import { MAX_DELAY_MS, NO_CONDITIONS } from '../core/api/link.ts';
import { HttpError } from '../http/json.ts';
import { NAME_MAX, nameKey, sanitizeName, uniqueName, impersonation } from '../core/workshop/names.ts';
import { publicSessionId } from '../http/session.ts';
import { safeTimeout } from '../process/safe.ts';

/** Participants a room holds at most (a big lecture hall; each costs a map entry). */
export const MAX_PARTICIPANTS = 500;
/** The longest timed blackhole or latency, seconds. */
export const MAX_ACTION_SECONDS = 600;
/** How long a participant whose pages are all gone stays in the room, ms (coming back within it keeps them). */
export const GRACE_MS = 30_000;
/** Sessions whose names are kept for them after the grace period, at most (the oldest is forgotten first). */
export const MAX_FORMER = 2000;
/** Sessions the presenter removed, remembered at most (the oldest is forgotten first). */
export const MAX_REMOVED = 2000;
/** The close code a removed participant's lab connections get (4000-4999: the application's). */
export const REMOVED_CODE = 4003;
/** The close reason that goes with it (at most 123 bytes: a close frame's limit). */
export const REMOVED_REASON = 'The presenter removed you from the workshop room.';
/** What a removed participant is told when they try to join again. */
export const REMOVED_SENTENCE = 'The presenter removed you from this workshop room; ask the presenter if you think that was a mistake.';

export const PRESENTER_ACTIONS = ['blackhole', 'latency', 'reset', 'restore', 'heartbeat'] as const;
export type PresenterAction = (typeof PRESENTER_ACTIONS)[number];

export interface Participant {
  /** "p1", "p2", ...: what events and the API call them */
  id: string;
  name: string;
  /** the wslab_session cookie that identifies them (never sent back out) */
  session: string;
  /** its public id (what connections and event streams carry as their owner) */
  owner: string;
  /** ms on the event clock */
  joinedAt: number;
}

interface ActiveEffect extends Effect {
  /**
   * the link connections it changed (link id → participant id): only those are put back. Kept by
   * id because a blackholed connection's server side is soon gone (the heartbeat reaps it) while
   * its browser side still waits in the tunnel: lifting the blackhole is what tells the browser.
   */
  links: Map<string, string>;
  timer: NodeJS.Timeout | null;
}

export interface RoomDeps {
  bus: EventBus;
  registry: Registry;
  link: ChaosLink;
  /** the server's heartbeat setting (for maxMisses when an action gives none) */
  heartbeat: () => HeartbeatConfig;
  /** how long a participant whose pages are all gone stays, ms (default GRACE_MS) */
  graceMs?: number;
  /** the presenter's display name, which no participant may take (null: none given) */
  presenterName?: string | null;
}

export interface ActionResult {
  event: WslabEvent;
  /** the target's connections the action could not change: not through the chaos link (link actions), or without a WebSocket yet */
  skipped: number;
}

export class WorkshopRoom {
  private readonly bySession = new Map<string, Participant>();
  private readonly byId = new Map<string, Participant>();
  private readonly effects = new Set<ActiveEffect>();
  private counter = 0;
  /** owner → participant, for presence */
  private readonly byOwner = new Map<string, Participant>();
  /** owner → that session's open pages (event streams) and lab connections */
  private readonly presence = new Map<string, { pages: number; conns: number }>();
  /** lab connection → its owner (participants' only), to count it out when it closes */
  private readonly connOwner = new Map<string, string>();
  /** participants without a page, each with the timer that makes them leave */
  private readonly graceTimers = new Map<string, NodeJS.Timeout>();
  /** sessions that left after the grace period → the id and name they had (kept for their return) */
  private readonly former = new Map<string, { id: string; name: string }>();
  /** sessions the presenter removed (refused when they try to join again) */
  private readonly removed = new Set<string>();
  readonly graceMs: number;
  presenterName: string | null;
  /** the heartbeat the presenter set for the whole room; participants' new connections get it too */
  heartbeat: HeartbeatConfig | null = null;
  private readonly unsubscribe: () => void;

  constructor(private readonly deps: RoomDeps) {
    this.graceMs = deps.graceMs ?? GRACE_MS;
    this.presenterName = deps.presenterName ?? null;
    deps.registry.participantName = (session) => this.bySession.get(session)?.name ?? null;
    // A new connection of a participant already carries their name (the registry asked above when
    // it was registered); say so in the stream once its conn.open is out. After the current event:
    // a subscriber must not publish in the middle of another event's delivery.
    this.unsubscribe = deps.bus.subscribe(
      (e) => {
        if (e.type === 'conn.open') {
          queueMicrotask(() => {
            this.countConn(e.conn);
            this.onOpen(e.conn);
          });
        } else if (e.type === 'close') {
          const owner = this.connOwner.get(e.conn);
          if (owner !== undefined) {
            this.connOwner.delete(e.conn);
            queueMicrotask(() => this.presenceChange(owner, 'conns', -1));
          }
        }
      },
      { types: new Set(['conn.open', 'close']) },
    );
  }

  /** The event clock, ms. */
  now(): number {
    return this.deps.bus.now();
  }

  get size(): number {
    return this.bySession.size;
  }

  participants(): Participant[] {
    return [...this.byId.values()];
  }

  bySessionId(session: string): Participant | undefined {
    return this.bySession.get(session);
  }

  /** A lab connection opened: it counts as its owner being here. */
  private countConn(conn: string): void {
    const owner = this.deps.registry.get(conn)?.meta.owner;
    if (!owner) return;
    this.connOwner.set(conn, owner);
    this.presenceChange(owner, 'conns', 1);
  }

  /**
   * An event stream (a page) opened with this owner's cookie: it counts as them being here until
   * its socket closes. Every wslab page follows the event stream, so "all their pages are gone"
   * is "no event stream and no lab connection left".
   */
  pageOpened(owner: string, socket: { once(event: 'close', listener: () => void): unknown }): void {
    this.presenceChange(owner, 'pages', 1);
    socket.once('close', () => this.presenceChange(owner, 'pages', -1));
  }

  /** Whether a participant has a page or a lab connection open now. */
  isPresent(p: Participant): boolean {
    const n = this.presence.get(p.owner);
    return !!n && n.pages + n.conns > 0;
  }

  private presenceChange(owner: string, kind: 'pages' | 'conns', delta: 1 | -1): void {
    let n = this.presence.get(owner);
    if (!n) {
      if (delta < 0) return;
      n = { pages: 0, conns: 0 };
      this.presence.set(owner, n);
    }
    n[kind] = Math.max(0, n[kind] + delta);
    const p = this.byOwner.get(owner);
    if (n.pages + n.conns === 0) {
      this.presence.delete(owner);
      if (p) this.startGrace(p);
    } else if (p) {
      this.stopGrace(p);
    }
  }

  /** Starts the grace period of a participant with nothing open (no-op when it runs already). */
  private startGrace(p: Participant): void {
    if (this.graceTimers.has(p.session)) return;
    const timer = safeTimeout('a workshop grace period', () => {
      this.graceTimers.delete(p.session);
      if (this.bySession.get(p.session) !== p || this.isPresent(p)) return;
      this.leave(p.session, 'timer');
    }, this.graceMs);
    timer.unref();
    this.graceTimers.set(p.session, timer);
  }

  private stopGrace(p: Participant): void {
    const timer = this.graceTimers.get(p.session);
    if (timer) clearTimeout(timer);
    this.graceTimers.delete(p.session);
  }

  private onOpen(conn: string): void {
    const record = this.deps.registry.get(conn);
    if (!record || record.meta.name === null) return;
    this.deps.registry.publishMeta(record.meta);
    if (this.heartbeat) this.deps.registry.configureHeartbeat(record, this.heartbeat);
  }

  /** Joins (or renames) the holder of `session` as `rawName`; the event is null when nothing changed. */
  join(session: string, rawName: unknown): { participant: Participant; event: WslabEvent | null } {
    if (typeof rawName !== 'string') throw new HttpError(400, `send {"name": NAME}: your display name, 1-${NAME_MAX} characters`);
    const clean = sanitizeName(rawName);
    if (!clean) throw new HttpError(400, 'the name is empty once spaces and control characters are taken out');
    const role = impersonation(clean, this.presenterName);
    if (role !== null) throw new HttpError(400, `"${clean}" reads as "${role}": that name is kept for the presenter so nobody can pass for them; choose another`);
    if (this.removed.has(session)) throw new HttpError(403, REMOVED_SENTENCE);
    const existing = this.bySession.get(session);
    if (existing && existing.name === clean) return { participant: existing, event: null };
    if (!existing && this.bySession.size >= MAX_PARTICIPANTS) throw new HttpError(503, `the room is full: ${MAX_PARTICIPANTS} participants at most`);
    const taken = new Set<string>();
    for (const p of this.byId.values()) if (p !== existing) taken.add(nameKey(p.name));
    // names of those who left after the grace period stay theirs: coming back, they get them again
    const before = existing ? undefined : this.former.get(session);
    for (const [s, f] of this.former) if (s !== session) taken.add(nameKey(f.name));
    const name = before && nameKey(before.name) === nameKey(clean) && !taken.has(nameKey(before.name)) ? before.name : uniqueName(clean, taken);
    if (existing) {
      if (existing.name === name) return { participant: existing, event: null };
      const records = this.recordsOf(existing);
      existing.name = name;
      for (const r of records) this.deps.registry.bindName(r.meta.conn, name);
      return { participant: existing, event: this.publish('rename', 'participant', existing, { conns: records.length }) };
    }
    this.former.delete(session);
    const owner = publicSessionId(session);
    const id = before && !this.byId.has(before.id) ? before.id : `p${++this.counter}`;
    const participant: Participant = { id, name, session, owner, joinedAt: Math.round(this.deps.bus.now() * 1000) / 1000 };
    this.bySession.set(session, participant);
    this.byId.set(participant.id, participant);
    this.byOwner.set(owner, participant);
    // joined without a page (a script): the grace period runs from now
    if (!this.isPresent(participant)) this.startGrace(participant);
    // connections opened before joining: those opened with this session's cookie
    let bound = 0;
    for (const r of this.deps.registry.all()) {
      if (r.meta.owner === owner && r.meta.name !== name) {
        this.deps.registry.bindName(r.meta.conn, name);
        bound++;
      }
    }
    return { participant, event: this.publish('join', 'participant', participant, { conns: bound }) };
  }

  /**
   * The holder of `session` leaves: their connections lose the name. By the participant (they
   * asked) or by the timer (their pages were all gone for the grace period: their name stays
   * theirs for when they come back). Null when they were not in the room.
   */
  leave(session: string, by: 'participant' | 'timer' = 'participant'): WslabEvent | null {
    const p = this.bySession.get(session);
    if (!p) return null;
    const records = this.forget(p);
    if (by === 'timer') {
      this.former.set(session, { id: p.id, name: p.name });
      if (this.former.size > MAX_FORMER) this.former.delete(this.former.keys().next().value!);
    }
    return this.publish('leave', by, p, { conns: records.length });
  }

  /**
   * The presenter removes a participant: they leave the room, their lab connections are closed
   * with REMOVED_CODE and REMOVED_REASON, and their session cannot join again.
   */
  remove(id: unknown): WslabEvent {
    if (typeof id !== 'string') throw new HttpError(400, 'participant must be a participant id such as "p3"');
    const p = this.byId.get(id);
    if (!p) throw new HttpError(404, `no participant ${id.slice(0, 40)} in the room`);
    const records = this.forget(p);
    this.removed.add(p.session);
    if (this.removed.size > MAX_REMOVED) this.removed.delete(this.removed.keys().next().value!);
    const event = this.publish('remove', 'presenter', p, { conns: records.length });
    for (const r of records) r.ws?.close(REMOVED_CODE, REMOVED_REASON);
    return event;
  }

  /** Takes a participant out of the room's maps; returns the connections that carried their name. */
  private forget(p: Participant): ConnectionRecord[] {
    const records = this.recordsOf(p);
    for (const r of records) this.deps.registry.bindName(r.meta.conn, null);
    this.stopGrace(p);
    this.bySession.delete(p.session);
    this.byId.delete(p.id);
    if (this.byOwner.get(p.owner) === p) this.byOwner.delete(p.owner);
    return records;
  }

  /** Live connections of one participant (null: of everyone in the room). */
  recordsOf(p: Participant | null): ConnectionRecord[] {
    const out: ConnectionRecord[] = [];
    for (const r of this.deps.registry.all()) {
      if (r.meta.name === null) continue;
      if (p === null || r.meta.name === p.name) out.push(r);
    }
    return out;
  }

  /** The live link connections in front of these connections, each with its participant's id. */
  private linksOf(records: readonly ConnectionRecord[]): Map<string, string> {
    const byName = new Map<string, string>();
    for (const p of this.byId.values()) byName.set(p.name, p.id);
    const owner = new Map<string, string>();
    for (const r of records) if (r.meta.name !== null) owner.set(r.meta.conn, byName.get(r.meta.name) ?? '');
    const out = new Map<string, string>();
    for (const lc of this.deps.link.conns.values()) {
      const id = lc.conn === null ? undefined : owner.get(lc.conn);
      if (id !== undefined) out.set(lc.id, id);
    }
    return out;
  }

  /** linksOf(records), plus the link connections the target's effects changed (their server side may be gone). */
  private targetLinks(target: Participant | null, records: readonly ConnectionRecord[]): Map<string, string> {
    const out = this.linksOf(records);
    for (const e of this.effects) {
      for (const [link, owner] of e.links) if ((target === null || owner === target.id) && this.deps.link.conns.has(link)) out.set(link, owner);
    }
    return out;
  }

  /** A presenter action from a request body: {action, participant?, seconds?, latencyMs?, intervalMs?, maxMisses?}. */
  act(body: Record<string, unknown>): ActionResult {
    const action = body.action;
    if (typeof action !== 'string' || !(PRESENTER_ACTIONS as readonly string[]).includes(action)) {
      throw new HttpError(400, `action must be one of ${PRESENTER_ACTIONS.join(', ')}`);
    }
    let target: Participant | null = null;
    if (body.participant !== undefined && body.participant !== null) {
      if (typeof body.participant !== 'string') throw new HttpError(400, 'participant must be a participant id such as "p3" (leave it out for the whole room)');
      target = this.byId.get(body.participant) ?? null;
      if (!target) throw new HttpError(404, `no participant ${body.participant} in the room`);
    }
    const records = this.recordsOf(target);
    const link = this.deps.link;

    switch (action as PresenterAction) {
      case 'blackhole':
      case 'latency': {
        const seconds = int(body.seconds, 'seconds', 1, MAX_ACTION_SECONDS, true);
        const latencyMs = action === 'latency' ? int(body.latencyMs, 'latencyMs', 0, MAX_DELAY_MS, false)! : null;
        const lcs = this.linksOf(records);
        const change = action === 'blackhole' ? { blackhole: true } : { latencyMs: latencyMs! };
        for (const id of lcs.keys()) link.configure(change, { link: id });
        if (action === 'latency' && latencyMs === 0) this.dropEffects(target, 'latency');
        else this.addEffect(action as 'blackhole' | 'latency', target, lcs, seconds, latencyMs);
        const event = this.publish(action as PresenterAction, 'presenter', target, { conns: lcs.size, durationMs: seconds === null ? null : seconds * 1000, latencyMs });
        return { event, skipped: records.length - lcs.size };
      }
      case 'reset': {
        const lcs = this.targetLinks(target, records);
        for (const id of lcs.keys()) link.reset({ link: id });
        this.dropEffects(target, null);
        return { event: this.publish('reset', 'presenter', target, { conns: lcs.size }), skipped: Math.max(0, records.length - lcs.size) };
      }
      case 'restore': {
        const lcs = this.targetLinks(target, records);
        for (const id of lcs.keys()) link.configure({ ...NO_CONDITIONS }, { link: id });
        this.dropEffects(target, null);
        return { event: this.publish('restore', 'presenter', target, { conns: lcs.size }), skipped: Math.max(0, records.length - lcs.size) };
      }
      case 'heartbeat': {
        const intervalProblemNow = intervalProblem(body.intervalMs);
        if (intervalProblemNow) throw new HttpError(400, intervalProblemNow);
        const intervalMs = body.intervalMs as number;
        const missesProblemNow = body.maxMisses === undefined || body.maxMisses === null ? null : missesProblem(body.maxMisses);
        if (missesProblemNow) throw new HttpError(400, missesProblemNow);
        const maxMisses = (body.maxMisses as number | null | undefined) ?? this.heartbeat?.maxMisses ?? this.deps.heartbeat().maxMisses;
        const config = { intervalMs, maxMisses };
        let changed = 0;
        for (const r of records) if (this.deps.registry.configureHeartbeat(r, config)) changed++;
        if (target === null) this.heartbeat = config;
        return { event: this.publish('heartbeat', 'presenter', target, { conns: changed, heartbeat: config }), skipped: records.length - changed };
      }
    }
  }

  private addEffect(action: 'blackhole' | 'latency', target: Participant | null, lcs: Map<string, string>, seconds: number | null, latencyMs: number | null): void {
    // a new latency for the same target replaces the old one; blackholes simply stack
    if (action === 'latency') this.dropEffects(target, 'latency');
    const now = Math.round(this.deps.bus.now() * 1000) / 1000; // as precise as the events' t
    const effect: ActiveEffect = {
      action,
      participant: target?.id ?? null,
      name: target?.name ?? null,
      since: now,
      until: seconds === null ? null : Math.round((now + seconds * 1000) * 1000) / 1000,
      latencyMs,
      links: lcs,
      timer: null,
    };
    if (seconds !== null) {
      effect.timer = safeTimeout('a workshop effect', () => this.expire(effect), seconds * 1000);
      effect.timer.unref();
    }
    this.effects.add(effect);
  }

  /** A timed effect ran out: its own condition comes off the link connections it changed (those still alive). */
  private expire(effect: ActiveEffect): void {
    if (!this.effects.delete(effect)) return;
    const change = effect.action === 'blackhole' ? { blackhole: false } : { latencyMs: 0 };
    let n = 0;
    for (const id of effect.links.keys()) if (this.deps.link.configure(change, { link: id }).length) n++;
    const p = effect.participant === null ? null : { id: effect.participant, name: this.byId.get(effect.participant)?.name ?? effect.name };
    this.publish('restore', 'timer', p, { conns: n });
  }

  /** Forgets effects on `target` (null: every effect) of one kind (null: both), without touching links. */
  private dropEffects(target: Participant | null, action: 'blackhole' | 'latency' | null): void {
    for (const e of this.effects) {
      if (target !== null && e.participant !== target.id) continue;
      if (action !== null && e.action !== action) continue;
      if (e.timer) clearTimeout(e.timer);
      this.effects.delete(e);
    }
  }

  /** What is in force now, oldest first. */
  activeEffects(): Effect[] {
    return [...this.effects].map(({ action, participant, name, since, until, latencyMs }) => ({ action, participant, name, since, until, latencyMs }));
  }

  private publish(
    action: EventBody<'workshop'>['action'],
    by: EventBody<'workshop'>['by'],
    p: { id: string; name: string | null } | null,
    extra: { conns: number; durationMs?: number | null; latencyMs?: number | null; heartbeat?: HeartbeatConfig | null },
  ): WslabEvent {
    return this.deps.bus.publish({
      type: 'workshop',
      action,
      by,
      participant: p?.id ?? null,
      name: p?.name ?? null,
      participants: this.bySession.size,
      conns: extra.conns,
      durationMs: extra.durationMs ?? null,
      latencyMs: extra.latencyMs ?? null,
      heartbeat: extra.heartbeat ?? null,
    });
  }

  close(): void {
    this.unsubscribe();
    for (const timer of this.graceTimers.values()) clearTimeout(timer);
    this.graceTimers.clear();
    this.dropEffects(null, null);
    if (this.deps.registry.participantName) this.deps.registry.participantName = null;
  }
}

function int(v: unknown, name: string, min: number, max: number, optional: boolean): number | null {
  if (v === undefined || v === null) {
    if (optional) return null;
    throw new HttpError(400, `${name} is required: an integer from ${min} to ${max}`);
  }
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new HttpError(400, `${name} must be an integer from ${min} to ${max}`);
  return v;
}
