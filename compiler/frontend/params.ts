import type { Dim, ParamInfo } from "../ir/types.js";
import { groupPath, joinPath, type Instance } from "./instance.js";

/**
 * Every parameter and buffer of an instance tree with its PyG-style dotted name. Parameters of an
 * untied stack gain a leading dim per enclosing stack (one slice per iteration).
 */
export function collectParams(root: Instance, path = ""): ParamInfo[] {
  const out: ParamInfo[] = [];
  walk(root, path, [], out);
  return out;
}

function walk(inst: Instance, path: string, leading: readonly Dim[], out: ParamInfo[]): void {
  switch (inst.kind) {
    case "layer":
      for (const p of inst.layer.params(inst.args)) {
        out.push({
          name: joinPath(path, p.name),
          type: { kind: "tensor", dtype: "f32", shape: [...leading, ...p.shape] },
          init: p.init,
          trainable: p.trainable,
          ...(leading.length > 0 ? { stacked: true } : {}),
          span: inst.span,
        });
      }
      // Module-typed arguments (GINConv's `nn`) own their parameters under the argument's name,
      // other children (Sequential's list) under the names their layer gives them.
      for (const [name, arg] of inst.args) {
        if (arg.value.kind === "module") walk(arg.value.instance, joinPath(path, name), leading, out);
      }
      for (const [name, child] of inst.layer.children?.(inst.args) ?? []) walk(child, joinPath(path, name), leading, out);
      return;
    case "block":
      for (const [name, member] of inst.members) walk(member, joinPath(path, name), leading, out);
      return;
    case "stack": {
      const inner = inst.loop.tied ? leading : [...leading, inst.loop.trip];
      if (inst.loop.mode === "reversible") {
        for (let g = 0; g < inst.loop.groups!; g++) walk(inst.body, groupPath(path, g), inner, out);
      } else {
        walk(inst.body, path, inner, out);
      }
      return;
    }
  }
}
