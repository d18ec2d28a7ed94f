// shellQuote/shellJoin against a real sh: random argv (seeded) in, the same argv out.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { shellJoin, shellQuote } from '../../src/shell.js';

/** mulberry32: a small seeded generator, so a failure reproduces. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Everything a shell treats specially, plus plain characters and non-ASCII; NUL cannot be in argv.
const ALPHABET = [
  ...`;$()\`'"|&*?~ \n\t\\<>{}[]!#=%^,./:-_@+`,
  ...'abcXYZ019',
  'é',
  '日',
  '\u00a0',
];

function randomArg(next: () => number): string {
  const len = Math.floor(next() * 12);
  let s = '';
  for (let i = 0; i < len; i++) s += ALPHABET[Math.floor(next() * ALPHABET.length)];
  return s;
}

/** What sh makes of a command line: its arguments, NUL-separated, as printf prints them. */
function viaSh(line: string): string[] {
  const out = execFileSync('sh', ['-c', `printf '%s\\0' ${line}`], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

describe('shellQuote and shellJoin', () => {
  it('leave safe arguments bare and quote the rest', () => {
    expect(shellQuote('api-service')).toBe('api-service');
    expect(shellQuote('--type=json')).toBe('--type=json');
    expect(shellQuote('')).toBe("''");
    expect(shellQuote('a b')).toBe("'a b'");
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(shellQuote('~')).toBe("'~'");
    expect(shellJoin(['kubectl', 'get', 'pvc', 'data;touch x;'])).toBe(
      "kubectl get pvc 'data;touch x;'",
    );
  });

  it('round-trip 500 random argv through a real sh (seed 9)', () => {
    const next = rng(9);
    const argvs = Array.from({ length: 500 }, () =>
      Array.from({ length: 1 + Math.floor(next() * 5) }, () => randomArg(next)),
    );
    // One sh per batch keeps the test fast: each line prints its args then a record marker.
    const script = argvs.map((a) => `printf '%s\\0' ${shellJoin(a)}; printf 'END\\0'`).join('\n');
    const out = execFileSync('sh', ['-c', script], { encoding: 'utf8' }).split('\0').slice(0, -1);
    const got: string[][] = [[]];
    for (const part of out) {
      if (part === 'END') got.push([]);
      else got[got.length - 1]?.push(part);
    }
    got.pop();
    expect(got).toEqual(argvs);
    expect(viaSh(shellJoin(["'", '$(touch x)', '\n']))).toEqual(["'", '$(touch x)', '\n']);
  });
});
