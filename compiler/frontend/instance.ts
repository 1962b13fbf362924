import type { ModuleDecl } from "../../grammar/ast.js";
import type { Span } from "../../grammar/span.js";
import type { Dim } from "../ir/types.js";
import type { LayerDef } from "./layers/layer.js";
import type { BoundArgs } from "./signature.js";
import type { Value } from "./value.js";

/**
 * Instances are templates with every constructor argument resolved: what a member such as
 * `conv1 = GCNConv(in_channels, hidden)` denotes. They carry no parameter names: a name is the
 * path under which an instance is called (`conv1`, `stack.convs.0.conv`), so one instance can be
 * emitted under several paths (the groups of a reversible stack).
 */
export type Instance = LayerInstance | BlockInstance | StackInstance;

interface InstanceBase {
  /** `GCNConv`, `ResBlock`, `repeat ResBlock`: for messages. */
  readonly typeName: string;
  /** The expression that created the instance. */
  readonly span: Span;
}

export interface LayerInstance extends InstanceBase {
  readonly kind: "layer";
  readonly layer: LayerDef;
  readonly args: BoundArgs;
}

export interface BlockInstance extends InstanceBase {
  readonly kind: "block";
  readonly decl: ModuleDecl;
  /** The block's parameters (`width`, `p`), in declaration order. */
  readonly params: ReadonlyMap<string, Value>;
  /** The parameters given by the call; the others took their defaults (re-instantiation re-evaluates those). */
  readonly given: ReadonlySet<string>;
  /** Members in declaration order. */
  readonly members: ReadonlyMap<string, Instance>;
  /** `aggr = "…"` of a block that defines `message` (PyG's MessagePassing aggregation; default sum). */
  readonly aggr?: string;
}

export type StackMode = "repeat" | "reversible" | "equilibrium";

/** How a stack lowers: one `s.loop` whose body calls `body` (per group, for reversible stacks). */
export interface LoopSpec {
  readonly mode: StackMode;
  /** Iterations: `repeat(n)`'s n, or `equilibrium`'s max_iter. */
  readonly trip: Dim;
  /** One parameter set for every iteration (tied repeat, equilibrium) instead of stacked ones. */
  readonly tied: boolean;
  /** Reversible: the channel groups C (each sub-block sees width/C). */
  readonly groups?: number;
  readonly maxIter?: number;
  readonly tol?: number;
  /** Equilibrium: Anderson acceleration memory (absent: plain fixed-point iteration). */
  readonly anderson?: number;
  /** The modifier that fixes `groups`, for "does not divide" errors. */
  readonly groupsSpan?: Span;
}

export interface StackInstance extends InstanceBase {
  readonly kind: "stack";
  readonly loop: LoopSpec;
  readonly body: Instance;
}

/** Parameter-name prefix of group `g` of a reversible stack (PyG's GroupAddRev names them `convs.g`). */
export function groupPath(stackPath: string, group: number): string {
  return joinPath(stackPath, `convs.${group}`);
}

/** `prefix.name`; an empty name is the prefix itself (a `Parameter` member is its own parameter). */
export function joinPath(prefix: string, name: string): string {
  if (name === "") return prefix;
  return prefix === "" ? name : `${prefix}.${name}`;
}
