import type { OpSpec } from "../spec.js";
import { epilogueOps } from "./epilogue.js";
import { fusedOps } from "./fused.js";
import { gradientOps } from "./gradient.js";
import { graphOps } from "./graph.js";
import { lossOps } from "./loss.js";
import { nnOps } from "./nn.js";
import { optOps } from "./opt.js";
import { sparseOps } from "./sparse.js";
import { structOps } from "./struct.js";
import { tensorOps } from "./tensor.js";

/** The op spec table: every op gnnc knows, by name. Each namespace lives in its own file. */
const table = new Map<string, OpSpec>();

export function registerOps(specs: readonly OpSpec[]): void {
  for (const s of specs) {
    if (table.has(s.name)) throw new Error(`op ${s.name} registered twice`);
    table.set(s.name, s);
  }
}

export function getOpSpec(name: string): OpSpec | undefined {
  return table.get(name);
}

export function allOpSpecs(): OpSpec[] {
  return [...table.values()].sort((a, b) => a.name.localeCompare(b.name));
}

// The namespaces' tables only import helpers, never this file, so registering here has no cycle.
registerOps(structOps);
registerOps(tensorOps);
registerOps(nnOps);
registerOps(graphOps);
registerOps(lossOps);
registerOps(optOps);
registerOps(sparseOps);
registerOps(gradientOps);
registerOps(fusedOps);
registerOps(epilogueOps);
