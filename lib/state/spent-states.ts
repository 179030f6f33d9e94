/**
 * The states already used, until their cookies expire: a replayed state is refused without asking
 * DingTalk. Bounded in memory: when full, the entry that expires first makes room. Expired entries
 * leave by their expiry, whatever the order they came in; a state can also be let go early.
 */
export class SpentStates {
  readonly #expiries = new Map<string, number>();
  /** A binary min-heap on `expiresAt`, so that the next entry to expire is always at the top. */
  readonly #heap: { state: string; expiresAt: number }[] = [];
  readonly #capacity: number;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#expiries.size;
  }

  has(state: string, now: number): boolean {
    this.#forgetExpired(now);
    return this.#expiries.has(state);
  }

  add(state: string, expiresAt: number, now: number): void {
    this.#forgetExpired(now);
    if (expiresAt <= now || this.#expiries.has(state)) return;
    while (this.#expiries.size >= this.#capacity) {
      // Full: whichever expires first goes, which may be this one.
      const first = this.#heap[0] as { state: string; expiresAt: number };
      if (this.#expiries.get(first.state) === first.expiresAt && expiresAt <= first.expiresAt) return;
      this.#removeFirst();
    }
    this.#expiries.set(state, expiresAt);
    const heap = this.#heap;
    heap.push({ state, expiresAt });
    // Sift up.
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if ((heap[parent] as { expiresAt: number }).expiresAt <= expiresAt) break;
      [heap[parent], heap[index]] = [heap[index] as (typeof heap)[number], heap[parent] as (typeof heap)[number]];
      index = parent;
    }
  }

  /** Forgets a state now (its code was refused, so it was never used). */
  delete(state: string): void {
    this.#expiries.delete(state);
    // Its heap entry stays until it reaches the top; rebuild when such entries pile up.
    if (this.#heap.length > 2 * this.#capacity) this.#rebuild();
  }

  #rebuild(): void {
    const entries = [...this.#expiries].map(([state, expiresAt]) => ({ state, expiresAt }));
    this.#heap.length = 0;
    this.#expiries.clear();
    for (const { state, expiresAt } of entries) this.add(state, expiresAt, Number.NEGATIVE_INFINITY);
  }

  #forgetExpired(now: number): void {
    while (this.#heap.length > 0 && (this.#heap[0] as { expiresAt: number }).expiresAt <= now) this.#removeFirst();
  }

  #removeFirst(): void {
    const heap = this.#heap;
    const first = heap[0];
    const last = heap.pop();
    if (!first || !last) return;
    // An entry let go early (delete) no longer matches the map, or is back with another expiry.
    if (this.#expiries.get(first.state) === first.expiresAt) this.#expiries.delete(first.state);
    if (heap.length === 0) return;
    heap[0] = last;
    // Sift down.
    let index = 0;
    for (;;) {
      const left = index * 2 + 1;
      const right = left + 1;
      let smallest = index;
      if (left < heap.length && (heap[left] as typeof last).expiresAt < (heap[smallest] as typeof last).expiresAt)
        smallest = left;
      if (right < heap.length && (heap[right] as typeof last).expiresAt < (heap[smallest] as typeof last).expiresAt)
        smallest = right;
      if (smallest === index) return;
      [heap[smallest], heap[index]] = [heap[index] as typeof last, heap[smallest] as typeof last];
      index = smallest;
    }
  }
}
