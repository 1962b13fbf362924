import type { Arg, Expr } from "../../grammar/ast.js";
import { didYouMean } from "../../grammar/suggest.js";
import type { OptionSchema } from "../passes/pass.js";
import { builtinPasses } from "../passes/registry.js";
import { exprText } from "./expr-text.js";
import { Abort, didYouMeanHelp, type Reporter } from "./report.js";
import { freeValue } from "./train-options.js";
import type { OptionValue, PassSpec } from "../train/spec.js";
import type { Span } from "../../grammar/span.js";
import { resolveOptions, type GivenOption } from "../passes/options.js";
import { loadNamedPass } from "../user-passes/pipeline.js";

/**
 * Names a user may reach for that are not passes here, and what to write instead: three techniques
 * are schedules (they train several programs), three are language constructs, and weight
 * sparsification is a pass not built yet.
 */
const NOT_PASSES: Readonly<Record<string, string>> = {
  decouple: "decoupled training is a schedule: `schedule = decoupled(…)`",
  decoupled: "decoupled training is a schedule: `schedule = decoupled(…)`",
  admm: "layer-parallel ADMM is a schedule: `schedule = admm(…)`",
  soup: "model souping is a schedule: `schedule = soup(…)`",
  reversible: "reversible stacks are written in the model: `reversible(groups = 2) repeat(n) Block(…)`, or `passes = [to_reversible(groups = 2)]` for a residual stack",
  "tie-weights": "weight tying is written in the model: `repeat(n, tied = true) Block(…)`",
  equilibrium: "equilibrium models are written in the model: `equilibrium(max_iter = …) Block(…)`",
  sparsify: "weight sparsification (`sparsify`) is not built yet",
};

/** What checking a user pass needs: the .gnn file, how paths relative to it resolve, and how files are read. */
export interface PassEnv {
  file: string;
  resolvePath: (from: string, spec: string) => string;
  /** Reads the pass's file (the CLI records what it reads, to print source frames); the file system by default. */
  readFile?: (path: string) => string | undefined;
}

/** `passes = [cse, to_reversible(groups = 2), pass("./my-pass.ts", level = 2)]`. */
export function checkPasses(value: Expr, env: PassEnv, r: Reporter): PassSpec[] {
  const items = value.kind === "List" ? value.elements : [value];
  const before = r.errors;
  const out: PassSpec[] = [];
  for (const item of items) {
    try {
      out.push(checkPass(item, env, r));
    } catch (e) {
      if (!(e instanceof Abort)) throw e;
    }
  }
  if (r.errors > before) throw new Abort();
  return out;
}

function checkPass(e: Expr, env: PassEnv, r: Reporter): PassSpec {
  const call = e.kind === "Call" ? e : undefined;
  const callee = call ? call.callee : e;
  if (callee.kind !== "Name") {
    return r.fail("E512", `a pass is a name or a call such as \`sparsify(density = 0.1)\`, found \`${exprText(e)}\``, e.span);
  }
  const args = call?.args ?? [];
  if (callee.name === "pass") return userPass(e, args, env, r);
  // Identifiers cannot contain `-`, so `shape_inference` names the pass `shape-inference`.
  const name = callee.name.replace(/_/g, "-");
  const builtin = builtinPasses().find((p) => p.name === name);
  const known = builtinPasses().map((p) => p.name);
  if (!builtin && Object.hasOwn(NOT_PASSES, name)) return r.fail("E511", `\`${callee.name}\` is not a pass`, callee.span, { help: NOT_PASSES[name] });
  if (!builtin) {
    return r.fail("E511", `unknown pass \`${callee.name}\``, callee.span, {
      help: didYouMeanHelp(didYouMean(name, known)?.replace(/-/g, "_")) ?? `the passes are ${known.map((k) => `\`${k.replace(/-/g, "_")}\``).join(", ")}; user passes are \`pass("./file.ts")\``,
    });
  }
  const options: Record<string, OptionValue> = {};
  const optionSpans: Record<string, Span> = {};
  for (const a of args) {
    if (!a.name) r.fail("E404", `options of pass \`${callee.name}\` are named: \`option = value\``, a.span);
    optionSpans[a.name.name] = a.value.span;
    const v = freeValue(a.value, r);
    if (v === undefined) throw new Abort();
    const schema = builtin?.options[a.name.name];
    if (builtin && !schema) {
      const names = Object.keys(builtin.options);
      r.fail("E401", `pass \`${callee.name}\` has no option \`${a.name.name}\``, a.name.span, {
        help: didYouMeanHelp(didYouMean(a.name.name, names)) ?? (names.length ? `its options are ${names.map((n) => `\`${n}\``).join(", ")}` : "it takes no options"),
      });
    }
    if (schema) checkSchema(schema, v, `option \`${a.name.name}\` of pass \`${callee.name}\``, a.value, r);
    options[a.name.name] = v;
  }
  return { name, options, optionSpans, pass: builtin, span: e.span };
}

/**
 * `pass("./file.ts", option = value, …)`: the file is loaded (type-checked against the published
 * API, see compiler/user-passes) and its options checked against the pass's own schema, so that
 * `gnnc check` refuses a broken user pass as training would.
 */
function userPass(e: Expr, args: readonly Arg[], env: PassEnv, r: Reporter): PassSpec {
  const path = args[0];
  if (!path || path.name || path.value.kind !== "String") {
    return r.fail("E512", "a user pass is `pass(\"./file.ts\", option = value, …)` with the path first", e.span);
  }
  const given: GivenOption[] = [];
  for (const a of args.slice(1)) {
    if (!a.name) r.fail("E404", "options of a user pass are named: `option = value`", a.span);
    const v = freeValue(a.value, r);
    if (v === undefined) throw new Abort();
    given.push({ key: a.name.name, value: v, keySpan: a.name.span, valueSpan: a.value.span });
  }
  const written = path.value.value;
  const resolvedPath = env.resolvePath(env.file, written);
  const loaded = loadNamedPass(resolvedPath, path.value.span, { readFile: env.readFile });
  r.add(loaded.diagnostics);
  if (!loaded.pass) throw new Abort();
  const checked = resolveOptions(loaded.pass, given, e.span);
  r.add(checked.diagnostics);
  if (checked.diagnostics.some((d) => d.severity === "error")) throw new Abort();
  const optionSpans = Object.fromEntries(given.flatMap((g) => (g.valueSpan ? [[g.key, g.valueSpan]] : [])));
  return { name: loaded.pass.name, options: checked.options, optionSpans, pass: loaded.pass, path: written, resolvedPath, span: e.span };
}

function checkSchema(schema: OptionSchema, v: OptionValue, what: string, e: Expr, r: Reporter): void {
  const ok =
    schema.kind === "int"
      ? typeof v === "number" && Number.isInteger(v)
      : schema.kind === "float"
        ? typeof v === "number"
        : schema.kind === "bool"
          ? typeof v === "boolean"
          : typeof v === "string" && (schema.kind !== "enum" || (schema.values ?? []).includes(v));
  if (ok) return;
  const expected = schema.kind === "enum" ? `one of ${(schema.values ?? []).map((s) => `\`${s}\``).join(", ")}` : `a ${schema.kind}`;
  r.fail("E405", `${what} must be ${expected}, found \`${exprText(e)}\``, e.span, { help: schema.doc });
}
