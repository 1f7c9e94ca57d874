// The playground's REST shapes: puppets (POST /__wslab/puppets) and crafted frames
// (POST /__wslab/craft), shared by the server, the page and the tests.
import type { FrameJson, FrameSpec, Violation } from '../wire/types.ts';

export interface PuppetSpec {
  /** a lab path on this server, e.g. /lab/echo?deflate=1 */
  path: string;
  protocols?: string[];
  headers?: Record<string, string>;
  autoPong?: boolean;
  perMessageDeflate?: boolean;
}

export interface PuppetInfo {
  id: string;
  conn: string | null;
  path: string;
  readyState: number;
  autoPong: boolean;
  paused: boolean;
}

export interface CraftRequest {
  frames: FrameSpec[];
  /** how long to wait for the server's answer after sending, ms (default 600, at most 5000) */
  waitMs: number;
  path: string;
}

export interface CraftResult {
  /** the server-side connection id (the tap's events are tagged with it), when known */
  conn: string | null;
  status: number;
  sentHex: string;
  /**
   * Where the built bytes start in the client's TCP stream: the length of the upgrade request
   * before them. The tap counts violation offsets over the whole stream; minus this, an offset
   * is a byte of what the learner built.
   */
  streamOffset: number;
  frames: FrameJson[];
  violation: Violation | null;
  /** true when the server closed the TCP connection within the wait */
  closed: boolean;
}
