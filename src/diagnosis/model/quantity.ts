// Kubernetes quantities, read ("512Mi") and written back.

/** Parses a Kubernetes quantity ("512Mi", "1G", "250m", "2") to a number of base units. */
export function parseQuantity(q: string | undefined): number | undefined {
  if (q === undefined) return undefined;
  const m = /^([0-9.]+)([a-zA-Z]*)$/.exec(q.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const factors: Record<string, number> = {
    '': 1,
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    Ki: 1024,
    Mi: 1024 ** 2,
    Gi: 1024 ** 3,
    Ti: 1024 ** 4,
  };
  const f = factors[m[2] ?? ''];
  return f === undefined ? undefined : n * f;
}

export function formatBytes(n: number): string {
  if (n >= 1024 ** 3 && n % 1024 ** 3 === 0) return `${n / 1024 ** 3}Gi`;
  return `${Math.ceil(n / 1024 ** 2)}Mi`;
}
