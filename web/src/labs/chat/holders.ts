// The chat lab's "who holds which sockets" line, one per node. A crashed node holds nothing, but
// the broker's presence rows for its users outlive it until their TTL: say the node is down and
// that those rows are leftovers, instead of "n1 holds 0 sockets (ada)".
import type { NodeInfo } from './model.ts';

/** One node's line; `listed` are the users the broker's presence still lists on that node. */
export function holdersLine(node: Pick<NodeInfo, 'id' | 'running' | 'sockets'>, listed: readonly string[], ttlSeconds = 30): string {
  const users = [...new Set(listed)];
  if (!node.running) {
    return `${node.id} is down and holds no sockets${users.length ? `; the broker still lists ${users.join(', ')} on it until the ${ttlSeconds} s presence TTL runs out` : ''}`;
  }
  return `${node.id} holds ${node.sockets} socket${node.sockets === 1 ? '' : 's'}${users.length ? ` (${users.join(', ')})` : ''}`;
}
