// The learner's progress, kept fresh while a page shows it: fetched at once, then every 1.5 s
// while the tab is visible (one small GET; solving happens on the wire, elsewhere).
import { useEffect, useState } from 'react';
import { apiCall } from '../http.ts';
import type { ChallengeStatus } from '../../../server/core/challenges/types.ts';
import { joinStatus, type ChallengeView } from './model.ts';

const REFRESH_MS = 1500;

export function useChallenges(): { views: ChallengeView[]; error: string | null } {
  const [statuses, setStatuses] = useState<ChallengeStatus[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const load = async () => {
      if (document.visibilityState === 'visible') {
        const r = await apiCall<ChallengeStatus[]>('GET', '/__wslab/challenges');
        if (stopped) return;
        if (r.ok) {
          setStatuses(r.value);
          setError(null);
        } else setError(r.error);
      }
      if (!stopped) timer = setTimeout(load, REFRESH_MS);
    };
    void load();
    return () => {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
    };
  }, []);
  return { views: joinStatus(statuses), error };
}
