import { error, type Diagnostic } from "../../grammar/diagnostics.js";
import { differentiate } from "../autodiff/differentiate.js";
import { parseLossesOption } from "../autodiff/losses-option.js";
import { PASS_CODES } from "./codes.js";
import type { Pass } from "./pass.js";
import { placeholderSpan } from "../../grammar/span.js";

interface AutodiffOptions {
  func: string;
  losses: string;
  name?: string;
}

/**
 * Reverse-mode autodiff as a pass: adds `<func>_grad` (the forward plus its backward, returning
 * `grad.<param>` for every selected parameter) next to the functions the module already has.
 */
export const autodiff: Pass<AutodiffOptions> = {
  name: "autodiff",
  description: "Add a function computing the gradients of scalar loss results with respect to chosen parameters (reverse mode).",
  options: {
    func: { kind: "string", default: "forward", doc: "the function to differentiate" },
    losses: {
      kind: "string",
      doc: 'loss results and the parameters each trains: "loss:conv1,conv2;aux:head" (names or dotted prefixes), or "loss:*" for all trainable parameters',
    },
    name: { kind: "string", optional: true, doc: "name of the new function (default `<func>_grad`)" },
  },
  provides: ["has-backward"],
  run(module, ctx, options) {
    const span = ctx.span ?? module.span ?? placeholderSpan();
    const fail = (diagnostics: Diagnostic[]) => ({ module, changed: false, diagnostics });
    const { losses, diagnostics } = parseLossesOption(options.losses, span);
    if (diagnostics.length) return fail(diagnostics);
    const func = module.funcs.find((f) => f.name === options.func);
    if (!func) {
      const names = module.funcs.map((f) => `\`${f.name}\``).join(", ");
      return fail([error(PASS_CODES.badAutodiffTarget.code, `module \`${module.name}\` has no function \`${options.func}\``, span, { help: `its functions: ${names}` })]);
    }
    const name = options.name ?? `${func.name}_grad`;
    if (module.funcs.some((f) => f.name === name)) {
      return fail([error(PASS_CODES.badAutodiffTarget.code, `module \`${module.name}\` already has a function \`${name}\``, span, { help: "choose another with the `name` option" })]);
    }
    const grad = differentiate(func, { losses, name, params: module.params, span });
    if (Array.isArray(grad)) return fail(grad);
    ctx.log(`autodiff: ${module.name}.${name}: ${grad.body.length - func.body.length} backward node(s)`);
    return { module: { ...module, funcs: [...module.funcs, grad] }, changed: true, diagnostics: [] };
  },
};
