/** `taskctl completion bash|zsh|fish`: scripts that ask `taskctl __complete <words…>` for candidates. */
import type { Handler } from './types.js';
import { UsageError } from '../errors.js';

const BASH = `# taskctl completion for bash: add to ~/.bashrc
#   source <(taskctl completion bash)
_taskctl_complete() {
  local IFS=$'\\n'
  COMPREPLY=( $(taskctl __complete "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null) )
}
complete -o default -F _taskctl_complete taskctl
`;

const ZSH = `#compdef taskctl
# taskctl completion for zsh: add to ~/.zshrc
#   source <(taskctl completion zsh)
_taskctl() {
  local -a candidates
  candidates=("\${(@f)$(taskctl __complete "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  compadd -- \${candidates[@]}
}
compdef _taskctl taskctl
`;

const FISH = `# taskctl completion for fish: save as ~/.config/fish/completions/taskctl.fish
#   taskctl completion fish > ~/.config/fish/completions/taskctl.fish
function __taskctl_complete
    set -l words (commandline -opc) (commandline -ct)
    taskctl __complete $words[2..-1] 2>/dev/null
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
