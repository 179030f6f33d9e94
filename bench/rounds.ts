/**
 * Measures every variant once per round, in an order that rotates from round to round, so that a
 * slow patch of the machine (another process, a frequency change) hits all of them alike and no
 * variant always runs first after a warm-up.
 */
export async function alternateRounds<V extends string, M>(
  variants: readonly V[],
  rounds: number,
  measure: (variant: V) => Promise<M>,
): Promise<Map<V, M[]>> {
  const results = new Map<V, M[]>(variants.map((variant) => [variant, []]));
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < variants.length; i++) {
      const variant = variants[(round + i) % variants.length] as V;
      results.get(variant)?.push(await measure(variant));
    }
  }
  return results;
}
