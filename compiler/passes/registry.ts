import { autodiff } from "./autodiff.js";
import { cse } from "./cse.js";
import { dce } from "./dce.js";
import { evaluateAhead } from "./evaluate-ahead.js";
import { expandReversible } from "./expand-reversible.js";
import { fuseElementwise } from "./fuse-elementwise.js";
import { fuseEpilogue } from "./fuse-epilogue.js";
import { fuseMessage } from "./fuse-message.js";
import { licm } from "./licm.js";
import type { AnyPass } from "./pass.js";
import { toReversible } from "./to-reversible.js";
import { shapeInference } from "./shape-inference.js";
import { sparsify } from "./sparsify/index.js";
import { transformFirst } from "./transform-first.js";

/** Passes by name: what pipelines resolve names against and what `gnnc passes` lists. */
export interface PassRegistry {
  get(name: string): AnyPass | undefined;
  /** Sorted, for listings and did-you-mean. */
  names(): string[];
  all(): AnyPass[];
}

const BUILTINS: readonly AnyPass[] = [shapeInference, cse, dce, licm, autodiff, expandReversible, fuseElementwise, fuseEpilogue, fuseMessage, toReversible, transformFirst, sparsify, evaluateAhead];

/** The built-in passes, in the order a listing shows them. */
export function builtinPasses(): AnyPass[] {
  return [...BUILTINS];
}

export function getPass(name: string): AnyPass | undefined {
  return BUILTINS.find((p) => p.name === name);
}

/**
 * A registry of the built-ins plus `extra` (user passes, test passes). A name may be registered
 * once: a user pass cannot silently replace a built-in, so loaders should check `get` first.
 */
export function createRegistry(extra: readonly AnyPass[] = [], base: readonly AnyPass[] = BUILTINS): PassRegistry {
  const byName = new Map<string, AnyPass>();
  for (const p of [...base, ...extra]) {
    if (byName.has(p.name)) throw new Error(`pass \`${p.name}\` is registered twice`);
    byName.set(p.name, p);
  }
  return {
    get: (name) => byName.get(name),
    names: () => [...byName.keys()].sort(),
    all: () => [...byName.values()],
  };
}

/** Passes that provide `property`, for hints such as "run `shape-inference` first". */
export function providersOf(registry: PassRegistry, property: string): AnyPass[] {
  return registry.all().filter((p) => p.provides?.includes(property));
}

/**
 * `registry` with extra names for some passes — a user pass is named in a pipeline by its file's
 * path, which is not its `name`.
 */
export function withAliases(registry: PassRegistry, aliases: ReadonlyMap<string, AnyPass>): PassRegistry {
  return { ...registry, get: (name) => aliases.get(name) ?? registry.get(name) };
}
