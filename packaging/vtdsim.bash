# bash completion for vtdsim (installed as share/bash-completion/completions/vtdsim).
# Commands and options are read from `vtdsim --help` and `vtdsim CMD --help`
# when completing, so they follow the binary and cannot drift from it.

# The command names listed under "commands:" in `vtdsim --help`.
_vtdsim_commands() {
  "$1" --help 2>/dev/null | awk '/^commands:/ { on = 1; next } on && /^$/ { on = 0 }
                                 on && /^  [a-z]/ { print $1 }'
}

# One line per option of `vtdsim CMD --help`: its names, then "arg" when it
# takes a value (Boost.Program_options' layout: "  -j [ --jobs ] arg   text").
_vtdsim_options() {
  "$1" "$2" --help 2>/dev/null | awk '/^  -/ {
      spec = $0; sub(/^  /, "", spec); sub(/  .*/, "", spec)   # the option column: up to the description
      names = ""; takes = ""
      n = split(spec, w, /[][ ]+/)
      for (i = 1; i <= n; i++) {
        if (w[i] ~ /^--?[a-z]/) names = names " " w[i]
        else if (w[i] == "arg") takes = " arg"
      }
      if (names != "") print substr(names, 2) takes
    }'
}

_vtdsim() {
  local cur prev words cword split
  _init_completion -s || return

  local vtdsim=${words[0]} cmd="" i
  for ((i = 1; i < cword; i++)); do
    if [[ ${words[i]} != -* ]]; then cmd=${words[i]}; break; fi
  done
  if [[ -z $cmd ]]; then
    COMPREPLY=($(compgen -W "$(_vtdsim_commands "$vtdsim") --help --version" -- "$cur"))
    return
  fi

  local options valued=" "
  options=$(_vtdsim_options "$vtdsim" "$cmd")
  while read -r line; do
    [[ $line == *" arg" ]] && valued+="${line% arg} "
  done <<<"$options"

  # The value of an option: files where it names one, the listed choices.
  if [[ $prev == -* && $valued == *" $prev "* ]]; then
    case $prev in
      --json | --csv | --plot | --trace | --vcd | --junit | --gtkw) _filedir ;;
      --file) _filedir '@(yaml|yml)' ;;
      --dir) _filedir -d ;;
      --shards) _filedir json ;;
      --log-level) COMPREPLY=($(compgen -W "trace debug info warn error critical off" -- "$cur")) ;;
      --merge-rmw) COMPREPLY=($(compgen -W "yes no" -- "$cur")) ;;
      --burst-order) COMPREPLY=($(compgen -W "ascending descending" -- "$cur")) ;;
      --burst-orders) COMPREPLY=($(compgen -W "all" -- "$cur")) ;;
      --compiler-order) COMPREPLY=($(compgen -W "program reversed" -- "$cur")) ;;
      --compiler-orders) COMPREPLY=($(compgen -W "program all" -- "$cur")) ;;
    esac
    return
  fi
  [[ $split == true ]] && return

  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$(sed 's/ arg$//' <<<"$options")" -- "$cur"))
    return
  fi
  case $cmd in
    merge) _filedir json ;;                   # shard reports
    sequences) ;;
    *) _filedir '@(yaml|yml)' ;;              # scenario files (and directories, for check)
  esac
} &&
  complete -F _vtdsim vtdsim
