#!/bin/sh
# Writes the man page vtdsim.1.gz from the built binary's help text
# (help2man), with a COMMANDS section holding every command's --help.
# usage: manpage.sh VTDSIM VERSION OUT.1.gz
set -eu
vtdsim=$1 version=$2 out=$3
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
# A sanitized build's binary too: the page is text, leaks are the tests' business.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}"
include=$out.include
{
  printf '[COMMANDS]\n'
  for cmd in $("$vtdsim" --help | awk '/^commands:/ { on = 1; next } on && /^$/ { on = 0 }
                                       on && /^  [a-z]/ { print $1 }'); do
    printf '.SS "vtdsim %s"\n.nf\n' "$cmd"
    # roff: a backslash is \e, a hyphen-minus \-, a line may not start with . or '
    "$vtdsim" "$cmd" --help | sed -e 's/\\/\\e/g' -e 's/-/\\-/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"
    printf '.fi\n'
  done
  printf '[FILES]\n'
  printf '.TP\n.I share/vtdsim/scenarios\nthe scenario catalog (under the installation prefix: /usr for the Debian package), for\n.B vtdsim check\n'
  printf '.TP\n.I share/doc/vtdsim\nREADME.md and docs/: the scenario format, the checkers, sweeps, mutation, CI\n'
  printf '[SEE ALSO]\n.BR gtkwave (1)\n'
} >"$include"
# --version-string: the page's version is the project's, whatever the binary prints.
help2man --no-info --version-string="$version" --include="$include" \
  --name="cycle-level simulator of Intel VT-d table updates racing the IOMMU" \
  --output="${out%.gz}" "$vtdsim"
gzip -9nf "${out%.gz}"
rm -f "$include"
