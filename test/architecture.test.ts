import { describe, expect, it } from "vitest";
import { Project } from "ts-morph";
import { relative, resolve } from "node:path";

// design.md §1: data flows one way. runtime → compiler → grammar, never back; the CLI sits on top.
const allowed: Record<string, readonly string[]> = {
  grammar: ["grammar"],
  compiler: ["compiler", "grammar"],
  runtime: ["runtime", "compiler", "grammar"],
  cli: ["cli", "runtime", "compiler", "grammar"],
};

const root = resolve(import.meta.dirname, "..");

function layerOf(path: string): string | undefined {
  const top = relative(root, path).split(/[\\/]/)[0];
  return top in allowed ? top : undefined;
}

describe("architecture", () => {
  const project = new Project({ tsConfigFilePath: resolve(root, "tsconfig.json"), skipAddingFilesFromTsConfig: true });
  project.addSourceFilesAtPaths(Object.keys(allowed).map((d) => resolve(root, d, "**/*.ts")));
  const files = project.getSourceFiles();

  it("finds the source layers", () => {
    for (const layer of Object.keys(allowed)) expect(files.some((f) => layerOf(f.getFilePath()) === layer)).toBe(true);
  });

  it("imports only flow downwards", () => {
    const violations: string[] = [];
    for (const file of files) {
      const from = layerOf(file.getFilePath());
      if (!from) continue;
      for (const decl of [...file.getImportDeclarations(), ...file.getExportDeclarations()]) {
        const target = decl.getModuleSpecifierSourceFile();
        if (!target || target.isInNodeModules()) continue;
        const to = layerOf(target.getFilePath());
        if (to && !allowed[from].includes(to))
          violations.push(`${relative(root, file.getFilePath())} imports ${relative(root, target.getFilePath())}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it("keeps GPU bindings out of the grammar and compiler", () => {
    const offenders = files
      .filter((f) => ["grammar", "compiler"].includes(layerOf(f.getFilePath()) ?? ""))
      .filter((f) => f.getImportDeclarations().some((d) => d.getModuleSpecifierValue() === "webgpu"))
      .map((f) => relative(root, f.getFilePath()));
    expect(offenders).toEqual([]);
  });
});
