// Topic-based publish/subscribe inside one node: who is subscribed to which topic. Pure.
//
// A topic is a dynamic channel ("room:lobby", "user:ada", "all"). The table tells its caller when a
// topic gains its first local subscriber and when it loses its last one: exactly the two moments a
// node must SUBSCRIBE or UNSUBSCRIBE in the broker, so the broker only sends a node the topics
// somebody on that node listens to.

export class TopicTable<S> {
  private readonly topics = new Map<string, Set<S>>();
  private readonly bySubscriber = new Map<S, Set<string>>();

  /** Adds a subscriber; true when it is the topic's first (subscribe in the broker now). */
  subscribe(topic: string, sub: S): boolean {
    let set = this.topics.get(topic);
    const first = !set;
    if (!set) this.topics.set(topic, (set = new Set()));
    set.add(sub);
    let mine = this.bySubscriber.get(sub);
    if (!mine) this.bySubscriber.set(sub, (mine = new Set()));
    mine.add(topic);
    return first;
  }

  /** Removes a subscriber; true when the topic has none left (unsubscribe in the broker now). */
  unsubscribe(topic: string, sub: S): boolean {
    const set = this.topics.get(topic);
    if (!set || !set.delete(sub)) return false;
    const mine = this.bySubscriber.get(sub);
    mine?.delete(topic);
    if (mine && mine.size === 0) this.bySubscriber.delete(sub);
    if (set.size > 0) return false;
    this.topics.delete(topic);
    return true;
  }

  /** Removes a subscriber from every topic; returns the topics left with no subscriber. */
  unsubscribeAll(sub: S): string[] {
    const emptied: string[] = [];
    for (const topic of [...(this.bySubscriber.get(sub) ?? [])]) if (this.unsubscribe(topic, sub)) emptied.push(topic);
    return emptied;
  }

  subscribers(topic: string): ReadonlySet<S> {
    return this.topics.get(topic) ?? EMPTY;
  }

  topicsOf(sub: S): ReadonlySet<string> {
    return this.bySubscriber.get(sub) ?? EMPTY;
  }

  has(topic: string): boolean {
    return this.topics.has(topic);
  }

  /** Every topic with at least one subscriber. */
  allTopics(): string[] {
    return [...this.topics.keys()];
  }

  /** Calls `deliver` for each subscriber of the topic; returns how many there were. */
  publish(topic: string, deliver: (sub: S) => void): number {
    const set = this.topics.get(topic);
    if (!set) return 0;
    for (const sub of set) deliver(sub);
    return set.size;
  }
}

const EMPTY: ReadonlySet<never> = new Set();

/** Topic names the chat lab uses in the broker. */
export const topics = {
  room: (room: string) => `room:${room}`,
  user: (user: string) => `user:${user}`,
  all: 'all',
} as const;

/** The room a topic names, or null for user and broadcast topics. */
export function roomOf(topic: string): string | null {
  return topic.startsWith('room:') ? topic.slice(5) : null;
}
