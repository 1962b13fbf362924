/// <reference types="@webgpu/types" />

/**
 * Records a program's steps: one command encoder at a time, with its open compute pass (kept
 * open across launches, ended for copies). `submit` sends what was recorded and starts the next
 * encoder: a program without equilibrium loops submits once per run.
 */
export class Recorder {
  encoder: GPUCommandEncoder;
  private open: GPUComputePassEncoder | undefined;

  constructor(private readonly device: GPUDevice) {
    this.encoder = device.createCommandEncoder({ label: "gnnc step" });
  }

  pass(): GPUComputePassEncoder {
    return (this.open ??= this.encoder.beginComputePass());
  }

  endPass(): void {
    this.open?.end();
    this.open = undefined;
  }

  submit(): void {
    this.endPass();
    this.device.queue.submit([this.encoder.finish()]);
    this.encoder = this.device.createCommandEncoder({ label: "gnnc step" });
  }
}
