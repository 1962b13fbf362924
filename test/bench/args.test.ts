import { describe, expect, it, vi } from "vitest";
import { benchArgs, usage } from "../../bench/args.js";

const OPTIONS = { epochs: { type: "string" as const, default: "20" }, "no-peer": { type: "boolean" as const }, out: { type: "string" as const } };

describe("bench command lines", () => {
  it("parse the options given", () => {
    expect(benchArgs("bench/main.ts", OPTIONS, ["--epochs", "5", "--no-peer"])).toEqual({ epochs: "5", "no-peer": true });
  });

  it("list every option with its default in the usage", () => {
    expect(usage("file:///x/dist/bench/main.js", OPTIONS)).toBe(
      ["usage: node dist/bench/main.js [options]", "  [--epochs EPOCHS] (default 20)", "  [--no-peer]", "  [--out OUT]"].join("\n"),
    );
  });

  it("answer a mistyped option with the error and the usage, exit status 2, no stack trace", () => {
    const exit = vi.spyOn(process, "exit").mockImplementation(((code: number) => {
      throw new Error(`exit ${code}`);
    }) as never);
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      expect(() => benchArgs("bench/main.ts", OPTIONS, ["--epoch", "5"])).toThrow("exit 2");
      const written = stderr.mock.calls.map((c) => String(c[0])).join("");
      expect(written).toContain("Unknown option '--epoch'");
      expect(written).toContain("[--epochs EPOCHS] (default 20)");
      expect(written).not.toContain("    at ");
    } finally {
      exit.mockRestore();
      stderr.mockRestore();
    }
  });
});
