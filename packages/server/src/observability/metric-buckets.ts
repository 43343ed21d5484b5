/**
 * Histogram bucket bounds on a 1–2.5–5 ladder from `smallest` up to the first bound at or above
 * `largest`: fine where most observations fall, coarse up to the policy maximum.
 * @param smallest the first upper bound (must be positive).
 * @param largest the bucket bounds reach at least this value.
 * @returns increasing bucket upper bounds.
 * @throws RangeError when `smallest` is not positive or `largest` is smaller than `smallest`.
 */
export function ladderBuckets(smallest: number, largest: number): number[] {
  if (!(smallest > 0) || !(largest >= smallest)) {
    throw new RangeError(
      `bucket range must satisfy 0 < smallest <= largest, got ${smallest}..${largest}`,
    );
  }
  const buckets: number[] = [];
  let decade = 10 ** Math.floor(Math.log10(smallest));
  for (;;) {
    for (const step of [1, 2.5, 5]) {
      // Rounding keeps decimals such as 0.0025 exact in the exposition.
      const bound = Number((step * decade).toPrecision(6));
      if (bound < smallest) continue;
      buckets.push(bound);
      if (bound >= largest) return buckets;
    }
    decade *= 10;
  }
}
