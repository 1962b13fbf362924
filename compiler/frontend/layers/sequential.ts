import type { Instance } from "../instance.js";
import { argStr, type BoundArgs } from "../signature.js";
import type { Value } from "../value.js";
import type { LayerContext, LayerDef, LayerInput } from "./layer.js";

/**
 * PyG's `Sequential(input_args, modules)`: the model's inputs are named by `input_args`
 * ("x, edge_index, batch"), and each entry of `modules` is a module or a pair
 * `[module, "x, edge_index -> x"]` (PyG's tuple) saying which named values it reads and which it
 * writes; an entry without one reads and writes what the entry before it wrote. The i-th module's
 * parameters are named `module_i`, as in PyG.
 *
 * Given only a list, `Sequential([Linear(16, 32), ReLU(), Linear(32, 32)])`, it is
 * torch.nn.Sequential: one input passed through the modules in turn, named `0`, `1`, … (the
 * `nn` of GINConv in PyG's examples).
 */
export const Sequential: LayerDef = {
  signature: {
    name: "Sequential",
    params: [
      { name: "input_args", kind: "any" },
      { name: "modules", kind: "any", optional: true },
    ],
  },
  inputs: (args) => (torchStyle(args) ? [{ name: "input", kind: "tensor" }] : inputNames(args).map((name): LayerInput => ({ name, kind: "any" }))),
  validate(args, fail) {
    if (torchStyle(args)) {
      const list = args.get("input_args")!.value;
      if (list.kind === "list" && (list.items.length === 0 || list.items.some((item) => item.kind !== "module"))) {
        fail("input_args", "a torch-style Sequential is a non-empty list of modules", "e.g. `Sequential([Linear(16, 32), ReLU(), Linear(32, 32)])`");
      }
      return;
    }
    if (args.get("input_args")!.value.kind !== "str" || !args.has("modules")) {
      return fail("input_args", "a Sequential is `Sequential(\"x, edge_index\", [modules…])` (PyG's) or `Sequential([modules…])` (torch's)");
    }
    const names = inputNames(args);
    if (names.length === 0 || names.some((n) => !/^[A-Za-z_]\w*$/.test(n))) {
      fail("input_args", `\`input_args\` names the inputs, separated by commas, found ${JSON.stringify(argStr(args, "input_args"))}`, 'e.g. `Sequential("x, edge_index", [...])`');
    }
    const list = args.get("modules")!.value;
    if (list.kind !== "list" || list.items.length === 0) return fail("modules", "`modules` is a non-empty list of modules and `[module, \"in -> out\"]` pairs");
    list.items.forEach((item, k) => {
      const entry = entryOf(item);
      if (!entry) fail("modules", `entry ${k} of \`modules\` must be a module or a pair \`[module, "x, edge_index -> x"]\``);
      else if (k === 0 && !entry.desc) fail("modules", 'the first entry of `modules` needs its header, as in PyG: `[module, "x, edge_index -> x"]`');
      else if (entry.desc && !parseDesc(entry.desc)) fail("modules", `entry ${k} of \`modules\`: the header ${JSON.stringify(entry.desc)} must read "in, … -> out"`);
    });
  },
  params: () => [],
  children: (args) => entries(args).map((e, k): [string, Instance] => [childName(args, k), e.instance]),
  expand(ctx, args, inputs) {
    if (torchStyle(args)) {
      const out = entries(args).reduce<Value>((x, e, k) => ctx.callNamed(childName(args, k), e.instance, [x]), inputs[0]!);
      return out.kind === "tensor" ? out : ctx.fail("E305", "the last module of a Sequential must return a tensor");
    }
    const env = new Map<string, Value>();
    inputNames(args).forEach((name, k) => env.set(name, inputs[k]!));
    let header = { ins: [] as string[], out: "" };
    let last: Value | undefined;
    entries(args).forEach((e, k) => {
      // Without a header an entry reads and writes what the one before wrote (PyG's rule).
      header = e.desc ? parseDesc(e.desc)! : { ins: [header.out], out: header.out };
      const values = header.ins.map((name) => env.get(name) ?? missing(ctx, name, k));
      last = ctx.callNamed(childName(args, k), e.instance, values);
      env.set(header.out, last);
    });
    if (last?.kind !== "tensor") return ctx.fail("E305", "the last module of a Sequential must return a tensor");
    return last;
  },
};

/** torch.nn.Sequential's form: just a list of modules. */
function torchStyle(args: BoundArgs): boolean {
  return args.get("input_args")!.value.kind === "list";
}

/** The parameter name of entry k: torch's `k`, PyG's `module_k`. */
function childName(args: BoundArgs, k: number): string {
  return torchStyle(args) ? String(k) : `module_${k}`;
}

function inputNames(args: BoundArgs): string[] {
  return (argStr(args, "input_args") ?? "").split(",").map((s) => s.trim()).filter((s) => s !== "");
}

interface Entry {
  instance: Instance;
  desc?: string;
}

function entryOf(v: Value): Entry | undefined {
  if (v.kind === "module") return { instance: v.instance };
  const [m, d] = v.kind === "list" && v.items.length === 2 ? v.items : [];
  return m?.kind === "module" && d?.kind === "str" ? { instance: m.instance, desc: d.value } : undefined;
}

function entries(args: BoundArgs): Entry[] {
  const list = args.get(torchStyle(args) ? "input_args" : "modules")!.value;
  return list.kind === "list" ? list.items.map((item) => entryOf(item)!) : [];
}

/** "x, edge_index -> x" as its inputs and its one output. */
function parseDesc(desc: string): { ins: string[]; out: string } | undefined {
  const [ins, out, ...rest] = desc.split("->").map((s) => s.trim());
  const names = ins?.split(",").map((s) => s.trim()) ?? [];
  const name = /^[A-Za-z_]\w*$/;
  if (rest.length || out === undefined || !name.test(out) || names.some((n) => !name.test(n))) return undefined;
  return { ins: names, out };
}

function missing(ctx: LayerContext, name: string, entry: number): never {
  return ctx.fail("E201", `entry ${entry} of the Sequential reads \`${name}\`, which neither \`input_args\` nor an earlier entry defines`);
}
