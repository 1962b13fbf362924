#!/usr/bin/env node
// Compile every example with the built CLI (kernels, plan and lowered IR) and, with --against, compare
// the result file by file with an earlier dump: the check that a refactoring leaves the generated
// WGSL byte-identical. Run it at the starting commit into one folder, then after the change:
//
//   npm run build && GNNC_DATA_DIR=../shared/data node scripts/compile-examples.mjs /tmp/before
//   (change, rebuild)
//   GNNC_DATA_DIR=../shared/data node scripts/compile-examples.mjs /tmp/after --against /tmp/before
//
// Exit status 1 when a file differs, is missing or is new (each one is listed).
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    against: { type: "string" },
    emit: { type: "string", default: "wgsl,plan,ir" },
    cli: { type: "string", default: join(root, "dist/cli/main.js") },
  },
});
if (positionals.length !== 1) {
  console.error("usage: node scripts/compile-examples.mjs OUT_DIR [--against EARLIER_DIR] [--emit wgsl,plan,ir]");
  process.exit(2);
}
const out = resolve(positionals[0]);
if (!existsSync(values.cli)) {
  console.error(`${values.cli} does not exist: run npm run build first`);
  process.exit(2);
}

rmSync(out, { recursive: true, force: true });
const examples = readdirSync(join(root, "examples")).filter((f) => f.endsWith(".gnn")).sort();
for (const file of examples) {
  const dir = join(out, basename(file, ".gnn"));
  // Relative to the repository root, as the IR's source locations print it.
  const r = spawnSync(process.execPath, [values.cli, "compile", join("examples", file), "--out", dir, "--emit", values.emit], { cwd: root, encoding: "utf8" });
  if (r.status !== 0) {
    console.error(`${file}: gnnc compile failed (exit ${r.status})\n${r.stderr}`);
    process.exit(1);
  }
  process.stdout.write(r.stdout);
}

if (values.against) {
  const before = resolve(values.against);
  const files = (dir) => {
    const list = [];
    const walk = (d) => {
      for (const name of readdirSync(d)) {
        const path = join(d, name);
        if (statSync(path).isDirectory()) walk(path);
        else list.push(relative(dir, path));
      }
    };
    if (existsSync(dir)) walk(dir);
    return new Set(list);
  };
  const [old, now] = [files(before), files(out)];
  const problems = [];
  for (const f of old) {
    if (!now.has(f)) problems.push(`missing: ${f}`);
    else if (!readFileSync(join(before, f)).equals(readFileSync(join(out, f)))) problems.push(`differs: ${f}`);
  }
  for (const f of now) if (!old.has(f)) problems.push(`new: ${f}`);
  if (problems.length) {
    console.error(problems.join("\n"));
    console.error(`${problems.length} of ${old.size} file(s) differ from ${before}`);
    process.exit(1);
  }
  console.log(`all ${old.size} files identical to ${before}`);
}
