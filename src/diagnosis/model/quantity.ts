// Kubernetes quantities, read ("512Mi") and written back.

const SUFFIXES: Record<string, number> = {
  '': 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
  Pi: 1024 ** 5,
  Ei: 1024 ** 6,
};

/**
 * Parses a Kubernetes quantity to a number of base units: binary ("512Mi") and decimal ("1G",
 * "250m", and metrics-server's nanocores "224628621n") suffixes, or a decimal exponent ("1e3",
 * "2e-3"; "7E" alone is exa, as in the apimachinery grammar).
 */
export function parseQuantity(q: string | undefined): number | undefined {
  if (q === undefined) return undefined;
  const m = /^([+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+))(?:([eE][+-]?[0-9]+)|([a-zA-Z]*))$/.exec(q.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  if (m[2] !== undefined) return n * 10 ** Number(m[2].slice(1));
  const f = SUFFIXES[m[3] ?? ''];
  return f === undefined ? undefined : n * f;
}

export function formatBytes(n: number): string {
  if (n >= 1024 ** 3 && n % 1024 ** 3 === 0) return `${n / 1024 ** 3}Gi`;
  return `${Math.ceil(n / 1024 ** 2)}Mi`;
}
