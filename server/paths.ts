// Where the checkout and the built web app are, for every part of the server that reads files.
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root folder. */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The built web app that `npm start` serves. */
export const WEB_DIST = join(ROOT, 'dist', 'web');
