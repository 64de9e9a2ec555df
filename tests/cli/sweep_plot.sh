#!/usr/bin/env bash
# The race-window picture (vtdsim sweep --plot), read with a real XML parser
# (python3's xml.etree): every kind visible in its own band with a legend,
# the program's and the traffic's extent marked, tooltips whose replay
# commands give the cell's kinds, a one-row sweep tall enough to read, gaps
# from a full walker queue explained; and the sweep text report's heading
# printed once, "minimal" explained, stale findings with their span.
set -u
source "$(dirname "$0")/common.bash" "$@"
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1

shared=scenarios/pasid/shared-did-fl-replace.yaml
cd "$src" || exit 1
expect_rc 0 "sweep of $shared with --plot" "$vtdsim" sweep "$shared" -j 2 -q --plot "$tmp/shared.svg" --json "$tmp/shared.json"
cp "$tmp/out" "$tmp/shared.txt"

# Python: the picture's cells, bands, legend and marks; prints the replay
# commands of a few cells as "KINDS<TAB>COMMAND" lines for the shell to run.
cat >"$tmp/svg.py" <<'EOF'
import json, re, sys
import xml.etree.ElementTree as ET

NS = "{http://www.w3.org/2000/svg}"
svg, report = sys.argv[1], json.load(open(sys.argv[2]))
root = ET.parse(svg).getroot()
fail = 0
def check(ok, what):
    global fail
    print(("ok: " if ok else "FAIL: ") + what)
    fail |= not ok

check(root.tag == NS + "svg", "the root element is <svg>")
rects = list(root.iter(NS + "rect"))
texts = list(root.iter(NS + "text"))
cells = [r for r in rects if r.get("class", "").split()[:1] == ["cell"]]
check(len(cells) == report["interleavings"], f"one cell per interleaving ({len(cells)})")
# Legend: a swatch (rect) then the kind's name; the name's colour is the swatch's fill.
children = list(root)
colour = {}
for i, el in enumerate(children):
    if el.tag == NS + "text" and i > 0 and children[i - 1].tag == NS + "rect":
        colour[(el.text or "").strip()] = children[i - 1].get("fill")
found = [k for k, n in report["counts"].items() if n > 0]
for k in found + ["clean"]:
    check(k in colour, f"the legend lists {k}")
check(len({colour.get(k) for k in found}) == len(found), "each kind found has its own colour")
bands = [r for r in rects if r.get("class") == "band"]
for k in found:
    check(any(b.get("fill") == colour.get(k) for b in bands), f"{k} is painted in its band")
# Every kind is visible where it occurs: a cell showing two kinds has two bands painted.
both = [c for c in cells if {"torn_fetch", "corrupting_dma"} <= set(c.get("class").split())]
check(len(both) > 0, "some cells show torn_fetch and corrupting_dma together")
def painted(cell, kind):
    x, w = float(cell.get("x")), float(cell.get("width"))
    y, h = float(cell.get("y")), float(cell.get("height"))
    return any(b.get("fill") == colour[kind] and float(b.get("x")) <= x + w / 2 <= float(b.get("x")) + float(b.get("width"))
               and y <= float(b.get("y")) < y + h for b in bands)
for c in both[:3]:
    check(painted(c, "torn_fetch") and painted(c, "corrupting_dma"),
          f"cell at x={c.get('x')}: both kinds' bands painted")
# No band fills its row: unsafe_live_update (every interleaving) is a band, not the cell.
ulu = [b for b in bands if b.get("fill") == colour.get("unsafe_live_update")]
check(ulu and all(float(b.get("height")) < float(cells[0].get("height")) for b in ulu),
      "unsafe_live_update's band is thinner than the row")
# The cells' kinds are the sweep's results.
kinds = report["kinds"]
by_index = {row[0]: row for row in report["results"]}
frm = report["space"]["offsets"]["from"]
ok = True
for c in cells:
    title = c.find(NS + "title").text
    off = int(re.match(r"offset (-?\d+)", title).group(1))
    row = by_index[off - frm]
    want = {k for i, k in enumerate(kinds) if row[2 + i] > 0}
    ok &= want == set(c.get("class").split()[1:])
check(ok, "every cell's kinds are its interleaving's")
# The program's and the traffic's extent on the offset axis.
marks = {r.get("id"): r for r in rects if r.get("id") in ("program-extent", "traffic-extent")}
check(len(marks) == 2, "the program's and the traffic's extent are marked")
tl = report["space"]["timeline"]
for name, (a, b) in (("program-extent", (tl["traffic"][0] - tl["program"][1], tl["traffic"][0] - tl["program"][0])),
                     ("traffic-extent", (tl["traffic"][0] - tl["program"][0], tl["traffic"][1] - tl["program"][0]))):
    t = marks.get(name)
    check(t is not None and t.find(NS + "title").text.endswith(f"offsets {a}..{b}"), f"{name} is offsets {a}..{b}")
# A few cells to replay: the first of each combination of kinds, and the last cell.
seen = {}
for c in cells:
    seen.setdefault(c.get("class"), c)
for c in list(seen.values()) + [cells[-1]]:
    cmd = [l for l in c.find(NS + "title").text.split("\n") if l.startswith("replay: ")][0][len("replay: "):]
    print("REPLAY\t" + " ".join(c.get("class").split()[1:]) + "\t" + cmd)
sys.exit(fail)
EOF
python3 "$tmp/svg.py" "$tmp/shared.svg" "$tmp/shared.json" >"$tmp/py.out" || bad "the picture of $shared (see above)"
grep -v '^REPLAY' "$tmp/py.out"
# Each tooltip's command replays its cell's verdict: the same kinds found.
n=0
while IFS=$'\t' read -r _ kinds cmd; do
  n=$((n + 1))
  eval "\"\$vtdsim\" ${cmd#vtdsim } --json \"\$tmp/replay.json\"" >/dev/null 2>&1
  got=$(python3 -c 'import json,sys; print(" ".join(sorted(k for k, n in json.load(open(sys.argv[1]))["counts"].items() if n > 0)))' "$tmp/replay.json")
  want=$(tr ' ' '\n' <<<"$kinds" | sort | xargs)
  if [ "$got" = "$want" ]; then echo "ok: tooltip replay ($want): $cmd"; else bad "tooltip replay gives '$got', the cell shows '$want': $cmd"; fi
  rm -f "$tmp/replay.json"
done < <(grep '^REPLAY' "$tmp/py.out")
[ "$n" -ge 3 ] || bad "only $n tooltips replayed"

# The picture does not depend on the number of jobs.
expect_rc 0 "the same sweep on one job" "$vtdsim" sweep "$shared" -j 1 -q --plot "$tmp/shared1.svg"
cmp -s "$tmp/shared.svg" "$tmp/shared1.svg" && echo "ok: the same picture with -j 1 and -j 2" || bad "the picture differs between -j 1 and -j 2"

# The text report: the sweep: heading once; "minimal" said in words.
[ "$(grep -c '^sweep:' "$tmp/shared.txt")" = 1 ] && echo "ok: one sweep: line" || { bad "sweep: printed $(grep -c '^sweep:' "$tmp/shared.txt") times"; cat "$tmp/shared.txt"; }
[ "$(grep -c '^space:' "$tmp/shared.txt")" = 1 ] && echo "ok: one space: line" || bad "space: not printed once"
check "minimal explained" "minimal, the one whose finding has the fewest" "$tmp/shared.txt"
expect_rc 0 "merge of the sweep's report" "$vtdsim" merge "$tmp/shared.json" --plot "$tmp/merged.svg"
[ "$(grep -c '^sweep:' "$tmp/out")" = 1 ] && echo "ok: merge prints one sweep: line" || bad "merge: sweep: not printed once"
cmp -s "$tmp/shared.svg" "$tmp/merged.svg" && echo "ok: the merged report draws the same picture" || bad "the merged picture differs"

# A one-row (legacy) sweep is a readable picture, not a strip.
expect_rc 0 "legacy sweep" "$vtdsim" sweep scenarios/context/map-prefix-reordered.yaml -q --plot "$tmp/legacy.svg"
python3 - "$tmp/legacy.svg" <<'EOF' || bad "the one-row picture's proportions"
import sys, xml.etree.ElementTree as ET
NS = "{http://www.w3.org/2000/svg}"
root = ET.parse(sys.argv[1]).getroot()
w, h = float(root.get("width")), float(root.get("height"))
cell = [r for r in root.iter(NS + "rect") if r.get("class", "").startswith("cell")][0]
print(f"legacy picture {w:.0f} x {h:.0f}, cells {float(cell.get('height')):.0f} high")
sys.exit(0 if float(cell.get("height")) >= 100 and w / h <= 4 else 1)
EOF

# Gaps from a full walker queue are hatched and explained; with enough
# walkers the same sequence has no gap and no note.
struct=scenarios/pasid/replace-struct-copy-sl.yaml
expect_rc 0 "sweep of $struct" "$vtdsim" sweep "$struct" --burst-orders ascending -q --plot "$tmp/queue.svg"
sed 's/max_outstanding: [0-9]*/max_outstanding: 1024/' "$struct" >"$tmp/walkers.yaml"
expect_rc 0 "the same with 1024 walkers" "$vtdsim" sweep "$tmp/walkers.yaml" --burst-orders ascending -q --plot "$tmp/walkers.svg"
cat >"$tmp/queue.py" <<'EOF'
import sys, xml.etree.ElementTree as ET
NS = "{http://www.w3.org/2000/svg}"
root = ET.parse(sys.argv[1]).getroot()
hatched = [r for r in root.iter(NS + "rect") if r.get("fill") == "url(#walker-queue)"]
note = any("walker queue" in (t.text or "") for t in root.iter(NS + "text"))
print(len(hatched), "hatched,", "note" if note else "no note")
sys.exit(0 if (len(hatched) > 1 and note) == (sys.argv[2] == "yes") else 1)
EOF
python3 "$tmp/queue.py" "$tmp/queue.svg" yes && echo "ok: walker-queue gaps hatched and explained" || bad "no walker-queue note on $struct"
python3 "$tmp/queue.py" "$tmp/walkers.svg" no && echo "ok: no walker-queue note with enough walkers" || bad "a walker-queue note with 1024 walkers"

# A stale_translation finding names its update span in the run's JSON.
expect_rc 0 "run with stale translations" "$vtdsim" run scenarios/pasid/noncoherent-no-clflush.yaml --json "$tmp/stale.json"
python3 - "$tmp/stale.json" <<'EOF' && echo "ok: stale findings carry their span" || bad "a stale_translation finding without its span"
import json, sys
v = [f for f in json.load(open(sys.argv[1]))["violations"] if f["kind"] == "stale_translation"]
print(len(v), "stale findings; first span:", v[0]["span"] if v else None)
sys.exit(0 if v and all(f["span"]["stores"] and f["superseded_by"] in f["span"]["stores"]
                        and f["span"]["first_cycle"] > 0 for f in v) else 1)
EOF
exit $fail
