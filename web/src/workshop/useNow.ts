// Re-renders the caller every `ms` and returns `clock()`: countdowns and "4 s ago" move on their own.
import { useEffect, useState } from 'react';

export function useNow(ms: number, clock: () => number): number {
  const [, setTick] = useState(0);
  useEffect(() => {
    const id = setInterval(() => setTick((t) => t + 1), ms);
    return () => clearInterval(id);
  }, [ms]);
  return clock();
}
