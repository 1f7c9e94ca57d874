// Whether a lesson shows its facilitator notes: hidden for learners unless they ask, shown by
// default in a presenter's tab (one that holds the workshop's presenter key). The choice, once
// made, is remembered in this browser. The rule is pure; the storage around it is small.
import { Versioned } from '../store/versioned.ts';
import { presenterKey } from '../workshop/key.ts';

export const FACILITATOR_STORAGE = 'wslab.lessons.facilitator';

/** The stored choice ("shown" / "hidden"), or the default for this tab. */
export function facilitatorShown(stored: string | null, presenter: boolean): boolean {
  if (stored === 'shown') return true;
  if (stored === 'hidden') return false;
  return presenter;
}

class FacilitatorPref extends Versioned {
  get shown(): boolean {
    let stored: string | null = null;
    try {
      stored = localStorage.getItem(FACILITATOR_STORAGE);
    } catch {
      // storage unavailable: the default holds
    }
    return facilitatorShown(stored, presenterKey() !== null);
  }

  set(shown: boolean): void {
    try {
      localStorage.setItem(FACILITATOR_STORAGE, shown ? 'shown' : 'hidden');
    } catch {
      // not remembered, but still applied below for this page
    }
    this.changed();
  }
}

export const facilitatorPref = new FacilitatorPref();
