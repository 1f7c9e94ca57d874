// The curriculum as the app sees it: every lessons/NN-slug.md, imported as text at build time
// and parsed once. A broken lesson file fails the build's first page load loudly (and the
// unit tests before that), never silently.
import { localizeFiles } from './host.ts';
import { parseLessons, type Lesson } from './model.ts';

const files = import.meta.glob('../../../lessons/*.md', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;

// commands and URLs in the lessons name this server's own address (lessons/host.ts)
export const LESSONS: Lesson[] = parseLessons(localizeFiles(files, typeof location === 'undefined' ? null : location.host));
