# docs/ci.md's commands, as its GitHub Actions and GitLab CI examples run
# them: the block marked ci-commands is in both YAML examples (which parse),
# every file it writes is kept as an artifact by both, and run on the
# bundled catalog it passes and writes them all (report.xml JUnit XML,
# check.json and sweep.json JSON, window.svg SVG); with one scenario not as
# expected it fails and still writes the JUnit report.
source "$(dirname "$0")/common.bash" "$@"
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
doc=$src/docs/ci.md

# The fenced block after the ci-commands marker, and the doc's YAML blocks.
awk '/^<!-- ci-commands/ { on = 1; next } on && /^```sh/ { inside = 1; next }
     inside && /^```/ { exit } inside { print }' "$doc" >"$tmp/commands.sh"
[ "$(grep -c . "$tmp/commands.sh")" -ge 2 ] && echo "ok: docs/ci.md has the commands block" ||
  { bad "no ci-commands block in docs/ci.md"; exit 1; }
awk -v dir="$tmp" '/^```yaml/ { n++; inside = 1; next } inside && /^```/ { inside = 0; next }
                   inside { print > (dir "/example" n ".yaml") }' "$doc"
for n in 1 2; do
  y=$tmp/example$n.yaml
  python3 -c 'import sys, yaml; yaml.safe_load(open(sys.argv[1]))' "$y" 2>"$tmp/yaml.err" &&
    echo "ok: YAML example $n parses" || { bad "YAML example $n does not parse"; cat "$tmp/yaml.err"; }
  while IFS= read -r line; do
    # In the YAML: a `run: |` line or a `- ` script item, the same text.
    grep -qxF -e "$line" -e "- $line" <(sed 's/^ *//' "$y") || bad "YAML example $n lacks: $line"
  done < <(grep . "$tmp/commands.sh")
  for out in $(grep -oE '[a-z]+\.(xml|json|svg|txt)' "$tmp/commands.sh" | sort -u); do
    grep -q "$out" <(grep -v -e 'vtdsim check' -e 'vtdsim sweep' "$y") || bad "YAML example $n keeps no $out"
  done
done
echo "ok: both YAML examples run the commands and keep their outputs"

# Run them where a CI job would: a directory holding scenarios/, vtdsim on PATH.
mkdir -p "$tmp/bin" "$tmp/job"
ln -s "$vtdsim" "$tmp/bin/vtdsim"
cp -r "$src/scenarios" "$tmp/job/scenarios"
run_commands() { (cd "$tmp/job" && PATH="$tmp/bin:$PATH" bash -e "$tmp/commands.sh") >"$tmp/out" 2>&1; }
if run_commands; then echo "ok: the commands pass on the bundled catalog"; else
  bad "the commands fail on the bundled catalog"; cat "$tmp/out"; fi
for f in check.txt sweep.txt; do [ -s "$tmp/job/$f" ] || bad "no $f"; done
python3 - "$tmp/job" <<'PY' && echo "ok: report.xml, check.json, sweep.json, window.svg parse" || bad "an output does not parse"
import json, sys, xml.etree.ElementTree as ET
d = sys.argv[1]
root = ET.parse(d + "/report.xml").getroot()
assert root.tag in ("testsuites", "testsuite"), root.tag
assert len(root.findall(".//testcase")) > 0, "no testcase"
json.load(open(d + "/check.json")); json.load(open(d + "/sweep.json"))
assert ET.parse(d + "/window.svg").getroot().tag.endswith("svg")
PY

# One scenario not as expected: the pipeline fails, the JUnit report names it.
rm -f "$tmp/job"/*.xml "$tmp/job"/*.json "$tmp/job"/*.svg "$tmp/job"/*.txt
mkdir -p "$tmp/job/scenarios/broken"
{ cat "$src/scenarios/context/teardown-clear-present.yaml"; printf 'expect:\n  torn_fetch: 1\n'; } \
  >"$tmp/job/scenarios/broken/claims-a-torn-fetch.yaml"
if run_commands; then bad "the commands pass with a scenario not as expected"; cat "$tmp/out"; else
  echo "ok: the commands fail with a scenario not as expected"; fi
check "the JUnit report names the scenario that missed" "claims-a-torn-fetch" "$tmp/job/report.xml"
exit $fail
