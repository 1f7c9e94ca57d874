// Marks the boxes that scroll sideways (wide tables, diagrams, code; styles/scroll.css) with
// data-overflow while their content is wider than they are, so the page can say so in words
// as well as with the edge shadow. One observer for the whole app, not one per view.
import { useEffect } from 'react';

export const SCROLL_BOXES = '.lesson-table, .lesson-body pre, .seq-canvas, .wk-roster-scroll, .dump, .lab-table';

function mark(el: Element): void {
  const over = el.scrollWidth > el.clientWidth + 1;
  if (over !== el.hasAttribute('data-overflow')) el.toggleAttribute('data-overflow', over);
}

export function ScrollHints() {
  useEffect(() => {
    const root = document.getElementById('main');
    if (!root) return;
    let frame = 0;
    const sweep = (): void => {
      frame = 0;
      root.querySelectorAll(SCROLL_BOXES).forEach(mark);
    };
    const later = (): void => {
      frame ||= requestAnimationFrame(sweep);
    };
    // content drawn later (a diagram, a fetched table) arrives as a mutation; a turned phone as a resize
    const mutations = new MutationObserver(later);
    mutations.observe(root, { childList: true, subtree: true });
    window.addEventListener('resize', later);
    later();
    return () => {
      mutations.disconnect();
      window.removeEventListener('resize', later);
      cancelAnimationFrame(frame);
    };
  }, []);
  return null;
}
