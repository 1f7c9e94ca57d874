// Every lab endpoint, by the name that follows /lab/ in its URL, and the labs' HTTP APIs.
import { backpressureLab } from './backpressure/lab.ts';
import { echoLab } from './echo.ts';
import { ghostsLab } from './ghosts/lab.ts';
import { holLab } from './hol/lab.ts';
import { rawLab } from './raw.ts';
import { tickerLab } from './ticker.ts';
import { transportsWsLab } from './transports/lab.ts';
import type { Lab } from '../connection/lab.ts';
import type { LabApiFactory } from './services.ts';
import { ghostsApi } from './ghosts/api.ts';
import { flowApi } from './backpressure/api.ts';

export const LABS: ReadonlyMap<string, Lab> = new Map([echoLab, tickerLab, rawLab, ghostsLab, backpressureLab, transportsWsLab, holLab].map((lab) => [lab.name, lab]));

/** The labs' HTTP APIs (/__wslab/sim, /__wslab/flow), each made once per server. */
export const LAB_APIS: readonly LabApiFactory[] = [ghostsApi, flowApi];
