import { joinPath, type Instance, type StackInstance } from "./instance.js";

/**
 * Rebuild an instance tree with stacks replaced: `replace(stack, path)` returns the stack's
 * replacement (the stack itself to keep it, and its insides, as they are) or undefined to look
 * inside it. Unchanged subtrees keep their identity, so an unchanged tree comes back as is.
 * Paths are the members' dotted names (`stack`, `enc.blocks`), for messages.
 */
export function mapStacks(inst: Instance, path: string, replace: (stack: StackInstance, path: string) => Instance | undefined): Instance {
  switch (inst.kind) {
    case "stack": {
      const replaced = replace(inst, path);
      if (replaced) return replaced;
      const body = mapStacks(inst.body, path, replace);
      return body === inst.body ? inst : { ...inst, body };
    }
    case "block": {
      const members = new Map([...inst.members].map(([name, m]) => [name, mapStacks(m, joinPath(path, name), replace)] as const));
      return [...members].every(([name, m]) => m === inst.members.get(name)) ? inst : { ...inst, members };
    }
    case "layer": {
      // Module-typed arguments (GINConv's `nn`) may hold blocks with stacks.
      const args = new Map(
        [...inst.args].map(([name, a]) => {
          if (a.value.kind !== "module") return [name, a] as const;
          const child = mapStacks(a.value.instance, joinPath(path, name), replace);
          return [name, child === a.value.instance ? a : { ...a, value: { kind: "module" as const, instance: child } }] as const;
        }),
      );
      return [...args].every(([name, a]) => a === inst.args.get(name)) ? inst : { ...inst, args };
    }
  }
}
