import type { Schedule, Step } from "./schedule.js";

/** Buffer sizes as the GPU runtime allocates them: at least 16 bytes (WebGPU rejects empty bindings), whole vec4s. */
export function allocatedSize(bytes: number): number {
  return Math.max(16, Math.ceil(bytes / 16) * 16);
}

/**
 * The device memory a set of schedules sharing named buffers (parameters, inputs) will allocate,
 * predicted before anything is allocated: every slot (padded), named slots once across
 * schedules, and one uniform buffer per launch of a kernel with run-time sizes.
 */
export function scheduleBytes(schedules: readonly Schedule[]): number {
  const named = new Map<string, number>();
  let own = 0;
  for (const s of schedules) {
    const names = new Map<number, string>();
    for (const [name, slots] of s.inputs) slots.forEach((slot, j) => names.set(slot, slots.length > 1 ? `input ${name}.${j}` : `input ${name}`));
    for (const [name, slot] of s.params) names.set(slot, `param ${name}`);
    s.slots.forEach((slot, k) => {
      const name = names.get(k);
      if (name) named.set(name, allocatedSize(slot.bytes));
      else own += allocatedSize(slot.bytes);
    });
    const uniforms = (steps: readonly Step[]): number =>
      steps.reduce((n, step) => {
        if (step.kind === "loop") return n + uniforms(step.body);
        if (step.kind !== "dispatch") return n;
        const count = s.kernels[step.kernel].uniforms.length;
        return n + (count ? allocatedSize(Math.max(4, Math.ceil(count / 4) * 4) * 4) : 0);
      }, 0);
    own += uniforms(s.steps);
  }
  for (const bytes of named.values()) own += bytes;
  return own;
}
