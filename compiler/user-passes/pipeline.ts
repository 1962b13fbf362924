import { resolve } from "node:path";
import type { Diagnostic } from "../../grammar/diagnostics.js";
import { error } from "../../grammar/diagnostics.js";
import type { Span } from "../../grammar/span.js";
import { PASS_CODES } from "../passes/codes.js";
import { builtinPasses, createRegistry, withAliases, type PassRegistry } from "../passes/index.js";
import type { AnyPass } from "../passes/pass.js";
import { isPassPath, parsePipelineText } from "../passes/pipeline-text.js";
import { loadUserPass, type UserPassOptions } from "./load.js";

/**
 * Load a user pass named where `named` points (a `.gnn` `pass("./p.ts")`, a `--passes` entry):
 * its diagnostics get a label there, and a name that is already taken is refused.
 */
export function loadNamedPass(path: string, named: Span, options: UserPassOptions, taken: ReadonlyMap<string, string> = new Map()): { pass?: AnyPass; diagnostics: Diagnostic[] } {
  const r = loadUserPass(path, options);
  const label = { span: named, message: "the pass is named here" };
  // A file that cannot be read has no text to point into: the error stands where it is named.
  const unreadable = (d: Diagnostic) => d.code === PASS_CODES.userPassUnreadable.code;
  const diagnostics = r.diagnostics.map((d) => (unreadable(d) ? { ...d, span: named } : d.span.file === named.file ? d : { ...d, labels: [...(d.labels ?? []), label] }));
  if (!r.pass) return { diagnostics };
  const builtin = builtinPasses().some((p) => p.name === r.pass!.name);
  const other = taken.get(r.pass.name);
  if (builtin || (other !== undefined && other !== path)) {
    const by = builtin ? "a built-in pass" : `the user pass ${other}`;
    diagnostics.push(error(PASS_CODES.userPassNameTaken.code, `user pass ${path} is named \`${r.pass.name}\`, the name of ${by}`, named, { help: "give the pass a name of its own: pipelines, --after and --print-ir-after refer to passes by name" }));
    return { diagnostics };
  }
  return { pass: r.pass, diagnostics };
}

/**
 * The registry a `--passes` text needs: the built-ins, and each user pass its entries name by
 * path (relative to `baseDir`), loaded once.
 */
export function pipelineRegistry(
  text: string,
  file: string,
  baseDir: string,
  options: UserPassOptions = {},
): { registry: PassRegistry; userPassNames: Set<string>; diagnostics: Diagnostic[] } {
  const aliases = new Map<string, AnyPass>();
  const names = new Map<string, string>();
  const diagnostics: Diagnostic[] = [];
  for (const e of parsePipelineText(text, file).entries) {
    if (!isPassPath(e.name) || aliases.has(e.name)) continue;
    const r = loadNamedPass(resolve(baseDir, e.name), e.nameSpan, options, names);
    diagnostics.push(...r.diagnostics);
    if (r.pass) {
      aliases.set(e.name, r.pass);
      names.set(r.pass.name, resolve(baseDir, e.name));
    }
  }
  return { registry: withAliases(createRegistry(), aliases), userPassNames: new Set(names.keys()), diagnostics };
}
