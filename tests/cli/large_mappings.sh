#!/usr/bin/env bash
# Large mappings: page_size: 2M / 1G builds PS leaf entries, so a 1 TiB
# mapping builds in a moment and DMA inside it translates to the address
# its definition gives (second-level and first-level); a mapping needing
# more leaf entries than the builder allows is refused at its location
# (exit 2) before anything is built.
source "$(dirname "$0")/common.bash" "$@"
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1

# legacy  PAGE_SIZE: a second-level domain with 1 TiB at iova 1 TiB -> pa 2 TiB.
legacy() {
  cat <<EOF2
name: large-sl
description: one 1 TiB mapping
platform:
  iommu:
    iotlb: {enabled: false}
tables:
  domains:
    - name: dom1
      did: 2
      aw: 2
      mappings:
        - {iova: 0x10000000000, pa: 0x20000000000, size: 0x10000000000$1}
        - {iova: 0x1000, pa: 0x80001000}
  devices:
    - bdf: "00:02.0"
      domain: dom1
traffic:
  - {device: "00:02.0", iova: 0x1234567ab00, access: read, start: 60, every: 10, count: 2}
  - {device: "00:02.0", iova: 0x1ffffffff08, access: write, start: 100, every: 10, count: 1}
  - {device: "00:02.0", iova: 0x20000000000, access: read, start: 120, every: 10, count: 1}
EOF2
}
# scalable: a first-level domain with 2 MiB pages and a second-level one with 1 GiB pages.
scalable() {
  cat <<EOF2
name: large-fl
description: first-level 2 MiB and second-level 1 GiB pages
platform:
  iommu:
    mode: scalable
tables:
  domains:
    - name: user
      did: 3
      type: first_level
      mappings:
        - {iova: 0x40000000, pa: 0x1000000000, size: 0x40000000, page_size: 2M, write: false}
    - name: host
      did: 2
      mappings:
        - {iova: 0x0, pa: 0x4000000000, size: 0x8000000000, page_size: 1G}
  devices:
    - bdf: "00:02.0"
      pasids:
        - {pasid: 0, domain: host}
        - {pasid: 1, domain: user}
traffic:
  - {device: "00:02.0", iova: 0x7ffffff8, access: read, start: 60, every: 10, count: 1, pasid: 1}
  - {device: "00:02.0", iova: 0x40201000, access: write, start: 70, every: 10, count: 1, pasid: 1}
  - {device: "00:02.0", iova: 0x7fc0012340, access: read, start: 80, every: 10, count: 1}
EOF2
}
# dma_pa TRACE REQUEST: the address request #REQUEST translated to, or its fault.
dma_pa() {
  python3 - "$1" "$2" <<'PY'
import json, sys
for e in json.load(open(sys.argv[1]))["traceEvents"]:
    a = e.get("args", {})
    if e.get("cat") in ("dma", "dma_fault") and a.get("request") == int(sys.argv[2]):
        print(a["pa"] if e["cat"] == "dma" else "fault " + a["fault_reason"])
PY
}
expect_pa() {  # description trace request want
  local got
  got=$(dma_pa "$2" "$3")
  [ "$got" = "$4" ] && echo "ok: $1 ($got)" || bad "$1: got '$got', wanted $4"
}

legacy ", page_size: 1G" >"$tmp/1g.yaml"
start=$(date +%s%N)
expect_rc 0 "a 1 TiB mapping in 1 GiB pages runs" /usr/bin/time -f "%M" -o "$tmp/1g.kib" \
  "$vtdsim" run "$tmp/1g.yaml" --trace "$tmp/1g.trace"
ms=$((($(date +%s%N) - start) / 1000000))
[ "$ms" -lt 10000 ] && echo "ok: built and run in $ms ms" || bad "the 1 TiB mapping took $ms ms"
[ "$(cat "$tmp/1g.kib")" -lt 200000 ] && echo "ok: peak RSS $(cat "$tmp/1g.kib") KiB" ||
  bad "the 1 TiB mapping peaked at $(cat "$tmp/1g.kib") KiB"
# iova - 1 TiB + 2 TiB, from the mapping's definition.
expect_pa "DMA inside a 1 GiB page translates by the mapping" "$tmp/1g.trace" 0 0x2234567ab00
expect_pa "the last bytes of the 1 TiB mapping translate" "$tmp/1g.trace" 2 0x2ffffffff08
dma_pa "$tmp/1g.trace" 3 | grep -q '^fault' && echo "ok: the byte past the mapping faults" ||
  bad "the byte past the mapping: $(dma_pa "$tmp/1g.trace" 3)"

legacy ", page_size: 2M" >"$tmp/2m.yaml"
expect_rc 0 "a 1 TiB mapping in 2 MiB pages runs" "$vtdsim" run "$tmp/2m.yaml" --trace "$tmp/2m.trace"
expect_pa "DMA inside a 2 MiB page translates by the mapping" "$tmp/2m.trace" 0 0x2234567ab00

scalable >"$tmp/fl.yaml"
expect_rc 0 "first-level 2 MiB and second-level 1 GiB pages in scalable mode run" \
  "$vtdsim" run "$tmp/fl.yaml" --trace "$tmp/fl.trace"
expect_pa "a first-level 2 MiB page translates by the mapping" "$tmp/fl.trace" 0 0x103ffffff8
dma_pa "$tmp/fl.trace" 1 | grep -q '^fault' && echo "ok: a write to a read-only 2 MiB page faults" ||
  bad "write to a read-only first-level large page: $(dma_pa "$tmp/fl.trace" 1)"
expect_pa "a scalable second-level 1 GiB page translates by the mapping" "$tmp/fl.trace" 2 0xbfc0012340

# 1 TiB in 4 KiB pages: 2^28 leaf entries, refused at the mapping, before building.
legacy "" >"$tmp/4k.yaml"
start=$(date +%s)
expect_rc 2 "a 1 TiB mapping in 4 KiB pages is refused" "$vtdsim" run "$tmp/4k.yaml" --json "$tmp/4k.json"
check "the refusal gives the mapping's location and the way out" \
  "4k.yaml:12:11: the mappings need more than 1048576 leaf entries.*page_size: 2M or 1G" "$tmp/err"
[ ! -e "$tmp/4k.json" ] && echo "ok: nothing written" || bad "the refused run wrote its JSON"
[ $(($(date +%s) - start)) -lt 10 ] && echo "ok: refused quickly" || bad "the refusal took $(($(date +%s) - start)) s"
expect_rc 2 "check refuses it too" "$vtdsim" check "$tmp/4k.yaml"

# Large pages need aligned addresses and sizes, and a page size the model knows.
sed 's/pa: 0x20000000000/pa: 0x20000200000/' "$tmp/1g.yaml" >"$tmp/misaligned.yaml"
expect_rc 2 "a pa not aligned to the page size is refused" "$vtdsim" run "$tmp/misaligned.yaml"
check "at the pa, with the page size" "misaligned.yaml:12:37: .*pa: 0x20000200000 is not aligned to the page size 0x40000000" "$tmp/err"
sed 's/page_size: 1G/page_size: 4M/' "$tmp/1g.yaml" >"$tmp/4m.yaml"
expect_rc 2 "an unknown page size is refused" "$vtdsim" run "$tmp/4m.yaml"
check "with the sizes allowed" "expected 4K, 2M or 1G, got '4M'" "$tmp/err"
# A large page overlapping a 4 KiB one (either order) is a mapping made twice.
sed 's/        - {iova: 0x1000, pa: 0x80001000}/        - {iova: 0x10040201000, pa: 0x80001000}/' "$tmp/1g.yaml" >"$tmp/overlap.yaml"
expect_rc 2 "a 4 KiB page inside a 1 GiB one is refused" "$vtdsim" run "$tmp/overlap.yaml"
check "as mapped twice, at the mapping" "overlap.yaml:13:11: iova 0x10040201000 is mapped twice" "$tmp/err"
sed -E 's/( +- \{iova: 0x10000000000.*)/        - {iova: 0x10040201000, pa: 0x80001000}\n\1/; /iova: 0x1000, pa/d' "$tmp/1g.yaml" >"$tmp/overlap2.yaml"
expect_rc 2 "a 1 GiB page over a 4 KiB one is refused" "$vtdsim" run "$tmp/overlap2.yaml"
check "as mapped twice, at the large mapping" "overlap2.yaml:13:11: iova 0x10040000000 is mapped twice" "$tmp/err"
exit $fail
