// Mermaid, loaded on first use (a dynamic import keeps it out of the pages that never draw a
// diagram) and initialised once, in strict mode: labels are sanitised, no scripts, no clicks
// bound by the diagram text. The page's theme is applied by CSS (diagram.css), so one
// initialisation serves light and dark.
import type { Mermaid } from 'mermaid';

let loading: Promise<Mermaid> | null = null;

export function loadMermaid(): Promise<Mermaid> {
  loading ??= import('mermaid').then(({ default: mermaid }) => {
    mermaid.initialize({
      startOnLoad: false,
      securityLevel: 'strict',
      theme: 'neutral',
      fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", Ubuntu, sans-serif',
      sequence: {
        useMaxWidth: false,
        mirrorActors: false,
        showSequenceNumbers: false,
        wrap: false,
        messageFontSize: 15,
        noteFontSize: 13,
        actorFontSize: 15,
        boxMargin: 6,
        messageMargin: 30,
        noteMargin: 6,
        actorMargin: 30,
        width: 120,
        height: 44,
      },
    });
    return mermaid;
  });
  return loading;
}

let counter = 0;

/** Renders mermaid text to a sanitised SVG element (a detached node, ready to insert). */
export async function renderDiagram(text: string): Promise<SVGSVGElement> {
  const mermaid = await loadMermaid();
  const { svg } = await mermaid.render(`wslab-seq-${++counter}`, text);
  return toSvgElement(svg);
}

/**
 * Parses mermaid's SVG as XML (never as HTML), and, on top of mermaid's own sanitising, drops
 * anything that could run: script elements, event-handler attributes, javascript: links.
 */
export function toSvgElement(svg: string): SVGSVGElement {
  const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
  const root = doc.documentElement;
  if (root.nodeName !== 'svg') throw new Error('mermaid did not return an SVG');
  for (const s of Array.from(root.querySelectorAll('script'))) s.remove();
  for (const el of Array.from(root.querySelectorAll('*')).concat(root)) {
    for (const attr of Array.from(el.attributes)) {
      if (/^on/i.test(attr.name) || (/href$/i.test(attr.name) && /^\s*javascript:/i.test(attr.value))) el.removeAttribute(attr.name);
    }
  }
  return document.importNode(root, true) as unknown as SVGSVGElement;
}
