# The bash completion (packaging/vtdsim.bash) with bash-completion's helpers:
# it offers every command of vtdsim --help, every option of each command's
# --help (so it cannot drift from them), scenario files (*.yaml and
# directories) for the commands' arguments, any file for output options, and
# the choices of --log-level.
source "$(dirname "$0")/common.bash" "$@"
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
helpers=/usr/share/bash-completion/bash_completion
[ -f "$helpers" ] || { bad "no $helpers (package bash-completion)"; exit 1; }

mkdir -p "$tmp/work/sub"
touch "$tmp/work/a.yaml" "$tmp/work/b.txt" "$tmp/work/c.json"
# complete WORD...: what TAB offers after the words (the last one is being completed).
complete_words() {
  (cd "$tmp/work" && bash -c 'source "$1"; source "$2"; shift 2
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
    _vtdsim; printf "%s\n" "${COMPREPLY[@]}" | sort' _ "$helpers" "$src/packaging/vtdsim.bash" "$vtdsim" "$@")
}
same() {  # description expected actual
  if [ "$2" = "$3" ]; then echo "ok: $1"; else bad "$1: offered [$(echo $3)], wanted [$(echo $2)]"; fi
}

commands=$("$vtdsim" --help | awk '/^commands:/ { on = 1; next } on && /^$/ { on = 0 } on && /^  [a-z]/ { print $1 }')
[ "$(wc -w <<<"$commands")" -ge 7 ] || bad "too few commands in vtdsim --help: $commands"
same "the commands and --help, --version" "$(printf '%s\n' $commands --help --version | sort)" "$(complete_words "")"

for cmd in $commands; do
  # Options as the help lists them: "  -j [ --jobs ] arg", "  --json arg".
  want=$("$vtdsim" "$cmd" --help | grep -E '^  -' | sed -E 's/^  //; s/  .*//' |
         grep -oE -- '(^|[ []+)--?[a-z][a-z0-9-]*' | tr -d ' [' | sort)
  [ "$cmd" = sequences ] || [ -n "$want" ] || bad "no options in vtdsim $cmd --help"
  same "vtdsim $cmd -<TAB> offers its --help's options" "$want" "$(complete_words "$cmd" -)"
done

same "scenario files and directories for vtdsim run" "$(printf '%s\n' a.yaml sub)" "$(complete_words run "")"
same "scenario files after an option without a value" "$(printf '%s\n' a.yaml sub)" \
  "$(complete_words sweep --exhaustive -j 2 "")"
same "shard reports for vtdsim merge" "$(printf '%s\n' c.json sub)" "$(complete_words merge "")"
same "any file for an output" "$(printf '%s\n' a.yaml b.txt c.json sub)" "$(complete_words run a.yaml --json "")"
same "the levels of --log-level" "$(printf '%s\n' critical debug error info off trace warn)" \
  "$(complete_words run a.yaml --log-level "")"
exit $fail
