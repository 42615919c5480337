/**
 * Shell completion, generated from the same command declarations as the help: subcommands, flags,
 * the values an option or argument takes (enums, profile names read from the config, help topics,
 * shells), and files only where a path is expected. `taskctl __complete <words…>` prints one
 * candidate a line, or the single line FILES when the shell should complete file names.
 * Nothing is ever sent: profile names come from reading the config, and any config trouble just
 * means no profile names.
 */
import { GLOBAL_OPTIONS } from './cli.js';
import type { CommandSpec, OptionSpec, ValueKind } from './commands/types.js';
import { columnKey } from './output/render.js';

export const FILES = 'FILES';
export const SHELLS = ['bash', 'zsh', 'fish'] as const;

export interface CompleteEnv {
  env: NodeJS.ProcessEnv;
  cwd: string;
  helpTopics: readonly string[];
}

const longAndShort = (o: OptionSpec) => o.flags.split(/[ ,|]+/).filter((f) => /^--?[a-zA-Z]/.test(f));
const takesValue = (o: OptionSpec) => /<[^>]+>|\[[^\]]+\]/.test(o.flags);

/** What an option's value completes to: declared values, its choices, files for a path, else nothing. */
export function valueKind(o: OptionSpec): ValueKind | undefined {
  if (o.values) return o.values;
  if (o.choices) return o.choices;
  if (/<(file|path|dir)\b|<json\|-?>|<path\|-?>|<file\|-?>/.test(o.flags)) return 'file';
  return undefined;
}

async function profileNames(c: CompleteEnv, configFlag: string | undefined): Promise<string[]> {
  try {
    const { loadConfig } = await import('./config/load.js');
    const config = await loadConfig({ explicit: configFlag ?? (c.env.TASKCTL_CONFIG || undefined), cwd: c.cwd, env: c.env });
    return Object.keys(config?.profiles ?? {});
  } catch {
    return []; // a missing, broken or untrusted config: no names, no noise
  }
}

async function values(kind: ValueKind, c: CompleteEnv, configFlag: string | undefined, specs: readonly CommandSpec[]): Promise<string[]> {
  if (Array.isArray(kind)) return [...kind];
  switch (kind) {
    case 'file':
      return [FILES];
    case 'profile':
      return profileNames(c, configFlag);
    case 'shell':
      return [...SHELLS];
    case 'help':
      return [...c.helpTopics, ...specs.filter((s) => !s.hidden).map((s) => s.name)];
    default:
      return [];
  }
}

/**
 * `--columns a,b,<TAB>`: the command's column names not given yet, after what is typed (names as `--columns`
 * takes them: `task-id` for "TASK ID"; the typed piece matches in any case).
 */
function columnWords(current: CommandSpec | undefined, partial: string): string[] {
  const declared = typeof current?.columns === 'function' ? current.columns({}) : current?.columns;
  if (!declared) return [];
  const cut = partial.lastIndexOf(',') + 1;
  const given = new Set(partial.slice(0, cut).split(',').filter(Boolean).map(columnKey));
  const piece = columnKey(partial.slice(cut));
  return declared.map(columnKey).filter((k) => !given.has(k) && k.startsWith(piece)).map((k) => partial.slice(0, cut) + k);
}

export async function completeWords(specs: readonly CommandSpec[], words: string[], c: CompleteEnv): Promise<string[]> {
  const partial = words.length ? words[words.length - 1] : '';
  const before = words.slice(0, -1);
  let level: readonly CommandSpec[] = specs;
  let current: CommandSpec | undefined;
  let helpMode = false;
  let positional = 0;
  let configFlag: string | undefined;
  let pending: OptionSpec | undefined;
  const optionsHere = () => [...(current?.options ?? []), ...GLOBAL_OPTIONS];
  const find = (flag: string) => optionsHere().find((o) => longAndShort(o).includes(flag));
  let endOfOptions = false;
  for (let i = 0; i < before.length; i++) {
    const w = before[i];
    if (pending) {
      if (pending.flags.includes('--config')) configFlag = w;
      pending = undefined;
      continue;
    }
    if (!endOfOptions && w === '--') {
      endOfOptions = true;
      continue;
    }
    if (!endOfOptions && w.startsWith('-') && w !== '-') {
      const o = find(w.split('=')[0]);
      if (o && takesValue(o) && !w.includes('=')) pending = o;
      if (o?.flags.includes('--config') && w.includes('=')) configFlag = w.slice(w.indexOf('=') + 1);
      continue;
    }
    if (!current && !helpMode && w === 'help') {
      helpMode = true;
      continue;
    }
    const next = level.find((s) => s.name === w || s.aliases?.includes(w));
    if (next) {
      current = next;
      level = next.subcommands ?? [];
      positional = 0;
    } else {
      positional++;
    }
  }
  const match = (list: string[]) => list.filter((x) => x === FILES || x.startsWith(partial));

  if (pending) {
    if (pending.flags.startsWith('--columns')) return columnWords(current, partial);
    const kind = valueKind(pending);
    if (kind === 'profile' || pending.flags.includes('--profile')) return match(await profileNames(c, configFlag));
    return kind ? match(await values(kind, c, configFlag, specs)) : [];
  }
  if (partial.startsWith('-') && !helpMode) {
    const own = (current?.options ?? []).flatMap((o) => longAndShort(o).filter((f) => f.startsWith('--')));
    const globals = GLOBAL_OPTIONS.flatMap((o) => longAndShort(o).filter((f) => f.startsWith('--')));
    return match([...own, ...globals, '--help']);
  }
  if (helpMode) {
    const names = level.filter((s) => !s.hidden).map((s) => s.name);
    return match(current ? names : [...c.helpTopics, ...names]);
  }
  if (level.length) {
    const names = level.filter((s) => !s.hidden).map((s) => s.name);
    if (!current) names.push('help');
    return match(names);
  }
  // a leaf command's positional argument
  const arg = current?.args?.[Math.min(positional, (current.args?.length ?? 1) - 1)];
  const name = arg?.replace(/[<>[\].]/g, '');
  const kind = name ? current?.argValues?.[name] : undefined;
  return kind ? match(await values(kind, c, configFlag, specs)) : [];
}
