# The Debian package of this build: cpack makes it, its Depends are Debian
# packages, and unpacked into a scratch root it has the man page (it renders
# and documents every command's options), the bash completion, the docs and
# the catalog, on which the installed vtdsim check passes.
source "$(dirname "$0")/common.bash" "$@"
build=$(dirname "$vtdsim")
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1

# Into the scratch directory: cpack's staging tree too, not the build tree.
if ! cpack --config "$build/CPackConfig.cmake" -G DEB -B "$tmp/pkg" >"$tmp/cpack.log" 2>&1; then
  bad "cpack -G DEB failed"; cat "$tmp/cpack.log"; exit 1
fi
version=$(sed -n 's/^set(CPACK_PACKAGE_VERSION "\(.*\)")$/\1/p' "$build/CPackConfig.cmake")
deb=$tmp/pkg/vtdsim_${version}_$(dpkg --print-architecture).deb
[ -f "$deb" ] && echo "ok: cpack made $(basename "$deb")" || { bad "no $deb"; ls "$tmp/pkg"; exit 1; }

# Depends: every name a Debian package (installed, or known to apt), and the
# libraries vtdsim links among them (dpkg-shlibdeps ran).
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
for lib in libsystemc libboost-program-options libyaml-cpp libspdlog libstdc++6; do
  grep -q "\(^\|, \)$lib" <<<"$depends" && echo "ok: depends on $lib" || bad "no $lib in Depends"
done
for name in $(tr ',|' '\n\n' <<<"$depends" | sed 's/(.*)//; s/:.*//; s/ //g'); do
  if dpkg-query -W -f='${Status}' "$name" 2>/dev/null | grep -q "install ok installed" ||
    apt-cache show "$name" >/dev/null 2>&1; then
    echo "ok: $name is a Debian package"
  else
    bad "Depends names $name, which is no Debian package"
  fi
done

root=$tmp/root
dpkg-deb -x "$deb" "$root"
usr=$root/usr

# The man page renders without warnings and has every command's options.
man=$usr/share/man/man1/vtdsim.1.gz
if [ -f "$man" ] && zcat "$man" | groff -man -Tutf8 -ww -z 2>"$tmp/groff.err" && ! [ -s "$tmp/groff.err" ]; then
  echo "ok: the man page renders cleanly"
else
  bad "the man page is missing or groff warns"; cat "$tmp/groff.err"
fi
MANWIDTH=200 man -l "$man" >"$tmp/man.txt" 2>/dev/null
check "the man page has a COMMANDS section" "^COMMANDS" "$tmp/man.txt"
commands=$("$vtdsim" --help | awk '/^commands:/ { on = 1; next } on && /^$/ { on = 0 } on && /^  [a-z]/ { print $1 }')
[ -n "$commands" ] || bad "no commands in vtdsim --help"
for cmd in $commands; do
  check "the man page has vtdsim $cmd" "^ *vtdsim $cmd\$" "$tmp/man.txt"
  for opt in $("$vtdsim" "$cmd" --help | grep -oE '^  (-[a-z] \[ )?--[a-z][a-z0-9-]*' | grep -oE -- '--[a-z0-9-]+'); do
    grep -q -- "$opt" "$tmp/man.txt" || bad "the man page lacks vtdsim $cmd $opt"
  done
done

completion=$usr/share/bash-completion/completions/vtdsim
[ -f "$completion" ] && bash -n "$completion" && echo "ok: the bash completion is valid bash" ||
  bad "no valid bash completion at $completion"

for doc in README.md $(cd "$src" && ls docs/*.md docs/images/*); do
  [ -f "$usr/share/doc/vtdsim/$doc" ] || bad "share/doc/vtdsim/$doc not installed"
done
echo "ok: README.md and docs/ are installed"

# The installed binary on the installed catalog: every scenario, as expected.
catalog=$usr/share/vtdsim/scenarios
want=$(find "$src/scenarios" -name '*.yaml' | wc -l)
have=$(find "$catalog" -name '*.yaml' 2>/dev/null | wc -l)
[ "$want" = "$have" ] && echo "ok: the catalog's $want scenarios are installed" ||
  bad "$have of $want scenarios installed"
expect_rc 0 "the installed vtdsim check passes the installed catalog" "$usr/bin/vtdsim" check "$catalog"
check "check ran the whole catalog" "$want scenarios" "$tmp/out"
exit $fail
