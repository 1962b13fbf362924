import type { ForwardDecl } from "../../grammar/ast.js";
import { dimDiv } from "../ir/dims.js";
import type { Dim } from "../ir/types.js";
import { resolveOptions } from "../passes/options.js";
import { toReversible } from "../passes/to-reversible.js";
import type { BlockInstance, StackInstance } from "./instance.js";
import type { ModelPassEnv } from "./model-pass-env.js";
import { LIMITS } from "../train/limits.js";
import { Abort } from "./report.js";
import { residualBranch } from "./residual-form.js";
import { mapStacks } from "./stack-map.js";
import type { ArgInput } from "./signature.js";
import type { PassSpec } from "../train/spec.js";
import { int } from "./value.js";

/** A plain residual stack found in the model, with the branch F its block adds to `h`. */
interface Candidate {
  path: string;
  block: BlockInstance;
  branch: ForwardDecl;
}

/**
 * The frontend half of the `to-reversible` pass (compiler/passes/to-reversible.ts): every `repeat(n) B(…)`
 * (tied or not) whose block returns `h + F` becomes `reversible(groups = C) repeat(n) B'(…)`, B'
 * returning F with B's width parameter divided by C — the stack a user would write by hand. The
 * width parameter is the block's one `int` parameter equal to the carried width D, which is only
 * known once the model's forward runs, so the model is elaborated once to observe it. A D that C
 * does not divide is left to the reversible stack's own check (E309, as for a hand-written stack).
 * Stacks inside a converted block are not converted again.
 */
export function convertResidualStacks(model: BlockInstance, pass: PassSpec, env: ModelPassEnv): BlockInstance {
  const r = env.reporter;
  const groups = groupsOption(pass, env);
  const candidates = new Map<StackInstance, Candidate>();
  mapStacks(model, "", (stack, path) => {
    const found = residualStack(stack, path);
    if (found) candidates.set(stack, found);
    return found ? stack : undefined; // nothing is converted inside a converted stack
  });
  if (candidates.size === 0) return nothingConverted(model, pass, env);

  const widths = new Map<StackInstance, Set<Dim>>();
  env.elaborate(model, (stack, carried) => {
    if (!candidates.has(stack) || carried.shape.length === 0) return;
    const seen = widths.get(stack) ?? new Set<Dim>();
    seen.add(carried.shape[carried.shape.length - 1]);
    widths.set(stack, seen);
  });

  const before = r.errors;
  const converted = mapStacks(model, "", (stack) => {
    const c = candidates.get(stack);
    const seen = widths.get(stack);
    // A stack the forward never calls has no width; it is left alone like a non-residual one.
    if (!c || !seen) return c ? stack : undefined;
    const body = convertedBody(c, [...seen], groups, pass, env);
    if (!body) return stack;
    const loop = { ...stack.loop, mode: "reversible" as const, groups, groupsSpan: pass.span };
    return { ...stack, typeName: `reversible ${stack.typeName}`, loop, body };
  });
  if (r.errors > before) throw new Abort();
  return converted === model ? nothingConverted(model, pass, env) : (converted as BlockInstance);
}

function nothingConverted(model: BlockInstance, pass: PassSpec, env: ModelPassEnv): BlockInstance {
  env.reporter.warning("W202", `the \`to_reversible\` pass converts nothing: \`${model.typeName}\` calls no residual stack`, pass.span, {
    help: "a residual stack is `repeat(n) Block(…)` whose block's forward returns `h + F(h, …)`, `h` being its first input; remove the pass or write such a stack",
  });
  return model;
}

function residualStack(stack: StackInstance, path: string): Candidate | undefined {
  if (stack.loop.mode !== "repeat" || stack.body.kind !== "block") return undefined;
  const fwd = stack.body.decl.forward;
  const branch = fwd && residualBranch(fwd);
  return branch ? { path, block: stack.body, branch } : undefined;
}

/** `groups` with its default; in [2, LIMITS.groups], like `reversible(groups = …)` in a stack. */
function groupsOption(pass: PassSpec, env: ModelPassEnv): number {
  const given = Object.entries(pass.options).map(([key, value]) => ({ key, value }));
  const { options, diagnostics } = resolveOptions(toReversible, given, pass.span);
  env.reporter.add(diagnostics);
  const groups = options.groups;
  if (diagnostics.length || typeof groups !== "number") throw new Abort();
  if (groups < 2) {
    env.reporter.fail("E406", `\`groups\` of pass \`to_reversible\` must be at least 2, found ${groups}`, pass.span, {
      help: "`to_reversible(groups = 2)` splits each block's channels into two halves",
    });
  }
  if (groups > LIMITS.groups.max) {
    env.reporter.fail("E406", `\`groups\` of pass \`to_reversible\` must be at most ${LIMITS.groups.max}, found ${groups}`, pass.span, { help: LIMITS.groups.why });
  }
  return groups;
}

/**
 * B' for one stack: B's template with forward F, re-instantiated with the width parameter divided by
 * C (other parameters as given; defaults re-evaluated, so sizes derived from the width follow it).
 * Undefined after an error. When C does not divide the width, B itself: the reversible stack then
 * reports E309 at the call, exactly as for a hand-written one.
 */
function convertedBody(c: Candidate, seen: Dim[], groups: number, pass: PassSpec, env: ModelPassEnv): BlockInstance | undefined {
  const r = env.reporter;
  const block = c.block;
  const label = { span: pass.span, message: `the \`to_reversible\` pass converts \`${c.path}\`` };
  if (seen.length > 1) {
    r.error("E516", `\`${c.path}\` carries values of different widths (${seen.join(", ")}), so the \`to_reversible\` pass cannot convert it`, block.span, {
      labels: [label],
      help: "call the stack with one width, or write the reversible stack by hand",
    });
    return undefined;
  }
  const width = seen[0];
  const names = [...block.params].filter(([, v]) => v.kind === "int" && v.value === width).map(([n]) => n);
  if (names.length !== 1) {
    r.error("E516", `the \`to_reversible\` pass cannot tell which parameter of \`${block.typeName}\` is the width of \`${c.path}\``, block.span, {
      labels: [label],
      help: widthHelp(c, names, width, groups),
    });
    return undefined;
  }
  const chunk = dimDiv(width, groups);
  if (chunk === undefined) return block;
  const decl = { ...block.decl, forward: c.branch };
  const args: ArgInput[] = block.decl.params
    .map((p) => p.name.name)
    .filter((n) => n === names[0] || block.given.has(n))
    .map((n) => ({ name: { kind: "Ident", name: n, span: block.span }, value: n === names[0] ? int(chunk) : block.params.get(n)!, span: block.span }));
  return env.instantiator.instantiateTemplate(decl, args, block.span);
}

function widthHelp(c: Candidate, names: readonly string[], width: Dim, groups: number): string {
  const block = c.block.typeName;
  const why = names.length
    ? `${names.map((n) => `\`${n}\``).join(" and ")} ${names.length === 2 ? "both" : "all"} equal the carried width ${width}`
    : `no \`int\` parameter of \`${block}\` equals the carried width ${width}`;
  return (
    `${why}; write the stack by hand: \`reversible(groups = ${groups}) repeat(n) Block(…)\` ` +
    `with a block whose forward returns the residual branch (without \`h +\`) and whose layers are ${width} / ${groups} wide`
  );
}
