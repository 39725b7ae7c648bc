#!/usr/bin/env bash
# Builds the benchmarks and compares CpuLinear's GEMM with OpenBLAS in one run (see compare-openblas.py).
# Needs Debian's python3-numpy and libopenblas0-pthread: apt-get install -y python3-numpy libopenblas0-pthread
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build perf/CpuLinear.Benchmarks -c Release --nologo -v q >/dev/null
exec /usr/bin/python3 tools/compare-openblas.py "$@"
