import type { Diagnostic } from "../../grammar/diagnostics.js";
import { error } from "../../grammar/diagnostics.js";
import { PASS_CODES } from "../passes/codes.js";
import type { AnyPass, OptionSchema } from "../passes/pass.js";
import { spanIn } from "./typecheck.js";

const STAGES = ["forward", "training", "kernels"];
const KINDS = ["int", "float", "bool", "string", "enum"];

/**
 * The default export of a user pass must be a Pass: a module that type-checks may still export
 * an unannotated object. Every missing or ill-typed field is reported, at the `export default`.
 */
export function checkPassShape(value: unknown, text: string, path: string): { pass?: AnyPass; diagnostics: Diagnostic[] } {
  const at = text.search(/export\s+default\b/);
  const span = at >= 0 ? spanIn(text, path, at, at + "export default".length) : spanIn(text, path, 0, 0);
  const problems = value === undefined ? ["the file has no default export"] : typeof value !== "object" || value === null ? [`the default export is ${value === null ? "null" : `a ${typeof value}`}, not a Pass object`] : fieldProblems(value as Record<string, unknown>);
  if (problems.length === 0) return { pass: value as AnyPass, diagnostics: [] };
  return {
    diagnostics: problems.map((p) =>
      error(PASS_CODES.userPassNotAPass.code, `user pass ${path}: ${p}`, span, {
        help: 'export a Pass: `const pass: Pass = { name, description, options, run }; export default pass;` with `import type { Pass } from "gnnc/passes"`',
      }),
    ),
  };
}

function fieldProblems(p: Record<string, unknown>): string[] {
  const out: string[] = [];
  if (typeof p.name !== "string" || !/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(p.name)) out.push(`\`name\` must be a kebab-case string (\`drop-edge\`), found ${show(p.name)}`);
  if (typeof p.description !== "string") out.push(`\`description\` must be a string, found ${show(p.description)}`);
  if (typeof p.run !== "function") out.push(`\`run\` must be a function (module, ctx, options) => PassResult, found ${show(p.run)}`);
  if (p.stage !== undefined && !STAGES.includes(p.stage as string)) out.push(`\`stage\` must be one of ${STAGES.map((s) => `"${s}"`).join(", ")} (a user pass cannot be a model-stage pass), found ${show(p.stage)}`);
  for (const key of ["requires", "provides", "invalidates"]) {
    const v = p[key];
    if (v !== undefined && !(Array.isArray(v) && v.every((x) => typeof x === "string"))) out.push(`\`${key}\` must be a list of property names, found ${show(v)}`);
  }
  if (typeof p.options !== "object" || p.options === null || Array.isArray(p.options)) out.push(`\`options\` must be an object of option schemas (\`{}\` for none), found ${show(p.options)}`);
  else for (const [name, schema] of Object.entries(p.options)) out.push(...schemaProblems(name, schema));
  return out;
}

function schemaProblems(name: string, s: unknown): string[] {
  if (typeof s !== "object" || s === null) return [`option \`${name}\` must be a schema { kind, doc, default? }, found ${show(s)}`];
  const o = s as Partial<OptionSchema> & Record<string, unknown>;
  const out: string[] = [];
  if (!KINDS.includes(o.kind as string)) out.push(`option \`${name}\`: \`kind\` must be one of ${KINDS.join(", ")}, found ${show(o.kind)}`);
  if (typeof o.doc !== "string") out.push(`option \`${name}\`: \`doc\` must be a string (one line for \`gnnc passes\` and error messages)`);
  if (o.kind === "enum" && !(Array.isArray(o.values) && o.values.length > 0 && o.values.every((v) => typeof v === "string"))) out.push(`option \`${name}\`: an enum needs \`values\`, a non-empty list of strings`);
  return out;
}

function show(v: unknown): string {
  if (typeof v === "function") return "a function";
  if (v === undefined) return "nothing";
  try {
    return `\`${JSON.stringify(v)}\``;
  } catch {
    return `a ${typeof v}`;
  }
}
