// The one way a command shown to a person (evidence, fixes, prose, the CLI) is written: from an
// argv, each argument quoted for a POSIX shell, so a value the cluster holds (a claim name with
// `;`, a subset with `'`) is one argument when pasted, never shell syntax.

/** Arguments made only of these need no quoting in any POSIX shell. */
const SAFE = /^[A-Za-z0-9@%+=:,./_-]+$/;

/** One argument, quoted for sh: bare when safe, else in single quotes with `'` written `'\''`. */
export function shellQuote(arg: string): string {
  if (SAFE.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** A command line that a POSIX shell splits back into exactly `argv`. */
export function shellJoin(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}

/**
 * `argv` with `stdin` fed by a quoted here-document (no expansion inside), its delimiter chosen
 * so that no line of `stdin` ends it early. A here-document ends with a newline, so `stdin` must.
 */
export function shellJoinWithStdin(argv: readonly string[], stdin: string): string {
  if (!stdin.endsWith('\n')) throw new Error('here-document input must end with a newline');
  const lines = new Set(stdin.split('\n'));
  let end = 'EOF';
  for (let i = 1; lines.has(end); i++) end = `EOF${i}`;
  return `${shellJoin(argv)} <<'${end}'\n${stdin}${end}`;
}
