import type { ImportDecl, Program } from "../../grammar/ast.js";
import { parse } from "../../grammar/index.js";
import type { Reporter } from "./report.js";

/** The main file and every file it imports (transitively), each parsed once. */
export interface SourceSet {
  main: Program;
  /** Imported programs in load order (dependencies before the files that import them). */
  imported: Program[];
}

export interface SourceAccess {
  readFile?: (path: string) => string | undefined;
  resolveImport?: (from: string, spec: string) => string;
}

/**
 * Parse `source` and follow its imports. Import paths are relative to the importing file.
 * Syntax errors of imported files are reported with their own file; a file that fails to parse
 * contributes no declarations. Returns undefined when the main file itself does not parse.
 */
export function loadSources(source: string, file: string, access: SourceAccess, reporter: Reporter): SourceSet | undefined {
  const resolve = access.resolveImport ?? resolveImport;
  const main = parseInto(source, file, reporter);
  if (!main) return undefined;
  const imported: Program[] = [];
  const done = new Set<string>([file]);
  const visiting: string[] = [file];

  const follow = (program: Program) => {
    for (const item of program.items) {
      if (item.kind !== "Import") continue;
      const path = resolve(program.file, item.path.value);
      const cycleStart = visiting.indexOf(path);
      if (cycleStart >= 0) {
        const chain = [...visiting.slice(cycleStart), path].join(" → ");
        reporter.error("E205", `import cycle: ${chain}`, item.span, {
          help: "move the shared blocks into a file that both can import",
        });
        continue;
      }
      if (done.has(path)) continue;
      done.add(path);
      const text = access.readFile?.(path);
      if (text === undefined) {
        reporter.error("E204", `cannot read imported file \`${path}\``, item.path.span, { help: importHelp(item, path) });
        continue;
      }
      const child = parseInto(text, path, reporter);
      if (!child) continue;
      visiting.push(path);
      follow(child);
      visiting.pop();
      imported.push(child);
    }
  };
  follow(main);
  return { main, imported };
}

function parseInto(text: string, file: string, reporter: Reporter): Program | undefined {
  const { ast, diagnostics } = parse(text, file);
  reporter.add(diagnostics);
  return ast;
}

function importHelp(item: ImportDecl, resolved: string): string {
  return item.path.value === resolved
    ? "check the file name"
    : `import paths are relative to the importing file; \`${item.path.value}\` resolved to \`${resolved}\``;
}

/** `dir/a.gnn` + `../lib/b.gnn` → `lib/b.gnn`: POSIX-style, no file system access. */
export function resolveImport(fromFile: string, path: string): string {
  if (path.startsWith("/")) return normalize(path);
  const slash = fromFile.lastIndexOf("/");
  const dir = slash >= 0 ? fromFile.slice(0, slash + 1) : "";
  return normalize(dir + path);
}

function normalize(path: string): string {
  const absolute = path.startsWith("/");
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === ".." && out.length > 0 && out[out.length - 1] !== "..") out.pop();
    else if (part === ".." && absolute) continue;
    else out.push(part);
  }
  return (absolute ? "/" : "") + out.join("/");
}
