import { describe, expect, it } from "vitest";
import { formatProgress, progressPrinter, type EpochProgress } from "../../runtime/train/progress.js";

const epoch = (k: number, epochs = 25): EpochProgress => ({ epoch: k, epochs, loss: 1 / k, metric: { name: "val_accuracy", value: 0.5 }, epochMs: 20 });

function printed(mode: "tty" | "lines" | "quiet", epochs = 25): string {
  let out = "";
  const p = progressPrinter(mode, (t) => void (out += t));
  for (let k = 1; k <= epochs; k++) p.epoch(epoch(k, epochs));
  p.done();
  return out;
}

describe("training progress", () => {
  it("shows the epoch, loss, selection metric, epoch time and ETA", () => {
    expect(formatProgress(epoch(5), 20)).toBe("epoch  5/25  loss 0.2000  val_accuracy 0.5000  20.0 ms/epoch  ETA 0s");
    expect(formatProgress({ ...epoch(1, 1000), metric: undefined }, 1000)).toContain("ETA 16m39s");
  });

  it("prints a plain line every 10 epochs and at the last when not on a terminal", () => {
    const lines = printed("lines").trimEnd().split("\n");
    expect(lines.map((l) => l.match(/epoch\s+(\d+)/)![1])).toEqual(["10", "20", "25"]);
    expect(printed("lines")).not.toContain("\r");
  });

  it("redraws one line on a terminal and ends it once", () => {
    const out = printed("tty", 3);
    expect(out.split("\r")).toHaveLength(4);
    expect(out.endsWith("\n")).toBe(true);
    expect(out.split("\n")).toHaveLength(2);
  });

  it("prints nothing when quiet", () => {
    expect(printed("quiet")).toBe("");
  });
});
