#!/usr/bin/env python3
"""GEMM GFLOP/s of CpuLinear against OpenBLAS, measured alternately in one run.

The machines CpuLinear is measured on are shared, so absolute times drift; what this script reports is the
ratio of the two libraries measured round by round, each round alternating them, keeping each side's best.
OpenBLAS runs through Debian's numpy (python3-numpy with libopenblas0-pthread) with
OPENBLAS_CORETYPE=Cooperlake: its own detection picks a much slower kernel on the build machines.

Usage: tools/compare-openblas.sh [--rounds 3] [--paths vector512,vector256] [--out perf/results/x.md]
"""
import argparse, json, os, platform, subprocess, sys, datetime

SHAPES = [f"{m}x{k}x{n}" for m in (256, 1024, 4096) for (k, n) in ((784, 512), (512, 512), (512, 10))]

OPENBLAS_PROBE = r"""
import json, sys, time, numpy as np
for shape in sys.argv[1].split(','):
    m, k, n = map(int, shape.split('x'))
    rng = np.random.default_rng(1)
    a = rng.uniform(-1, 1, (m, k)).astype(np.float32)
    b = rng.uniform(-1, 1, (k, n)).astype(np.float32)
    c = np.empty((m, n), np.float32)
    np.matmul(a, b, out=c)
    best, start, runs = 1e9, time.perf_counter(), 0
    while runs < 3 or time.perf_counter() - start < float(sys.argv[2]):
        t = time.perf_counter(); np.matmul(a, b, out=c); best = min(best, time.perf_counter() - t); runs += 1
    print(json.dumps({"library": "OpenBLAS", "shape": shape, "seconds": best, "gflops": 2 * m * n * k / best / 1e9}))
"""


def run_lines(cmd, env=None):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--paths", default="vector512,vector256,vector128")
    ap.add_argument("--seconds", default="0.5")
    ap.add_argument("--bench", default="perf/CpuLinear.Benchmarks/bin/Release/net10.0/CpuLinear.Benchmarks.dll")
    ap.add_argument("--numpy-python", default="/usr/bin/python3")
    ap.add_argument("--out")
    args = ap.parse_args()

    ours, theirs, peak = {}, {}, {}
    for rnd in range(args.rounds):
        for t in args.threads.split(","):
            env = dict(os.environ, OPENBLAS_NUM_THREADS=t, OPENBLAS_CORETYPE="Cooperlake")
            for r in run_lines([args.numpy_python, "-c", OPENBLAS_PROBE, ",".join(SHAPES), args.seconds], env):
                key = (r["shape"], int(t))
                theirs[key] = max(theirs.get(key, 0), r["gflops"])
            for r in run_lines(["dotnet", args.bench, "table", "--shapes", ",".join(SHAPES), "--paths", args.paths,
                                "--threads", t, "--seconds", args.seconds]):
                key = (r["shape"], r["threads"], r["path"])
                ours[key] = max(ours.get(key, 0), r["gflops"])
            for r in run_lines(["dotnet", args.bench, "peak", t]):
                peak[int(t)] = max(peak.get(int(t), 0), r["gflops"])
        print(f"round {rnd + 1}/{args.rounds} done", file=sys.stderr)

    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
    lines = [
        f"# CpuLinear GEMM vs OpenBLAS ({datetime.date.today().isoformat()})",
        "",
        f"Machine: {cpu}, {os.cpu_count()} cores. OpenBLAS via numpy, OPENBLAS_CORETYPE=Cooperlake. "
        f"Best of {args.rounds} alternating rounds. FMA peak measured by `CpuLinear.Benchmarks peak`: "
        + ", ".join(f"{t} thread(s) {g:.0f} GFLOP/s" for t, g in sorted(peak.items())) + ".",
        "",
        "| M x K x N | threads | path | CpuLinear GFLOP/s | OpenBLAS GFLOP/s | ratio | % of FMA peak |",
        "|---|---|---|---|---|---|---|",
    ]
    for (shape, t, path), g in sorted(ours.items(), key=lambda kv: (SHAPES.index(kv[0][0]), kv[0][1], kv[0][2])):
        ob = theirs.get((shape, t), float("nan"))
        lines.append(f"| {shape} | {t} | {path} | {g:.1f} | {ob:.1f} | {g / ob:.2f} | {100 * g / peak[t]:.0f}% |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        tmp = args.out + ".tmp"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, args.out)


if __name__ == "__main__":
    main()
