// The workshop's shapes that the presenter's and participants' pages read.

/** A blackhole or latency in force: what the room sees as "what the presenter is doing". */
export interface Effect {
  action: 'blackhole' | 'latency';
  /** null: the whole room */
  participant: string | null;
  name: string | null;
  /** event clock, ms */
  since: number;
  /** when a timed effect lifts by itself (event clock, ms); null: until restored */
  until: number | null;
  latencyMs: number | null;
}
