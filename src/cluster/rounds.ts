// How many sequential rounds of API reads a diagnosis made: the longest chain of requests each
// of which started only after the one before it had answered. Requests are ordered by a counter
// rather than the clock, so two that start in the same tick never count as one after the other.

export class ReadRounds {
  private seq = 0;
  private readonly spans: { start: number; end: number }[] = [];

  /** Runs one request, noting when it started and answered (or failed). */
  async track<T>(fn: () => Promise<T>): Promise<T> {
    const span = { start: ++this.seq, end: Number.POSITIVE_INFINITY };
    this.spans.push(span);
    try {
      return await fn();
    } finally {
      span.end = ++this.seq;
    }
  }

  get requests(): number {
    return this.spans.length;
  }

  /** The length of the longest chain of requests, each started after the previous answered. */
  get rounds(): number {
    const byStart = [...this.spans].sort((a, b) => a.start - b.start);
    const depth: number[] = [];
    let longest = 0;
    for (const [i, s] of byStart.entries()) {
      let d = 1;
      for (let j = 0; j < i; j++) {
        const prev = byStart[j] as { end: number };
        if (prev.end < s.start) d = Math.max(d, (depth[j] ?? 0) + 1);
      }
      depth.push(d);
      longest = Math.max(longest, d);
    }
    return longest;
  }
}
