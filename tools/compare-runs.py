#!/usr/bin/env python3
"""Compares two ES runs (CPU engine vs a backend) bit for bit and reports their generation rates.

Usage: compare-runs.py RUN_A RUN_B, where RUN is the --out folder and RUN.metrics.jsonl its metrics.
Every metrics field except elapsed_s must match exactly (floats are written round-trip), and every tensor in the
checkpoints both runs wrote must have the same bytes. Exit code 1 on any difference."""
import json
import pathlib
import struct
import sys


def metrics(run):
    return [json.loads(line) for line in pathlib.Path(str(run) + ".metrics.jsonl").read_text().splitlines() if line.strip()]


def tensors(path):
    blob = path.read_bytes()
    size = struct.unpack("<Q", blob[:8])[0]
    header = json.loads(blob[8:8 + size])
    header.pop("__metadata__", None)
    data = blob[8 + size:]
    return {name: (entry["dtype"], entry["shape"], data[entry["data_offsets"][0]:entry["data_offsets"][1]]) for name, entry in header.items()}


def rate(rows):
    # Generations per second between the first and last row: skips the first generation's kernel compilation.
    if len(rows) < 3:
        return float("nan")
    return (rows[-1]["generation"] - rows[0]["generation"]) / (rows[-1]["elapsed_s"] - rows[0]["elapsed_s"])


def main(a, b):
    a, b = pathlib.Path(a), pathlib.Path(b)
    ma, mb = metrics(a), metrics(b)
    problems = []
    if len(ma) != len(mb):
        problems.append(f"{len(ma)} vs {len(mb)} metrics rows")
    for ra, rb in zip(ma, mb):
        for key in ra.keys() - {"elapsed_s"}:
            if ra[key] != rb.get(key):
                problems.append(f"generation {ra['generation']}: {key} {ra[key]!r} vs {rb.get(key)!r}")
    files = sorted(p.name for p in a.glob("*.safetensors"))
    if not files:
        problems.append(f"no checkpoint in {a}")
    for name in files:
        ta, tb = tensors(a / name), tensors(b / name) if (b / name).exists() else {}
        for key in ta:
            if ta[key] != tb.get(key):
                problems.append(f"{name}: tensor {key} differs")
    verdict = "bit-identical" if not problems else "DIFFERENT"
    ra, rb = rate(ma), rate(mb)
    print(f"{a.name} vs {b.name}: {len(ma)} generations, {len(files)} checkpoint(s), {verdict}; "
          f"{ra:.2f} vs {rb:.2f} generations/s ({rb / ra:.2f}x)")
    for p in problems[:10]:
        print("  " + p)
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
