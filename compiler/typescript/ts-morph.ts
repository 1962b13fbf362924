import { createRequire } from "node:module";
import type * as TsMorph from "ts-morph";

/**
 * ts-morph, loaded at its first use rather than at import. It carries the TypeScript compiler
 * (about 0.6 s to load here, a quarter of `gnnc check`'s wall time), and only a few paths need it:
 * user passes (type-check, transpile) and `compile`'s TypeScript module. ts-morph is CommonJS,
 * so a synchronous require keeps its callers synchronous.
 */
let loaded: typeof TsMorph | undefined;

export function tsMorph(): typeof TsMorph {
  loaded ??= createRequire(import.meta.url)("ts-morph") as typeof TsMorph;
  return loaded;
}
