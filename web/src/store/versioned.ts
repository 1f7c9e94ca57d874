// The shape every small model outside React shares: listeners, a version that moves on each
// change, and the two functions useSyncExternalStore needs (subscribe, getVersion).

export class Versioned {
  private readonly listeners = new Set<() => void>();
  private version = 0;

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  getVersion = (): number => this.version;

  /** Moves the version and tells every listener. */
  protected changed(): void {
    this.version++;
    for (const fn of this.listeners) fn();
  }
}
