/** `taskctl completion bash|zsh|fish`: scripts that ask `taskctl __complete <words…>` for candidates (see complete.ts). */
import type { Handler } from './types.js';
import { UsageError } from '../errors.js';

const BASH = `# taskctl completion for bash (4.0 or later)
#   this shell:   source <(taskctl completion bash)
#   every shell:  taskctl completion bash > ~/.local/share/bash-completion/completions/taskctl
_taskctl_complete() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" line
  local -a out=()
  COMPREPLY=()
  while IFS= read -r line; do out+=("$line"); done < <(taskctl __complete "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)
  if [[ \${#out[@]} -eq 1 && \${out[0]} == FILES ]]; then
    compopt -o filenames 2>/dev/null
    while IFS= read -r line; do COMPREPLY+=("$line"); done < <(compgen -f -- "$cur")
    return 0
  fi
  for line in "\${out[@]}"; do
    [[ -z $line ]] && continue
    # values with spaces or parentheses ("Pending Async") are inserted escaped
    [[ $line == *[[:space:]\\(\\)\\'\\"]* ]] && printf -v line '%q' "$line"
    COMPREPLY+=("$line")
  done
  return 0
}
complete -F _taskctl_complete taskctl
`;

const ZSH = `#compdef taskctl
# taskctl completion for zsh
#   this shell:   source <(taskctl completion zsh)      (after compinit in ~/.zshrc)
#   every shell:  taskctl completion zsh > "\${fpath[1]}/_taskctl"
_taskctl() {
  local -a candidates
  candidates=("\${(@f)$(taskctl __complete "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  candidates=(\${candidates:#})
  if [[ \${#candidates} -eq 1 && \${candidates[1]} == FILES ]]; then
    _files
    return
  fi
  (( \${#candidates} )) && compadd -- "\${candidates[@]}"
}
if [[ "\${funcstack[1]}" == _taskctl ]]; then
  _taskctl "$@"
else
  compdef _taskctl taskctl
fi
`;

const FISH = `# taskctl completion for fish
#   this shell:   taskctl completion fish | source
#   every shell:  taskctl completion fish > ~/.config/fish/completions/taskctl.fish
function __taskctl_complete
    set -l words (commandline -opc) (commandline -ct)
    set -l out (taskctl __complete $words[2..-1] 2>/dev/null)
    if test (count $out) -eq 1; and test "$out[1]" = FILES
        __fish_complete_path (commandline -ct)
        return
    end
    printf '%s\\n' $out
end
complete -c taskctl -f -a '(__taskctl_complete)'
`;

export const SCRIPTS: Record<string, string> = { bash: BASH, zsh: ZSH, fish: FISH };

export const run: Handler = async (ctx, { args }) => {
  const shell = String(args[0]);
  const script = SCRIPTS[shell];
  if (!script) throw new UsageError(`unknown shell "${shell}"`, { hint: 'choose bash, zsh or fish' });
  ctx.writeOut(script);
};
