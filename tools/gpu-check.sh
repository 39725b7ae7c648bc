#!/usr/bin/env bash
# The checks that need a CUDA device, in one go: the ILGPU test suite on the GPU (the device generator's bit tests,
# every ES member kind's generation against the CPU engine, chunking, resume), then short ES runs on the CPU engine
# and on the GPU with the same seed and settings (train --backend gpu keeps the whole generation on the device:
# DeviceEvolutionSession), whose metrics (every field but elapsed_s) and final checkpoints must be bit-identical, and
# whose generation rates are reported side by side. About 10 minutes on an H100-class machine with 16 cores.
# Usage: tools/gpu-check.sh OUTDIR
#   CLI   (default: dotnet src/CpuLinear.Cli/bin/Release/net10.0/CpuLinear.Cli.dll)
#   TESTS (default: dotnet test tests/CpuLinear.Gpu.Tests -c Release)
#   THREADS (default: nproc) CPU engine threads for the reference runs.
set -uo pipefail
out=${1:?usage: tools/gpu-check.sh OUTDIR}
mkdir -p "$out"
here=$(cd "$(dirname "$0")" && pwd)
read -r -a cli <<<"${CLI:-dotnet src/CpuLinear.Cli/bin/Release/net10.0/CpuLinear.Cli.dll}"
read -r -a tests <<<"${TESTS:-dotnet test tests/CpuLinear.Gpu.Tests -c Release}"
threads=${THREADS:-$(nproc)}
status=0

nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$out/gpu.txt"
"${cli[@]}" info >"$out/info.txt" 2>&1; grep -i -E "cuda|vector512|processor" "$out/info.txt"

echo "== ILGPU test suite on CUDA (CPULINEAR_TEST_DEVICE=gpu)"
CPULINEAR_TEST_DEVICE=gpu "${tests[@]}" >"$out/gpu-tests.log" 2>&1 || status=1
grep -E "Passed!|Failed!|Total tests|passed|failed" "$out/gpu-tests.log" | tail -3

# One ES run per backend: name, backend, extra options.
run() {
  local name=$1 backend=$2; shift 2
  "${cli[@]}" train --method es --backend "$backend" --threads "$threads" --seed 7 --limit 2000 \
    --out "$out/$name" --metrics "$out/$name.metrics.jsonl" "$@" >"$out/$name.log" 2>&1 || { echo "$name failed:"; tail -5 "$out/$name.log"; status=1; }
}

# 32768 pairs (65,536 members) does not fit one chunk on the device, so its bits also check the chunked estimate.
for case in "rank1:--generations 40" "rank1-2048pairs:--generations 16 --pairs 2048" "rank1-8192pairs:--generations 8 --pairs 8192" \
  "rank1-32768pairs:--generations 2 --pairs 32768" "fullrank:--generations 8 --rank 0" \
  "subsets-later:--generations 40 --first-layer-units 32 --later-layer-pairs 256" \
  "rules:--generations 20 --rank 2 --es-optimizer sgd --es-lr 0.05 --es-lr-final 0.02 --fitness-shaping zscore --weight-decay-mode decoupled --fixed-weight-rms --fitness-temperature 2"; do
  name=${case%%:*}; read -r -a opts <<<"${case#*:}"
  run "$name-cpu" cpu "${opts[@]}"
  run "$name-gpu" gpu "${opts[@]}"
  python3 "$here/compare-runs.py" "$out/$name-cpu" "$out/$name-gpu" | tee -a "$out/summary.txt" || status=1
done
exit $status
