#!/usr/bin/env bash
# The best pure-ES run from a random start on the blog's 784-512-512-10 (MNIST): three ES stages, each starting from
# the previous stage's checkpoint, no gradient anywhere. Writes OUT/s1, OUT/s2, OUT/s3 (checkpoints, metrics) and
# OUT/time-to-accuracy.jsonl (every progress check of the three stages on one clock), OUT/time-to-accuracy.png.
# Measured (2026-12-07, 2-core AMD EPYC, AVX-512): 96.72% test under the literal program, 22.5 minutes of ES.
# Usage: tools/es-random-start.sh OUT [--threads N]   (builds the CLI in Release first; OUT must not exist)
set -euo pipefail
out=${1:?usage: tools/es-random-start.sh OUT [--threads N]}; shift
if [ -e "$out" ]; then echo "es-random-start: $out already exists; choose a new folder (nothing was changed)" >&2; exit 2; fi
cd "$(dirname "$0")/.."
dotnet build src/CpuLinear.Cli -c Release -v quiet -nologo >/dev/null
cli=(dotnet src/CpuLinear.Cli/bin/Release/net10.0/CpuLinear.Cli.dll)
mkdir -p "$out"
# 1. Activity members, live units, 128 pairs per row (what moves a random start fastest).
"${cli[@]}" train --method es --activity-pairs 128 --activity-units live --es-batch 256 --generations 6000 \
  --sigma 0.05 --sigma-final 0.05 --es-lr 0.001 --es-lr-final 0.00003 --weight-decay 0 --seed 1 --no-ceiling --out "$out/s1" "$@"
# 2. Activity members on every unit: the flush's edge inside the search brings linear units back.
"${cli[@]}" train --method es --init "$out/s1/es-activity.safetensors" --activity-pairs 128 --activity-units all --es-batch 256 \
  --generations 3000 --sigma 0.05 --sigma-final 0.05 --es-lr 0.0002 --es-lr-final 0.00003 --weight-decay 0 --seed 2 --no-ceiling --out "$out/s2" "$@"
# 3. θ-space members, small σ on all of θ, L2 0.02, batch 1024.
"${cli[@]}" train --method es --init "$out/s2/es-activity-from-init.safetensors" --pairs 128 --es-batch 1024 --rank 1 \
  --sigma 0.005 --sigma-final 0.002 --es-lr 0.0003 --es-lr-final 0.0001 --generations 200 --weight-decay 0.02 --seed 1 --no-ceiling --out "$out/s3" "$@"
python3 - "$out" <<'PY'
import json, os, sys
out = sys.argv[1]
stages = [("s1", "es-activity"), ("s2", "es-activity-from-init"), ("s3", "es-from-init")]
clock = generations = evaluations = 0
rows = []
for stage, name in stages:
    last = None
    for line in open(os.path.join(out, stage, name + ".metrics.jsonl")):
        r = json.loads(line)
        last = r
        r = dict(r, stage=stage, elapsed_s=clock + r["elapsed_s"], generation=generations + r["generation"],
                 sample_evaluations=evaluations + r["sample_evaluations"])
        rows.append(r)
    clock += last["elapsed_s"]; generations += last["generation"] + 1; evaluations += last["sample_evaluations"]
with open(os.path.join(out, "time-to-accuracy.jsonl.tmp"), "w") as f:
    f.writelines(json.dumps(r) + "\n" for r in rows)
os.replace(os.path.join(out, "time-to-accuracy.jsonl.tmp"), os.path.join(out, "time-to-accuracy.jsonl"))
for r in rows:
    if r.get("test_accuracy") is not None:
        print(f"{r['stage']} {r['elapsed_s']:8.0f} s  generation {r['generation']:6d}  train {100 * r['train_accuracy']:.2f}%  test {100 * r['test_accuracy']:.2f}%")
PY
"${cli[@]}" plot-runs "$out/time-to-accuracy.png" "$out/time-to-accuracy.jsonl" --x seconds --labels "ES from a random start (3 stages)"
