import { describe, expect, it } from "vitest";
import { Project, type SourceFile } from "ts-morph";
import { join, relative, resolve } from "node:path";
import { cycles, folderOf, importsOf, type Import } from "./support/import-graph.js";

const COMPILER = ["compiler", "compiler/ir", "compiler/plan", "compiler/autodiff", "compiler/codegen", "compiler/passes", "compiler/frontend", "compiler/train", "compiler/api", "compiler/user-passes", "compiler/typescript", "compiler/schedules"];
const RUNTIME = ["runtime/reference", "runtime/data", "runtime/checkpoint", "runtime/gpu", "runtime/runner", "runtime/train", "runtime/report", "runtime/schedules", "runtime/partition"];

/**
 * Which folders each folder may import besides itself (a folder: see folderOf). design.md §1: data
 * flows one way, runtime → compiler → grammar, with the CLI and the benchmarks on top. In the
 * compiler the IR is the bottom; plans, autodiff and kernels read it, passes run those, and the
 * frontend and the training lowering build on them. A new folder needs a row here.
 */
const MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
  grammar: [],
  "compiler/ir": ["grammar"],
  // Plans place values in buffers and kernels in launches: they read the IR and what codegen emits.
  "compiler/plan": ["compiler/ir", "compiler/codegen", "grammar"],
  "compiler/autodiff": ["compiler/ir", "grammar"],
  "compiler/codegen": ["compiler/ir", "grammar"],
  "compiler/passes": ["compiler/ir", "compiler/autodiff", "compiler/codegen", "grammar"],
  // The frontend produces the train blocks' contract (compiler/train's types) and loads user passes.
  "compiler/frontend": ["compiler/ir", "compiler/passes", "compiler/train", "compiler/user-passes", "compiler/schedules", "grammar"],
  // A train block's passes are part of the contract (the loaded pass travels with its spec).
  "compiler/train": ["compiler/ir", "compiler/autodiff", "compiler/passes", "grammar"],
  // Schedules lower a train block to functions and a host plan, with the training lowering's parts.
  "compiler/schedules": ["compiler/ir", "compiler/plan", "compiler/autodiff", "compiler/train", "grammar"],
  // What a pass author imports (gnnc/ir, gnnc/passes): a view of the IR and the pass layer.
  "compiler/api": ["compiler/ir", "compiler/passes", "grammar"],
  // A user pass is type-checked and transpiled with the TypeScript toolchain, loaded lazily by compiler/typescript.
  "compiler/user-passes": ["compiler/api", "compiler/ir", "compiler/passes", "compiler/typescript", "grammar"],
  // Typed TypeScript modules for compiled train blocks (--emit ts).
  "compiler/typescript": ["compiler/ir", "compiler/train", "grammar"],
  // The entry points in compiler/ itself drive the whole compiler.
  compiler: [...COMPILER, "grammar"],
  "runtime/reference": ["compiler/ir", "compiler/plan", "grammar"],
  "runtime/data": ["compiler/ir", "compiler/train"],
  "runtime/checkpoint": ["compiler/ir", "runtime/data"],
  // Graph partitions (METIS) and the subgraphs of their parts, cached as files; a subgraph's
  // features carry their sparse form (compiler/codegen/pattern.ts), as bound data does (runtime/train/bind.ts).
  "runtime/partition": ["compiler/ir", "compiler/codegen", "runtime/checkpoint"],
  "runtime/gpu": ["compiler/ir", "compiler/plan", "compiler/codegen", "runtime/reference", "grammar"],
  // Runners run lowered functions; they know devices, never train blocks.
  "runtime/runner": ["compiler/ir", "compiler/plan", "compiler/codegen", "runtime/reference", "runtime/gpu", "grammar"],
  "runtime/train": ["compiler", "compiler/ir", "compiler/plan", "compiler/codegen", "compiler/passes", "compiler/train", "compiler/schedules", "runtime/reference", "runtime/data", "runtime/checkpoint", "runtime/gpu", "runtime/runner", "grammar"],
  "runtime/report": ["compiler", "compiler/ir", "compiler/passes", "runtime/checkpoint", "runtime/train"],
  // Schedule drivers are runner clients beside the epoch trainer, reusing its evaluation and data binding.
  "runtime/schedules": ["compiler", "compiler/ir", "compiler/plan", "compiler/train", "compiler/schedules", "runtime/reference", "runtime/data", "runtime/checkpoint", "runtime/gpu", "runtime/runner", "runtime/train", "runtime/report", "runtime/partition", "grammar"],
  // The library (package "gnnc") and the command line sit on top of everything.
  api: [...COMPILER, ...RUNTIME, "grammar"],
  cli: [...COMPILER, ...RUNTIME, "grammar"],
  bench: [...COMPILER, ...RUNTIME, "grammar"],
};

/**
 * Imports that break a rule above but are removed by a change in flight: each entry names one
 * import exactly, and once that import is gone the test fails until its entry is deleted too.
 */
const PENDING: readonly string[] = [];

const line = (i: Import) => `${i.from} -> ${i.to}`;

/** Imports of one folder from another that its row does not allow, less the pending ones; and pending entries no import matches. */
function ruleBreaks(imports: readonly Import[], pending: readonly string[] = PENDING): { broken: string[]; stale: string[] } {
  const lines = new Set(imports.map(line));
  const broken = imports
    .filter((i) => folderOf(i.from) !== folderOf(i.to) && !(MAY_IMPORT[folderOf(i.from)] ?? []).includes(folderOf(i.to)))
    .map(line)
    .filter((l) => !pending.includes(l));
  return { broken: [...new Set(broken)], stale: pending.filter((l) => !lines.has(l)) };
}

/**
 * Files that load each other, directly or through others. `import type` is erased at compile time,
 * so it is no edge: mutually recursive types across files (a value holding an instance that holds
 * values) load nothing.
 */
function fileCycles(imports: readonly Import[]): string[][] {
  return cycles(imports.filter((i) => !i.typeOnly).map((i) => [i.from, i.to] as const));
}

/** Folders that depend on each other, types included: a folder below must not know a folder above. */
function folderCycles(imports: readonly Import[]): string[][] {
  const edges = imports.map((i) => [folderOf(i.from), folderOf(i.to)] as const).filter(([a, b]) => a !== b);
  return cycles(edges);
}

const root = resolve(import.meta.dirname, "..");

describe("architecture", () => {
  const project = new Project({ tsConfigFilePath: resolve(root, "tsconfig.json"), skipAddingFilesFromTsConfig: true });
  project.addSourceFilesAtPaths(["grammar", "compiler", "runtime", "api", "cli", "bench", "test"].map((d) => resolve(root, d, "**/*.ts")));
  const all = project.getSourceFiles();
  const isSource = (f: SourceFile) => !relative(root, f.getFilePath()).startsWith("test");
  const sources = all.filter(isSource);
  const sourceImports = importsOf(sources, root);

  it("has a rule for every source folder, and a folder for every rule", () => {
    const folders = new Set(sources.map((f) => folderOf(relative(root, f.getFilePath()))));
    expect([...folders].filter((f) => !(f in MAY_IMPORT))).toEqual([]);
    expect(Object.keys(MAY_IMPORT).filter((f) => !folders.has(f))).toEqual([]);
  });

  it("imports only what each folder's rule allows", () => {
    expect(ruleBreaks(sourceImports).broken).toEqual([]);
  });

  it("lists as pending only imports that still exist (delete an entry once its import is gone)", () => {
    expect(ruleBreaks(sourceImports).stale).toEqual([]);
  });

  it("has no import cycle between files, tests included", () => {
    expect(fileCycles(importsOf(all, root))).toEqual([]);
  });

  it("has no import cycle between folders", () => {
    expect(folderCycles(sourceImports)).toEqual([]);
  });

  it("keeps GPU bindings out of the grammar and compiler", () => {
    const offenders = sources
      .filter((f) => /^(grammar|compiler)[\\/]/.test(relative(root, f.getFilePath())))
      .filter((f) => f.getImportDeclarations().some((d) => d.getModuleSpecifierValue() === "webgpu"))
      .map((f) => relative(root, f.getFilePath()));
    expect(offenders).toEqual([]);
  });

  it("loads ts-morph (the TypeScript compiler) only where it is first used, through compiler/typescript/ts-morph.ts", () => {
    const offenders = sources
      .filter((f) => relative(root, f.getFilePath()) !== join("compiler", "typescript", "ts-morph.ts"))
      .filter((f) => f.getImportDeclarations().some((d) => d.getModuleSpecifierValue() === "ts-morph" && !d.isTypeOnly()))
      .map((f) => relative(root, f.getFilePath()));
    expect(offenders).toEqual([]);
  });
});

describe("the architecture checks catch what they are for", () => {
  const compilerOptions = new Project({ tsConfigFilePath: resolve(root, "tsconfig.json"), skipAddingFilesFromTsConfig: true }).getCompilerOptions();

  /** The imports of a small in-memory project (path → source text), resolved as the real one is. */
  function plantedImports(files: Record<string, string>): Import[] {
    const project = new Project({ useInMemoryFileSystem: true, compilerOptions });
    for (const [path, text] of Object.entries(files)) project.createSourceFile(`/p/${path}`, text);
    return importsOf(project.getSourceFiles(), "/p");
  }

  it("finds a planted cycle of files, and not one closed only by `import type`", () => {
    const files = {
      "compiler/ir/a.ts": 'import { b } from "./b.js";\nexport const a = b;',
      "compiler/ir/b.ts": 'import { c } from "./c.js";\nexport const b = c;',
      "compiler/ir/c.ts": 'import { a } from "./a.js";\nexport const c = 1; export const d = a;',
    };
    expect(fileCycles(plantedImports(files))).toEqual([["compiler/ir/a.ts", "compiler/ir/b.ts", "compiler/ir/c.ts", "compiler/ir/a.ts"]]);
    const typeOnly = { ...files, "compiler/ir/c.ts": 'import type { a } from "./a.js";\nexport const c = 1; export type D = typeof a;' };
    expect(fileCycles(plantedImports(typeOnly))).toEqual([]);
  });

  it("finds a planted cycle of folders that no file cycle closes", () => {
    const imports = plantedImports({
      "runtime/train/trainer.ts": 'import { save } from "../checkpoint/save.js";\nexport const train = save;',
      "runtime/train/bind.ts": "export const bind = 1;",
      "runtime/checkpoint/save.ts": "export const save = 1;",
      "runtime/checkpoint/predict.ts": 'import type { bind } from "../train/bind.js";\nexport type P = typeof bind;',
    });
    expect(fileCycles(imports)).toEqual([]);
    expect(folderCycles(imports)).toEqual([["runtime/checkpoint", "runtime/train", "runtime/checkpoint"]]);
  });

  it("refuses a planted import against the rules, runtime/ importing compiler/frontend included", () => {
    const imports = plantedImports({
      "compiler/ir/types.ts": 'import { PASS } from "../passes/manager.js";\nexport const T = PASS;',
      "compiler/passes/manager.ts": "export const PASS = 1;",
      "compiler/frontend/train-spec.ts": "export interface TrainSpec { seed: number }",
      "runtime/gpu/device.ts": 'import type { TrainSpec } from "../../compiler/frontend/train-spec.js";\nexport type S = TrainSpec;',
      "runtime/train/run.ts": 'import type { TrainSpec } from "../../compiler/frontend/train-spec.js";\nexport type S = TrainSpec;',
    });
    const pending = ["runtime/train/run.ts -> compiler/frontend/train-spec.ts", "runtime/train/gone.ts -> compiler/frontend/train-spec.ts"];
    expect(ruleBreaks(imports, pending)).toEqual({
      broken: ["compiler/ir/types.ts -> compiler/passes/manager.ts", "runtime/gpu/device.ts -> compiler/frontend/train-spec.ts"],
      stale: ["runtime/train/gone.ts -> compiler/frontend/train-spec.ts"],
    });
  });
});
