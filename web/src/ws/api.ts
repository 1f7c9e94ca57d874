// The server's puppet-client and frame-builder APIs, as typed fetch calls. Errors come back as
// values ({ error }) with the server's own sentence, so the views can show them as they are.
import { apiCall as call, type Result } from '../http.ts';
import { withLearner } from '../challenges/learner.ts';
import type { CraftResult, PuppetInfo, PuppetSpec } from '../../../server/core/api/playground.ts';

export type { Result };

// The shapes are the server's own: one definition for both ends of each call.
export type { CraftResult, PuppetInfo, PuppetSpec } from '../../../server/core/api/playground.ts';

export type PuppetAction = 'send' | 'ping' | 'pong' | 'close' | 'pause' | 'resume' | 'autopong' | 'terminate';

/** A payload body for send/ping/pong. */
export type PayloadBody = { text: string } | { json: unknown } | { hex: string } | Record<string, never>;

export function createPuppet(spec: PuppetSpec): Promise<Result<PuppetInfo>> {
  // a puppet has no cookie: its path names the learner's session, so challenges count it as theirs
  return call<PuppetInfo>('POST', '/__wslab/puppets', { ...spec, path: withLearner(spec.path) });
}

export function puppetAction(id: string, action: PuppetAction, body: Record<string, unknown> = {}): Promise<Result<PuppetInfo>> {
  return call<PuppetInfo>('POST', `/__wslab/puppets/${encodeURIComponent(id)}/${action}`, body);
}

export function deletePuppet(id: string): Promise<Result<PuppetInfo>> {
  return call<PuppetInfo>('DELETE', `/__wslab/puppets/${encodeURIComponent(id)}`);
}

/** One frame as the craft API takes it. */
export interface CraftFrame {
  fin: boolean;
  rsv1: boolean;
  rsv2: boolean;
  rsv3: boolean;
  opcode: number;
  mask: boolean;
  maskingKey?: string;
  payloadHex?: string;
  lengthOverride?: number;
  lengthBits?: 7 | 16 | 64;
}

export function craft(frames: CraftFrame[], waitMs?: number): Promise<Result<CraftResult>> {
  // on /lab/raw?session=LEARNER, so challenges count the crafted connection as the learner's
  const path = withLearner('/lab/raw');
  return call<CraftResult>('POST', '/__wslab/craft', waitMs === undefined ? { frames, path } : { frames, waitMs, path });
}
