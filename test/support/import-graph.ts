import type { SourceFile } from "ts-morph";
import { relative } from "node:path";

/** One import or re-export between two project files, as root-relative paths. */
export interface Import {
  readonly from: string;
  readonly to: string;
  /** `import type` / `export type`: erased by TypeScript, so no module loads the other at run time. */
  readonly typeOnly: boolean;
}

/** Every import and re-export between the given files (packages left out). */
export function importsOf(files: readonly SourceFile[], root: string): Import[] {
  const out: Import[] = [];
  for (const file of files) {
    for (const decl of [...file.getImportDeclarations(), ...file.getExportDeclarations()]) {
      const target = decl.getModuleSpecifierSourceFile();
      if (!target || target.isInNodeModules()) continue;
      const to = relative(root, target.getFilePath());
      // A package installed elsewhere and linked in (node_modules → node_modules.local) resolves outside node_modules/.
      if (/^node_modules[^/\\]*[/\\]/.test(to)) continue;
      out.push({ from: relative(root, file.getFilePath()), to, typeOnly: decl.isTypeOnly() });
    }
  }
  return out;
}

/**
 * The folder a file belongs to for the layering rules: its top-level directory, or for the two
 * large layers (compiler/, runtime/) the sub-folder below it, nested folders included
 * (compiler/ir/ops/x.ts is in compiler/ir). Files directly in compiler/ are the folder `compiler`.
 */
export function folderOf(path: string): string {
  const parts = path.split(/[\\/]/);
  return (parts[0] === "compiler" || parts[0] === "runtime") && parts.length > 2 ? `${parts[0]}/${parts[1]}` : parts[0];
}

/**
 * The cycles of a directed graph: one per strongly connected component of two or more nodes (or a
 * node importing itself), given as a path that starts and ends at the same node.
 */
export function cycles(edges: Iterable<readonly [string, string]>): string[][] {
  const next = new Map<string, Set<string>>();
  for (const [a, b] of edges) {
    if (!next.has(a)) next.set(a, new Set());
    if (!next.has(b)) next.set(b, new Set());
    next.get(a)!.add(b);
  }
  return components(next)
    .filter((c) => c.length > 1 || next.get(c[0])!.has(c[0]))
    .map((c) => cycleThrough(c, next));
}

/** Tarjan's strongly connected components. */
function components(next: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v)!) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    out.push(component.sort());
  };
  for (const v of [...next.keys()].sort()) if (!index.has(v)) visit(v);
  return out;
}

/** A shortest path from the component's first node back to itself, inside the component. */
function cycleThrough(component: readonly string[], next: ReadonlyMap<string, ReadonlySet<string>>): string[] {
  const inside = new Set(component);
  const start = component[0];
  const cameFrom = new Map<string, string>();
  const queue = [start];
  for (let k = 0; k < queue.length; k++) {
    const v = queue[k];
    for (const w of [...next.get(v)!].sort()) {
      if (!inside.has(w)) continue;
      if (w === start) {
        const back = [v];
        while (back[back.length - 1] !== start) back.push(cameFrom.get(back[back.length - 1])!);
        return [...back.reverse(), start];
      }
      if (!cameFrom.has(w)) {
        cameFrom.set(w, v);
        queue.push(w);
      }
    }
  }
  throw new Error(`no cycle through ${start}`); // unreachable: a component of 2+ nodes has one
}
