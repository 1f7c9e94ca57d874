// Every lab endpoint, by the name that follows /lab/ in its URL.
import { echoLab } from './echo.ts';
import { rawLab } from './raw.ts';
import { tickerLab } from './ticker.ts';
import type { Lab } from './types.ts';

export const LABS: ReadonlyMap<string, Lab> = new Map([echoLab, tickerLab, rawLab].map((lab) => [lab.name, lab]));
