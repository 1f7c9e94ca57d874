// Facilitator notes for one lesson: timing, what to show, which workshop action to trigger when.
// Behind a toggle (remembered); shown by default in a presenter's tab.
import { useSyncExternalStore } from 'react';
import { Link } from 'react-router';
import type { Lesson } from './model.ts';
import { facilitatorPref } from './facilitator.ts';

export function useFacilitatorShown(): boolean {
  useSyncExternalStore(facilitatorPref.subscribe, facilitatorPref.getVersion);
  return facilitatorPref.shown;
}

export function FacilitatorToggle() {
  const shown = useFacilitatorShown();
  return (
    <button type="button" className="lessons-reset facilitator-toggle" aria-pressed={shown} onClick={() => facilitatorPref.set(!shown)} data-testid="facilitator-toggle">
      {shown ? 'Hide facilitator notes' : 'Show facilitator notes'}
    </button>
  );
}

export function FacilitatorNotes({ lesson }: { lesson: Lesson }) {
  const shown = useFacilitatorShown();
  if (!shown) return null;
  const total = Math.max(...lesson.facilitator.map((n) => Number(n.at.split('-').pop())));
  return (
    <aside className="lesson-facilitator" aria-label="Facilitator notes" data-testid="facilitator-notes">
      <p className="lesson-facilitator-head">
        <strong>Facilitator notes</strong> <span className="muted">about {total} min with a room · workshop actions are on the <Link to="/workshop">presenter page</Link></span>
      </p>
      <table>
        <tbody>
          {lesson.facilitator.map((n) => (
            <tr key={n.at + n.text}>
              <th scope="row">{n.at} min</th>
              <td>{n.text}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </aside>
  );
}
