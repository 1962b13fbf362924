import type { Arg, Expr } from "../../grammar/ast.js";
import { didYouMean } from "../../grammar/suggest.js";
import type { OptionSchema } from "../passes/pass.js";
import { builtinPasses } from "../passes/registry.js";
import { exprText } from "./expr-text.js";
import { Abort, didYouMeanHelp, type Reporter } from "./report.js";
import { freeValue } from "./train-options.js";
import type { OptionValue, PassSpec } from "../train/spec.js";

/**
 * Technique passes of techniques.md with no implementation: a train block may name them (training
 * then refuses the block, see train/lower.ts); having no option schema, their options are not checked.
 */
const PLANNED_PASSES = ["decouple", "admm", "soup", "reversible", "tie-weights", "equilibrium", "sparsify"];

/** `passes = [cse, sparsify(density = 0.1), pass("./my-pass.ts", level = 2)]`. */
export function checkPasses(value: Expr, file: string, resolvePath: (from: string, spec: string) => string, r: Reporter): PassSpec[] {
  const items = value.kind === "List" ? value.elements : [value];
  const before = r.errors;
  const out: PassSpec[] = [];
  for (const item of items) {
    try {
      out.push(checkPass(item, file, resolvePath, r));
    } catch (e) {
      if (!(e instanceof Abort)) throw e;
    }
  }
  if (r.errors > before) throw new Abort();
  return out;
}

function checkPass(e: Expr, file: string, resolvePath: (from: string, spec: string) => string, r: Reporter): PassSpec {
  const call = e.kind === "Call" ? e : undefined;
  const callee = call ? call.callee : e;
  if (callee.kind !== "Name") {
    return r.fail("E512", `a pass is a name or a call such as \`sparsify(density = 0.1)\`, found \`${exprText(e)}\``, e.span);
  }
  const args = call?.args ?? [];
  if (callee.name === "pass") return userPass(e, args, file, resolvePath, r);
  // Identifiers cannot contain `-`, so `shape_inference` names the pass `shape-inference`.
  const name = callee.name.replace(/_/g, "-");
  const builtin = builtinPasses().find((p) => p.name === name);
  const known = [...builtinPasses().map((p) => p.name), ...PLANNED_PASSES];
  if (!builtin && !PLANNED_PASSES.includes(name)) {
    return r.fail("E511", `unknown pass \`${callee.name}\``, callee.span, {
      help: didYouMeanHelp(didYouMean(name, known)?.replace(/-/g, "_")) ?? `the passes are ${known.map((k) => `\`${k.replace(/-/g, "_")}\``).join(", ")}; user passes are \`pass("./file.ts")\``,
    });
  }
  const options: Record<string, OptionValue> = {};
  for (const a of args) {
    if (!a.name) r.fail("E404", `options of pass \`${callee.name}\` are named: \`option = value\``, a.span);
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
  return { name, options, span: e.span };
}

function userPass(e: Expr, args: readonly Arg[], file: string, resolvePath: (from: string, spec: string) => string, r: Reporter): PassSpec {
  const path = args[0];
  if (!path || path.name || path.value.kind !== "String") {
    return r.fail("E512", "a user pass is `pass(\"./file.ts\", option = value, …)` with the path first", e.span);
  }
  const options: Record<string, OptionValue> = {};
  for (const a of args.slice(1)) {
    if (!a.name) r.fail("E404", "options of a user pass are named: `option = value`", a.span);
    const v = freeValue(a.value, r);
    if (v === undefined) throw new Abort();
    options[a.name.name] = v;
  }
  const written = path.value.value;
  return { name: written, options, path: written, resolvedPath: resolvePath(file, written), span: e.span };
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
