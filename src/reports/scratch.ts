/**
 * Reusable typed arrays for per-statement work, so labeling allocates no typed array per
 * statement. Labeling is synchronous, so each buffer serves one statement at a time. A caller
 * takes a buffer, fills the part it uses and reads it before the next statement.
 */
export class ScratchInt32 {
  private buffer = new Int32Array(1024);

  /** Returns a buffer of at least `length` entries; its contents are undefined. */
  take(length: number): Int32Array {
    if (this.buffer.length < length) this.buffer = new Int32Array(Math.max(length, this.buffer.length * 2));
    return this.buffer;
  }
}
