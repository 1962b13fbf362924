import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { pacesWaits } from "../../../runtime/gpu/device.js";
import { installPacedPolling, pacedWait } from "../../../runtime/gpu/paced-wait.js";

/** Polls the way dawn.node does while work is outstanding: one setImmediate after another, until `done`. */
function poller(done: () => boolean): { polls: () => number; finished: Promise<void> } {
  let polls = 0;
  const finished = new Promise<void>((resolve) => {
    const poll = () => {
      polls++;
      if (done()) resolve();
      else setImmediate(poll);
    };
    setImmediate(poll);
  });
  return { polls: () => polls, finished };
}

/** A promise settled after `ms` by a timer (the device finishing), and the polls made while waiting for it. */
async function pollsDuring(ms: number, wait: (p: Promise<void>) => Promise<void>): Promise<number> {
  let settled = false;
  const work = new Promise<void>((resolve) => setTimeout(() => ((settled = true), resolve()), ms));
  const p = poller(() => settled);
  await wait(work);
  await p.finished;
  return p.polls();
}

describe("paced waits (runtime/gpu/paced-wait.ts)", () => {
  it("polls made during a paced wait nap: far fewer than a spinning wait's over the same time", async () => {
    installPacedPolling();
    const spinning = await pollsDuring(60, (p) => p);
    const paced = await pollsDuring(60, pacedWait);
    // Spinning polls run back to back (thousands in 60 ms); paced ones nap a growing twentieth of
    // the time waited, so a few hundred at most.
    expect(spinning).toBeGreaterThan(1000);
    expect(paced).toBeLessThan(spinning / 5);
  });

  it("outside a paced wait setImmediate is Node's: callbacks in order with their arguments, promisify intact", async () => {
    installPacedPolling();
    const seen: string[] = [];
    await new Promise<void>((resolve) => {
      setImmediate((a: string) => seen.push(a), "first");
      setImmediate((a: string, b: string) => (seen.push(a + b), resolve()), "sec", "ond");
    });
    expect(seen).toEqual(["first", "second"]);
    expect(await promisify(setImmediate)("value")).toBe("value");
  });

  it("a paced wait returns what it awaited, and passes a rejection on", async () => {
    await expect(pacedWait(Promise.resolve(42))).resolves.toBe(42);
    await expect(pacedWait(Promise.reject(new Error("device lost")))).rejects.toThrow("device lost");
  });

  it("paces software adapters only, unless GNNC_PACED_WAIT decides", () => {
    const lavapipe = { architecture: "software", device: "llvmpipe-llvm-15", description: "llvmpipe: Mesa 25.0.7" };
    const nvidia = { architecture: "hopper", device: "NVIDIA H200", description: "NVIDIA 565.57" };
    expect(pacesWaits(lavapipe, {})).toBe(true);
    expect(pacesWaits(nvidia, {})).toBe(false);
    expect(pacesWaits(lavapipe, { GNNC_PACED_WAIT: "0" })).toBe(false);
    expect(pacesWaits(nvidia, { GNNC_PACED_WAIT: "1" })).toBe(true);
  });
});
