#!/usr/bin/env bash
# Runs the BenchmarkDotNet suites and the alternating-round comparisons, and stores their tables under
# perf/results/<machine>/ (GitHub-flavoured markdown from BenchmarkDotNet, JSON lines from the quick modes).
# Usage: tools/run-benchmarks.sh [suite-filter ...]   (default: every suite)
set -euo pipefail
cd "$(dirname "$0")/.."
machine=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | xargs | tr ' /' '__' || uname -m)
out="perf/results/${machine:-unknown}-$(nproc)core"
mkdir -p "$out"
dotnet build perf/CpuLinear.Benchmarks -c Release --nologo -v q >/dev/null
bench=(dotnet perf/CpuLinear.Benchmarks/bin/Release/net10.0/CpuLinear.Benchmarks.dll)
filters=("$@")
[ ${#filters[@]} -gt 0 ] || filters=('*GemmBenchmarks*' '*SubnormalGemm*' '*Epilogue*' '*ForwardBenchmarks*')
for f in "${filters[@]}"; do
  "${bench[@]}" --filter "$f" --artifacts BenchmarkDotNet.Artifacts
done
for report in BenchmarkDotNet.Artifacts/results/*-report-github.md; do
  cp "$report" "$out/$(basename "$report" | sed 's/CpuLinear.Benchmarks.//; s/-report-github//')"
done
"${bench[@]}" forward 5 > "$out/forward-alternating.jsonl"
"${bench[@]}" peak 1,2 > "$out/fma-peak.jsonl"
echo "results in $out"
