// "Continue where you left off": the lesson page records which lesson is open and the last
// section heading the reader has scrolled past, in localStorage beside the quiz answers.
import { useEffect, useSyncExternalStore } from 'react';
import { Stored } from './progress.ts';
import { sanitizeVisit, type Visit } from './parts.ts';

const visits = new Stored<{ visit: Visit | null }>('wslab.lessons.visit', sanitizeVisit);

export function readVisit(): Visit | null {
  return visits.read().visit;
}

export function writeVisit(visit: Visit | null): void {
  visits.write(visit ? { visit } : null);
}

export function useVisit(): Visit | null {
  return useSyncExternalStore(visits.subscribe, readVisit, readVisit);
}

/** The id of the last h2/h3 inside `root` whose top has scrolled above the top fifth of the window. */
function sectionInView(root: Element): string {
  let id = '';
  const line = window.innerHeight / 5;
  for (const h of root.querySelectorAll('h2[id], h3[id]')) {
    if (h.getBoundingClientRect().top <= line) id = h.id;
    else break;
  }
  return id;
}

/** Records the open lesson, and the section in view as the reader scrolls (at most once a frame). */
export function useRecordVisit(lessonId: string): void {
  useEffect(() => {
    if (!lessonId) return;
    const prev = readVisit();
    writeVisit({ lesson: lessonId, section: prev?.lesson === lessonId ? prev.section : '', at: Date.now() });
    let frame = 0;
    const onScroll = () => {
      if (frame) return;
      frame = requestAnimationFrame(() => {
        frame = 0;
        const root = document.querySelector('.lesson-body');
        if (!root) return;
        const section = sectionInView(root);
        const cur = readVisit();
        if (cur?.lesson !== lessonId || cur.section !== section) writeVisit({ lesson: lessonId, section, at: Date.now() });
      });
    };
    window.addEventListener('scroll', onScroll, { passive: true });
    return () => {
      window.removeEventListener('scroll', onScroll);
      if (frame) cancelAnimationFrame(frame);
    };
  }, [lessonId]);
}
