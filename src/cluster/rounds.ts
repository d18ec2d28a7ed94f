// How many sequential rounds of API reads a diagnosis made: the longest chain of requests each
// of which started only after the one before it had answered. Requests are ordered by a counter
// rather than the clock, so two that start in the same tick never count as one after the other.
//
// By default a request counts as after every request that answered before it started, whether
// or not it needed that answer: safe, but a slow round-one answer then makes a third round of a
// read that needed only it (the kubelet's events answer after a backend's, and the crash log
// they name is read next). A request may name instead the answers it was started from (`after`,
// the values earlier requests returned): it is then one round after those, and only those.

interface Span {
  start: number;
  end: number;
  /** The requests whose answers started this one, when the caller named them. */
  after?: Span[];
}

export class ReadRounds {
  private seq = 0;
  private readonly spans: Span[] = [];
  /** Which request answered a value (a list, or its items), for `after`. */
  private readonly answeredBy = new WeakMap<object, Span>();

  /**
   * Runs one request, noting when it started and answered (or failed). `after`: the values of
   * earlier requests it was started from; if any is not one a request answered, the request
   * counts as after every answer before it.
   */
  async track<T>(fn: () => Promise<T>, after?: readonly unknown[]): Promise<T> {
    const from = after?.map((v) => (isObject(v) ? this.answeredBy.get(v) : undefined));
    const span: Span = {
      start: ++this.seq,
      end: Number.POSITIVE_INFINITY,
      ...(from?.every((s) => s !== undefined) ? { after: from as Span[] } : {}),
    };
    this.spans.push(span);
    try {
      const value = await fn();
      if (isObject(value)) {
        this.answeredBy.set(value, span);
        const items = (value as { items?: unknown }).items;
        if (Array.isArray(items)) this.answeredBy.set(items, span);
      }
      return value;
    } finally {
      span.end = ++this.seq;
    }
  }

  get requests(): number {
    return this.spans.length;
  }

  /** The length of the longest chain of requests, each started after the previous answered. */
  get rounds(): number {
    // The spans are in the order the requests started (track pushes them so).
    const depth = new Map<Span, number>();
    let longest = 0;
    for (const [i, s] of this.spans.entries()) {
      let d = 1;
      const before = s.after ?? this.spans.slice(0, i).filter((p) => p.end < s.start);
      for (const p of before) d = Math.max(d, (depth.get(p) ?? 0) + 1);
      depth.set(s, d);
      longest = Math.max(longest, d);
    }
    return longest;
  }
}

const isObject = (v: unknown): v is object => typeof v === 'object' && v !== null;
