/**
 * Live-byte accounting by buffer: a value holds one or more buffers; a buffer counts once however
 * many values share it (an in-place update, a tuple item taken out with `s.get`), and its bytes are
 * freed when the last holder lets go. Both the memory plan (with symbolic buffers) and the
 * reference interpreter (with real ArrayBuffers) count with it, so prediction and measurement
 * differ only where the program does.
 */
export class HeldBytes<Key> {
  private readonly refs = new Map<Key, { bytes: number; holders: number }>();
  private liveBytes = 0;
  private peakBytes = 0;

  get live(): number {
    return this.liveBytes;
  }

  get peak(): number {
    return this.peakBytes;
  }

  hold(key: Key, bytes: number): void {
    const r = this.refs.get(key);
    if (r) {
      r.holders++;
      return;
    }
    this.refs.set(key, { bytes, holders: 1 });
    this.liveBytes += bytes;
    this.peakBytes = Math.max(this.peakBytes, this.liveBytes);
  }

  release(key: Key): void {
    const r = this.refs.get(key);
    if (!r) throw new Error("memory accounting: released a buffer that is not held");
    if (--r.holders > 0) return;
    this.refs.delete(key);
    this.liveBytes -= r.bytes;
  }
}
