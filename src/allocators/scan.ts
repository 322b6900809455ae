/**
 * Kubernetes' allocation scan (allocator.randomScanStrategyWithOffset): a
 * range of `max` slots is split into a lower, "static" band [0, offset) that
 * dynamic allocation uses only as a last resort, and an upper band
 * [offset, max) where it starts at a random slot and scans forward (wrapping).
 * Users who pick values by hand are told to pick them from the lower band, so
 * they rarely collide with dynamically allocated ones.
 */

/** min(max(lo, size/step), hi), or 0 when the range is too small for a band. */
export function staticBandSize(rangeSize: bigint, lo: number, step: number, hi: number, usable: number): number {
  if (rangeSize < BigInt(lo)) return 0;
  const byStep = rangeSize / BigInt(step);
  const band = byStep < BigInt(lo) ? lo : byStep > BigInt(hi) ? hi : Number(byStep);
  // A band that would cover the whole range leaves nothing to prefer: scan everything.
  return band >= usable ? 0 : band;
}

/**
 * The slot a dynamic allocation takes, or undefined when every slot is taken.
 * `rand` returns a float in [0, 1) (Math.random's contract).
 */
export function pickFree(max: number, offset: number, isFree: (slot: number) => boolean, rand: () => number): number | undefined {
  const scan = (from: number, size: number): number | undefined => {
    if (size <= 0) return undefined;
    const start = Math.min(size - 1, Math.floor(rand() * size));
    for (let i = 0; i < size; i++) {
      const at = from + ((start + i) % size);
      if (isFree(at)) return at;
    }
    return undefined;
  };
  return scan(offset, max - offset) ?? scan(0, offset);
}
