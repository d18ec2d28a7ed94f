// `kubemedic completion bash|zsh|fish`: a completion script for the shell, written from one table
// of commands, flags and flag values. Namespaces, contexts and Services are asked of kubectl when
// it is on PATH, with a 2 s timeout; without it, only commands, flags and files complete.
import { type RedactingIO, UsageError } from './args.js';

export const COMPLETION_USAGE = `Usage:
  kubemedic completion bash|zsh|fish

Prints a completion script. Load it for this shell, or every shell:
  bash:  source <(kubemedic completion bash)     # ~/.bashrc
  zsh:   source <(kubemedic completion zsh)      # ~/.zshrc
  fish:  kubemedic completion fish | source      # ~/.config/fish/config.fish
Namespaces (-n), contexts (--context) and the target Service of diagnose are completed by asking
kubectl, when it is installed.`;

/** What a flag's value completes to: fixed words, files, or names kubectl lists. */
type ValueKind = readonly string[] | 'files' | 'namespaces' | 'contexts' | 'free';

interface Flag {
  long: string;
  short?: string;
  /** Absent: the flag takes no value. */
  value?: ValueKind;
  about: string;
}

interface CommandSpec {
  name: string;
  about: string;
  flags: readonly Flag[];
  /** What its positional words complete to. */
  args: readonly string[] | 'files' | 'services' | 'none';
}

const HELP: Flag = { long: 'help', short: 'h', about: 'show the usage' };
const CONTEXT: Flag = { long: 'context', value: 'contexts', about: 'kubeconfig context' };
const KUBECONFIG: Flag = { long: 'kubeconfig', value: 'files', about: 'kubeconfig file' };
const NAMESPACE: Flag = { long: 'namespace', short: 'n', value: 'namespaces', about: 'namespace' };

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'diagnose',
    about: 'why a Service returns 503/500',
    args: 'services',
    flags: [
      NAMESPACE,
      { long: 'cluster', value: 'free', about: 'cluster name' },
      CONTEXT,
      KUBECONFIG,
      { long: 'from-file', short: 'f', value: 'files', about: 'diagnose a kubectl dump' },
      { long: 'logs', about: "read the backends' logs" },
      { long: 'full-commands', about: 'print long fix commands in full' },
      { long: 'output', short: 'o', value: ['text', 'json', 'yaml'], about: 'output format' },
      HELP,
    ],
  },
  {
    name: 'checks',
    about: 'what kubemedic checks and the fixes it offers',
    args: 'none',
    flags: [{ long: 'output', short: 'o', value: ['text', 'json'], about: 'output format' }, HELP],
  },
  {
    name: 'audit',
    about: 'the newest remediation audit entries',
    args: 'none',
    flags: [
      { long: 'limit', value: 'free', about: 'how many entries' },
      { long: 'redis', value: 'free', about: 'Redis URL' },
      { long: 'prefix', value: 'free', about: 'key prefix' },
      { long: 'output', short: 'o', value: ['text', 'json'], about: 'output format' },
      HELP,
    ],
  },
  {
    name: 'lint',
    about: 'judge rendered manifests before deploy',
    args: 'files',
    flags: [
      NAMESPACE,
      {
        long: 'output',
        short: 'o',
        value: ['text', 'json', 'sarif', 'junit'],
        about: 'output format',
      },
      { long: 'fail-on', value: ['critical', 'warning', 'info'], about: 'exit 1 from this level' },
      { long: 'ignore', value: 'free', about: 'check ids to ignore' },
      { long: 'cluster', about: 'read objects not in the change from the cluster' },
      CONTEXT,
      KUBECONFIG,
      HELP,
    ],
  },
  {
    name: 'completion',
    about: 'print a shell completion script',
    args: ['bash', 'zsh', 'fish'],
    flags: [HELP],
  },
  { name: 'help', about: 'show the usage', args: 'none', flags: [] },
];

const GLOBAL_WORDS = ['--version', '--help', '--color=always', '--color=never', '--color=auto'];

const words = (list: readonly string[]) => list.join(' ');
const flagWords = (f: Flag) => [`--${f.long}`, ...(f.short ? [`-${f.short}`] : [])];

/** Single-quoted for sh: every word in the tables is plain, but the rule costs nothing. */
const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function bashValue(kind: ValueKind): string {
  if (kind === 'files')
    return 'COMPREPLY=($(compgen -f -- "$cur")); compopt -o filenames 2>/dev/null';
  if (kind === 'namespaces')
    return 'COMPREPLY=($(compgen -W "$(_kubemedic_kubectl get namespaces)" -- "$cur"))';
  if (kind === 'contexts')
    return 'COMPREPLY=($(compgen -W "$(_kubemedic_kubectl config get-contexts -o name)" -- "$cur"))';
  if (kind === 'free') return 'COMPREPLY=()';
  return `COMPREPLY=($(compgen -W ${sq(words(kind))} -- "$cur"))`;
}

export function bashScript(): string {
  const valueArms = COMMANDS.flatMap((c) =>
    c.flags
      .filter((f) => f.value)
      .map(
        (f) =>
          `      ${flagWords(f)
            .map((w) => `${c.name}:${w}`)
            .join('|')}) ${bashValue(f.value as ValueKind)}; return ;;`,
      ),
  );
  const argArms = COMMANDS.map((c) => {
    const flags = `compgen -W ${sq(words(c.flags.flatMap(flagWords)))} -- "$cur"`;
    const args =
      c.args === 'services'
        ? 'COMPREPLY=($(compgen -W "$(_kubemedic_kubectl get services)" -- "$cur"))'
        : c.args === 'files'
          ? 'COMPREPLY=($(compgen -f -- "$cur")); compopt -o filenames 2>/dev/null'
          : c.args === 'none'
            ? 'COMPREPLY=()'
            : `COMPREPLY=($(compgen -W ${sq(words(c.args))} -- "$cur"))`;
    return `      ${c.name}) if [[ "$cur" == -* ]]; then COMPREPLY=($(${flags})); else ${args}; fi ;;`;
  });
  return `# kubemedic completion for bash: source <(kubemedic completion bash)

# Names kubectl lists (namespaces, services in the -n namespace, contexts), with the --context and
# --kubeconfig typed so far; nothing when kubectl is absent or the cluster does not answer in 2 s.
_kubemedic_kubectl() {
  command -v kubectl >/dev/null 2>&1 || return 0
  local -a opts=()
  local i w
  # Only flags whose value is typed already: not the one being completed.
  for ((i = 1; i < COMP_CWORD - 1; i++)); do
    w="\${COMP_WORDS[i]}"
    case "$w" in
      --context|--kubeconfig) opts+=("$w=\${COMP_WORDS[i+1]}") ;;
      -n|--namespace) [[ "$2" == services ]] && opts+=("--namespace=\${COMP_WORDS[i+1]}") ;;
    esac
  done
  if [[ "$1" == config ]]; then
    kubectl "\${opts[@]}" "$@" 2>/dev/null
  else
    kubectl "\${opts[@]}" get "$2" --request-timeout=2s -o 'jsonpath={.items[*].metadata.name}' 2>/dev/null
  fi
}

_kubemedic() {
  local cur prev cmd i
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  cmd=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      -*) ;;
      *) cmd="\${COMP_WORDS[i]}"; break ;;
    esac
  done
  if [[ -z "$cmd" ]]; then
    COMPREPLY=($(compgen -W ${sq(words([...COMMANDS.map((c) => c.name), ...GLOBAL_WORDS]))} -- "$cur"))
    return
  fi
  case "$cmd:$prev" in
${valueArms.join('\n')}
  esac
  case "$cmd" in
${argArms.join('\n')}
  esac
}

complete -F _kubemedic kubemedic
`;
}

/** zsh runs the bash function through its bash-completion emulation. */
export function zshScript(): string {
  return `#compdef kubemedic
# kubemedic completion for zsh: source <(kubemedic completion zsh)
autoload -U +X compinit && compinit -C
autoload -U +X bashcompinit && bashcompinit
${bashScript()}`;
}

function fishValue(kind: ValueKind): string {
  if (kind === 'files') return '-r -F';
  if (kind === 'namespaces')
    return `-x -a '(command -q kubectl; and kubectl get namespaces --request-timeout=2s -o "jsonpath={.items[*].metadata.name}" 2>/dev/null | string split " ")'`;
  if (kind === 'contexts')
    return `-x -a '(command -q kubectl; and kubectl config get-contexts -o name 2>/dev/null)'`;
  if (kind === 'free') return '-x';
  return `-x -a ${sq(words(kind))}`;
}

export function fishScript(): string {
  const lines = [
    '# kubemedic completion for fish: kubemedic completion fish | source',
    'complete -c kubemedic -f',
    ...COMMANDS.map(
      (c) => `complete -c kubemedic -n __fish_use_subcommand -a ${c.name} -d ${sq(c.about)}`,
    ),
    "complete -c kubemedic -n __fish_use_subcommand -l version -d 'print the version'",
    "complete -c kubemedic -l color -x -a 'always never auto' -d 'colour output'",
  ];
  for (const c of COMMANDS) {
    const when = `-n ${sq(`__fish_seen_subcommand_from ${c.name}`)}`;
    for (const f of c.flags)
      lines.push(
        [
          'complete -c kubemedic',
          when,
          `-l ${f.long}`,
          f.short ? `-s ${f.short}` : '',
          f.value ? fishValue(f.value) : '',
          `-d ${sq(f.about)}`,
        ]
          .filter(Boolean)
          .join(' '),
      );
    if (c.args === 'files') lines.push(`complete -c kubemedic ${when} -F`);
    else if (c.args === 'services')
      lines.push(
        `complete -c kubemedic ${when} -a '(command -q kubectl; and kubectl get services --request-timeout=2s -o "jsonpath={.items[*].metadata.name}" 2>/dev/null | string split " ")'`,
      );
    else if (c.args !== 'none') lines.push(`complete -c kubemedic ${when} -a ${sq(words(c.args))}`);
  }
  return `${lines.join('\n')}\n`;
}

export function completionCommand(args: string[], io: RedactingIO): number {
  const [shell, ...rest] = args;
  if (rest.length)
    throw new UsageError(`one shell expected, got "${args.join(' ')}"`, COMPLETION_USAGE);
  const script =
    shell === 'bash'
      ? bashScript()
      : shell === 'zsh'
        ? zshScript()
        : shell === 'fish'
          ? fishScript()
          : undefined;
  if (!script)
    throw new UsageError(
      shell ? `no completion for "${shell}": bash, zsh or fish` : 'which shell? bash, zsh or fish',
      COMPLETION_USAGE,
    );
  // A script, not report text: written as it is (it holds nothing but the tables above).
  io.raw(script.trimEnd());
  return 0;
}
