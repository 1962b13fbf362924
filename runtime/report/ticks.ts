/**
 * Axis ticks at "nice" values (1, 2 or 5 times a power of ten), the way plotting libraries pick
 * them, so a reader can interpolate at a glance.
 */

export interface Axis {
  /** The axis range, widened to whole ticks. */
  min: number;
  max: number;
  ticks: number[];
  /** Decimals that show every tick distinctly. */
  decimals: number;
}

function niceStep(rough: number): number {
  const power = 10 ** Math.floor(Math.log10(rough));
  const fraction = rough / power;
  return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power;
}

export interface AxisOptions {
  /** About this many ticks (default 5). */
  count?: number;
  /** Ticks at whole numbers only (epochs). */
  integer?: boolean;
}

/** Ticks spanning the finite values of `values` (0..1 when there are none). */
export function niceAxis(values: readonly number[], options: AxisOptions = {}): Axis {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (lo > hi) [lo, hi] = [0, 1];
  if (lo === hi) {
    // One value (or a flat line): give it room above and below.
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const rough = niceStep((hi - lo) / (options.count ?? 5));
  const step = options.integer ? Math.max(1, rough) : rough;
  const min = Math.floor(lo / step) * step;
  const max = Math.ceil(hi / step) * step;
  const ticks: number[] = [];
  // Integer tick counts avoid accumulating floating-point error (0.30000000000000004).
  for (let k = 0; min + k * step <= max + step * 1e-9; k++) ticks.push(Number((min + k * step).toPrecision(12)));
  return { min, max, ticks, decimals: Math.max(0, -Math.floor(Math.log10(step) + 1e-9)) };
}

export function formatTick(value: number, axis: Axis): string {
  return value.toFixed(axis.decimals);
}
