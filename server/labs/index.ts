// Every lab endpoint, by the name that follows /lab/ in its URL.
import { backpressureLab } from './backpressure/lab.ts';
import { echoLab } from './echo.ts';
import { ghostsLab } from './ghosts/lab.ts';
import { holLab } from './hol/lab.ts';
import { rawLab } from './raw.ts';
import { tickerLab } from './ticker.ts';
import { transportsWsLab } from './transports/lab.ts';
import type { Lab } from '../connection/lab.ts';

export const LABS: ReadonlyMap<string, Lab> = new Map([echoLab, tickerLab, rawLab, ghostsLab, backpressureLab, transportsWsLab, holLab].map((lab) => [lab.name, lab]));
