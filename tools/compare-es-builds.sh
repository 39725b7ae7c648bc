#!/usr/bin/env bash
# ES generation speed of two builds of the benchmarks, alternating rounds in one run so both see the same
# machine load (odd rounds old first, even rounds new first); prints each round's JSON lines tagged with the build, then the new/old ratio per configuration
# (the median over rounds). Usage:
#   tools/compare-es-builds.sh OLD_REPO NEW_REPO [ROUNDS] [ES ARGS...]
# e.g. tools/compare-es-builds.sh /work/base . 3 256 256 4 64 1024   (each repo built: dotnet build -c Release)
set -euo pipefail
old=$1 new=$2 rounds=${3:-3}; shift 3 || true
args=("$@"); [ ${#args[@]} -gt 0 ] || args=(256 256 4 64 1024)
dll=perf/CpuLinear.Benchmarks/bin/Release/net10.0/CpuLinear.Benchmarks.dll
log=$(mktemp)
for r in $(seq 1 "$rounds"); do
  order="old new"; [ $((r % 2)) -eq 0 ] && order="new old"   # alternate which build goes first
  for tag in $order; do
    repo=$old; [ "$tag" = new ] && repo=$new
    dotnet "$repo/$dll" es "${args[@]}" 2>/dev/null | grep '"library":"cpulinear"' | sed "s/^{/{\"build\":\"$tag\",\"round\":$r,/" | tee -a "$log" || true
  done
done
python3 - "$log" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
key = lambda d: (d["rank"], d.get("first_layer_units", 0), d["pairs"], d["batch"])
for k in sorted({key(d) for d in rows}):
    rate = {b: [d["generations_per_s"] for d in rows if key(d) == k and d["build"] == b] for b in ("old", "new")}
    ratios = [n / o for n, o in zip(rate["new"], rate["old"])]
    print(f"rank {k[0]}, first-layer units {k[1] or 'all'}, {k[2]} pairs, batch {k[3]}: old {statistics.median(rate['old']):.3f} gen/s, "
          f"new {statistics.median(rate['new']):.3f} gen/s, new/old {statistics.median(ratios):.3f} (rounds: {', '.join(f'{x:.3f}' for x in ratios)})")
PY
