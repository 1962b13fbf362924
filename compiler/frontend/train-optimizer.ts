import type { Arg, Expr } from "../../grammar/ast.js";
import type { Span } from "../../grammar/span.js";
import { didYouMean } from "../../grammar/suggest.js";
import { exprText } from "./expr-text.js";
import { Abort, didYouMeanHelp, type Reporter } from "./report.js";
import { bindOptions, type BoundOption, type OptParam } from "./train-options.js";
import { OPTIMIZERS, type OptimizerGroup, type OptimizerName, type OptimizerOptions, type OptimizerSpec } from "../train/spec.js";

/** Per-optimizer options with torch's defaults. */
const OPTION_PARAMS: Record<string, OptParam> = {
  lr: { name: "lr", kind: "number", min: 0, positional: true },
  momentum: { name: "momentum", kind: "number", min: 0 },
  nesterov: { name: "nesterov", kind: "bool" },
  weight_decay: { name: "weight_decay", kind: "number", min: 0 },
  betas: { name: "betas", kind: "pair", min: 0, max: 1, maxExclusive: true },
  eps: { name: "eps", kind: "number", min: 0 },
};
const ACCEPTS: Record<OptimizerName, string[]> = {
  sgd: ["lr", "momentum", "nesterov", "weight_decay"],
  adam: ["lr", "betas", "eps", "weight_decay"],
  adamw: ["lr", "betas", "eps", "weight_decay"],
};
const CLIP_NORM: OptParam = { name: "clip_norm", kind: "number", min: 0 };

/**
 * `adam(lr = 0.01, weight_decay = 5e-4, groups = [group(conv1, weight_decay = 0)])`. Group
 * members are checked against the model's members when those are known.
 */
export function checkOptimizer(value: Expr, members: readonly string[] | undefined, r: Reporter): OptimizerSpec {
  const call = value.kind === "Call" ? value : undefined;
  const callee = call ? call.callee : value;
  if (callee.kind !== "Name") {
    return r.fail("E512", `\`optimizer\` is an optimizer such as \`adam(lr = 0.01)\`, found \`${exprText(value)}\``, value.span);
  }
  const name = callee.name as OptimizerName;
  if (!(OPTIMIZERS as readonly string[]).includes(name)) {
    return r.fail("E505", `unknown optimizer \`${callee.name}\``, callee.span, {
      help: didYouMeanHelp(didYouMean(callee.name, OPTIMIZERS)) ?? "the optimizers are `sgd`, `adam` and `adamw`",
    });
  }
  const args = call?.args ?? [];
  const groupsArg = args.find((a) => a.name?.name === "groups");
  const before = r.errors;
  // The optimizer's own options and its groups are checked independently, so both report.
  const own = orUndefined(() =>
    bindOptions(args.filter((a) => a !== groupsArg), [...ACCEPTS[name].map((k) => OPTION_PARAMS[k]), CLIP_NORM], {
      callee: name,
      reporter: r,
      unknown: (opt, span) => wrongOptimizer(name, opt, span, r),
    }),
  );
  const groups = groupsArg ? (orUndefined(() => checkGroups(groupsArg, name, members, r)) ?? []) : [];
  if (!own || r.errors > before) throw new Abort();
  const options = withDefaults(name, own);
  if (options.nesterov && !(options.momentum! > 0)) {
    r.fail("E406", "`nesterov = true` needs `momentum` > 0", own.get("nesterov")!.span, { help: "torch's SGD rejects Nesterov momentum without momentum" });
  }
  const clip = own.get("clip_norm")?.value as number | undefined;
  return { name, options, ...(clip !== undefined ? { clipNorm: clip } : {}), groups, span: value.span };
}

function orUndefined<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof Abort)) throw e;
    return undefined;
  }
}

function withDefaults(name: OptimizerName, given: ReadonlyMap<string, BoundOption>): OptimizerOptions {
  const num = (k: string, d: number) => (given.get(k)?.value as number | undefined) ?? d;
  const base = { lr: num("lr", 1e-3), weightDecay: num("weight_decay", name === "adamw" ? 1e-2 : 0) };
  if (name === "sgd") return { ...base, momentum: num("momentum", 0), nesterov: (given.get("nesterov")?.value as boolean | undefined) ?? false };
  const betas = (given.get("betas")?.value as number[] | undefined) ?? [0.9, 0.999];
  return { ...base, betas: [betas[0], betas[1]], eps: num("eps", 1e-8) };
}

/** `momentum` on adam: a known option, but of another optimizer. */
function wrongOptimizer(name: OptimizerName, opt: string, span: Span, r: Reporter): boolean {
  const owners = OPTIMIZERS.filter((o) => ACCEPTS[o].includes(opt));
  if (owners.length === 0) return false;
  r.error("E514", `\`${opt}\` is not an option of \`${name}\` (it belongs to ${owners.map((o) => `\`${o}\``).join(" and ")})`, span, {
    help: `\`${name}\` takes ${[...ACCEPTS[name], "clip_norm", "groups"].map((k) => `\`${k}\``).join(", ")}`,
  });
  return true;
}

function checkGroups(arg: Arg, name: OptimizerName, members: readonly string[] | undefined, r: Reporter): OptimizerGroup[] {
  const list = arg.value;
  if (list.kind !== "List") {
    return r.fail("E512", "`groups` is a list of `group(member, option = value, …)`", list.span);
  }
  const before = r.errors;
  const out: OptimizerGroup[] = [];
  const seen = new Map<string, Span>();
  for (const e of list.elements) {
    if (e.kind !== "Call" || e.callee.kind !== "Name" || e.callee.name !== "group") {
      r.error("E512", `each entry of \`groups\` is \`group(member, option = value, …)\`, found \`${exprText(e)}\``, e.span);
      continue;
    }
    const [first, ...rest] = e.args;
    if (!first || first.name || first.value.kind !== "Name") {
      r.error("E512", "a group names a member of the model first: `group(conv1, weight_decay = 5e-4)`", first?.span ?? e.span);
      continue;
    }
    const member = first.value.name;
    if (members && !members.includes(member)) {
      r.error("E513", `the model has no member \`${member}\``, first.value.span, {
        help: didYouMeanHelp(didYouMean(member, members)) ?? `its members are ${members.map((m) => `\`${m}\``).join(", ")}`,
      });
      continue;
    }
    const prev = seen.get(member);
    if (prev) {
      r.error("E513", `member \`${member}\` is in two groups`, first.value.span, { labels: [{ span: prev, message: "first grouped here" }] });
      continue;
    }
    seen.set(member, first.value.span);
    try {
      const opts = bindOptions(rest, ACCEPTS[name].map((k) => ({ ...OPTION_PARAMS[k], positional: false })), {
        callee: "group",
        reporter: r,
        unknown: (opt, span) => wrongOptimizer(name, opt, span, r),
      });
      out.push({ member, options: groupOptions(opts), span: e.span });
    } catch (err) {
      if (!(err instanceof Abort)) throw err;
    }
  }
  if (r.errors > before) throw new Abort();
  return out;
}

function groupOptions(given: ReadonlyMap<string, BoundOption>): Partial<OptimizerOptions> {
  const out: Partial<OptimizerOptions> = {};
  for (const [k, { value }] of given) {
    if (k === "lr") out.lr = value as number;
    else if (k === "weight_decay") out.weightDecay = value as number;
    else if (k === "momentum") out.momentum = value as number;
    else if (k === "nesterov") out.nesterov = value as boolean;
    else if (k === "eps") out.eps = value as number;
    else if (k === "betas") out.betas = [(value as number[])[0], (value as number[])[1]];
  }
  return out;
}
