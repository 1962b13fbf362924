/**
 * Functions belonging to parts (ADMM: one part per layer) that are independent within a step.
 * With `devices` > 1 the runtime spreads contiguous groups of parts over that many devices, each
 * in its own thread, and moves a state entry between them only when a function on one device
 * reads what a function on another wrote. Functions of no part run on the first device.
 */
export interface Placement {
  /** Each function's part, 0-based. */
  parts: Readonly<Record<string, number>>;
  /** How many parts there are. */
  count: number;
  devices: number;
  /** Entries that lie on a level set, each with the state entry holding the levels: they travel as level indices. */
  quantized: Readonly<Record<string, string>>;
}
