/**
 * The states already used, each remembered for the same time after it was spent, so that the
 * order they came in is the order they expire in: a Map, in insertion order, forgets from its
 * start. Bounded in memory: when full, the oldest makes room. A state can also be let go early.
 */
export class SpentStates {
  readonly #expiries = new Map<string, number>();

  constructor(
    readonly capacity: number,
    readonly lifetimeMs: number,
  ) {}

  get size(): number {
    return this.#expiries.size;
  }

  /** Uses `state` up at `now`; false when it was used up already (and is still remembered). */
  spend(state: string, now: number): boolean {
    for (const [spent, expiresAt] of this.#expiries) {
      if (expiresAt > now) break;
      this.#expiries.delete(spent);
    }
    if (this.#expiries.has(state)) return false;
    if (this.#expiries.size >= this.capacity) this.#expiries.delete(this.#expiries.keys().next().value as string);
    this.#expiries.set(state, now + this.lifetimeMs);
    return true;
  }

  /** Forgets a state now (its code was refused, so it was never used). */
  delete(state: string): void {
    this.#expiries.delete(state);
  }
}
