# Shared by the CLI tests (sourced, not run): arguments, a scratch directory
# removed on exit, and the checks that print "ok: ..." or "FAIL: ..." and
# set `fail`. Each test ends with `exit $fail`.
#   usage in a test: source "$(dirname "$0")/common.bash" "$@"
vtdsim=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
check() {  # description grep-pattern file
  if grep -q -- "$2" "$3"; then echo "ok: $1"; else bad "$1 (no '$2' in $3)"; cat "$3"; fi
}
check_not() {  # description grep-pattern file
  if grep -q -- "$2" "$3"; then bad "$1 ('$2' in $3)"; cat "$3"; else echo "ok: $1"; fi
}
expect_rc() {  # expected-rc description command...: output in $tmp/out, $tmp/err
  local want=$1 what=$2
  shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  if [ "$rc" != "$want" ]; then
    bad "$what: exit $rc, wanted $want"; cat "$tmp/out" "$tmp/err"
  else
    echo "ok: $what"
  fi
}
