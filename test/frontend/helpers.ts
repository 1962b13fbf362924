import { expect } from "vitest";
import { compile, type CompileOptions, type CompiledProgram } from "../../compiler/index.js";
import type { Diagnostic } from "../../grammar/diagnostics.js";
import { formatDiagnostic } from "../../grammar/format.js";
import type { Func, Module, Node } from "../../compiler/ir/types.js";

export const FILE = "test.gnn";

/** Compile and insist on success; failures show the formatted diagnostics. */
export function compileOk(source: string, options: Partial<CompileOptions> = {}): CompiledProgram {
  const { program, diagnostics } = compile(source, { file: FILE, ...options });
  const shown = diagnostics.map((d) => formatDiagnostic(d, (f) => (f === FILE ? source : options.readFile?.(f)))).join("\n\n");
  expect(diagnostics.filter((d) => d.severity === "error"), shown).toEqual([]);
  expect(program).toBeDefined();
  return program!;
}

/** Compile and insist on failure; returns the diagnostics. */
export function compileErr(source: string, options: Partial<CompileOptions> = {}): Diagnostic[] {
  const { program, diagnostics } = compile(source, { file: FILE, ...options });
  expect(program).toBeUndefined();
  return diagnostics;
}

/** The only module of a program. */
export function onlyModule(p: CompiledProgram): Module {
  expect(p.modules).toHaveLength(1);
  return p.modules[0];
}

export function func(m: Module, name: "forward" | "predict"): Func {
  const f = m.funcs.find((x) => x.name === name);
  expect(f, `module ${m.name} has func ${name}`).toBeDefined();
  return f!;
}

/** Every node of a function, regions included, in order. */
export function allNodes(f: Func): Node[] {
  const out: Node[] = [];
  const walk = (nodes: readonly Node[]) => {
    for (const n of nodes) {
      out.push(n);
      for (const r of n.regions ?? []) walk([...r.params, ...r.body]);
    }
  };
  walk(f.body);
  return out;
}

export function ops(f: Func): string[] {
  return allNodes(f).map((n) => n.op);
}

/** `name: shape` for every parameter, for compact assertions. */
export function paramTable(m: Module): Record<string, string> {
  return Object.fromEntries(m.params.map((p) => [p.name, `[${p.type.shape.join(",")}]`]));
}

/** A tiny model around one layer, so each layer's parameters can be inspected. */
export function oneLayer(decl: string, forward = "layer(x, g)", inWidth: number | string = 8): string {
  return `model Net(in_channels: int = ${inWidth}) {
  layer = ${decl}
  forward(x: f32[N, in_channels], g: graph[N]) = ${forward}
}`;
}
