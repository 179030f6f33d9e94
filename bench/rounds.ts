/**
 * Measures every variant once per round, in an order shuffled afresh each round, so that a slow
 * patch of the machine (another process, a frequency change) hits all of them alike, no variant
 * always runs first after a warm-up, and none always follows the same one (whose leftover garbage
 * collection would otherwise always be billed to it).
 */
export async function alternateRounds<V extends string, M>(
  variants: readonly V[],
  rounds: number,
  measure: (variant: V) => Promise<M>,
): Promise<Map<V, M[]>> {
  const results = new Map<V, M[]>(variants.map((variant) => [variant, []]));
  for (let round = 0; round < rounds; round++) {
    for (const variant of shuffled(variants)) results.get(variant)?.push(await measure(variant));
  }
  return results;
}

/** A random permutation (Fisher–Yates). */
function shuffled<V>(values: readonly V[]): V[] {
  const order = [...values];
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [order[i], order[j]] = [order[j] as V, order[i] as V];
  }
  return order;
}
