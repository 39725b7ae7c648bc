#!/usr/bin/env python3
"""Compares two folders of safetensors checkpoints tensor for tensor (names, shapes, dtypes and every byte).

Metadata may differ (a newer writer adds keys such as data_sha256); tensor data may not. Prints one line per
checkpoint and exits 1 on the first difference in tensors.
Usage: compare-checkpoints.py DIR_A DIR_B
"""
import json, os, struct, sys

def tensors(path):
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    data = blob[8 + n:]
    meta = header.pop("__metadata__", {})
    return meta, {k: (v["dtype"], v["shape"], data[v["data_offsets"][0]:v["data_offsets"][1]]) for k, v in header.items()}

a, b = sys.argv[1], sys.argv[2]
names = sorted(f for f in os.listdir(a) if f.endswith(".safetensors"))
if not names:
    sys.exit(f"no checkpoints in {a}")
bad = 0
for name in names:
    ma, ta = tensors(os.path.join(a, name))
    mb, tb = tensors(os.path.join(b, name))
    same = ta.keys() == tb.keys() and all(ta[k] == tb[k] for k in ta)
    floats = sum(len(v[2]) // 4 for v in ta.values())
    extra = sorted(set(mb) - set(ma))
    changed = sorted(k for k in set(ma) & set(mb) if ma[k] != mb[k] and k != "es_elapsed_s")
    print(f"{name}: {len(ta)} tensors, {floats} floats: {'identical' if same else 'DIFFERENT'}"
          + (f"; metadata added: {', '.join(extra)}" if extra else "") + (f"; metadata changed: {', '.join(changed)}" if changed else ""))
    bad += not same
sys.exit(1 if bad else 0)
