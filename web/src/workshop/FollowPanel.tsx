// The presenter's follow-me control: move the whole room to a lesson section, a lab or a
// challenge. Participants' pages navigate there unless they opted out (RoomFollower.tsx).
import { useEffect, useMemo, useState } from 'react';
import { LESSONS } from '../lessons/data.ts';
import { CHALLENGES } from '../../../server/core/challenges/list.ts';
import { getFollow, moveRoom, type RoomLocation } from './teaching-api.ts';

/** The lab pages (web/src/labs/LabsPage.tsx LAB_PAGES), named here so this panel does not load every lab. */
const LAB_TARGETS: readonly [string, string][] = [
  ['transports', 'Same feed, four transports'],
  ['ghosts', 'Ghost connections and heartbeats'],
  ['backpressure', 'Backpressure'],
  ['lifecycle', 'Client lifecycle and reconnects'],
  ['chat', 'Chat, fan-out and scale'],
  ['hol', 'Head-of-line blocking'],
  ['data-types', 'Same payload as JSON, binary, compressed'],
];

interface Target {
  path: string;
  label: string;
}

function targets(): { group: string; items: Target[] }[] {
  const lessons = LESSONS.flatMap((l) => {
    const name = `Lesson ${Number(l.number)} · ${l.title}`;
    return [{ path: `/lessons/${l.id}`, label: name }, ...l.headings.filter((h) => h.depth === 2).map((h) => ({ path: `/lessons/${l.id}#${h.slug}`, label: `${name} › ${h.text}` }))];
  });
  return [
    { group: 'Lessons and their sections', items: lessons },
    { group: 'Labs', items: LAB_TARGETS.map(([id, title]) => ({ path: `/labs/${id}`, label: `Lab · ${title}` })) },
    { group: 'Challenges', items: [{ path: '/challenges', label: 'The challenges map' }, ...CHALLENGES.map((c) => ({ path: `/challenges#${c.id}`, label: `Challenge · ${c.title}` }))] },
  ];
}

export function FollowPanel() {
  const groups = useMemo(targets, []);
  const [choice, setChoice] = useState(groups[0].items[0]?.path ?? '/lessons');
  const [at, setAt] = useState<RoomLocation | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    void getFollow().then((r) => r.ok && r.value.path !== null && setAt(r.value as RoomLocation));
  }, []);
  const chosen = groups.flatMap((g) => g.items).find((t) => t.path === choice);

  async function move() {
    if (!chosen) return;
    const r = await moveRoom(chosen.path, chosen.label);
    if (!r.ok) return setProblem(r.error);
    setProblem(null);
    setAt(r.value);
  }

  return (
    <section className="lab-panel wk-panel" aria-label="Follow me" data-testid="wk-follow-panel">
      <h2>Follow me</h2>
      <p className="lab-small muted">Participants&apos; pages go where you send the room, unless they switched following off (they see where the room is, with a catch-up link).</p>
      <div className="lab-fields">
        <label className="lab-field wk-wide">
          <span>Move the room to</span>
          <select value={choice} onChange={(e) => setChoice(e.target.value)} aria-label="Move the room to" data-testid="wk-follow-target">
            {groups.map((g) => (
              <optgroup key={g.group} label={g.group}>
                {g.items.map((t) => (
                  <option key={t.path} value={t.path}>
                    {t.label}
                  </option>
                ))}
              </optgroup>
            ))}
          </select>
        </label>
      </div>
      <div className="lab-actions">
        <button type="button" className="lab-btn lab-primary" onClick={() => void move()} data-testid="wk-follow-move">
          Move the room
        </button>
      </div>
      <p className="wk-result" role="status" data-testid="wk-follow-at">
        {at ? (
          <>
            The room is at <strong>{at.label}</strong> <code>{at.path}</code>
          </>
        ) : (
          'You have not moved the room yet.'
        )}
      </p>
      {problem && (
        <p className="lab-problem" role="alert">
          {problem}
        </p>
      )}
    </section>
  );
}
