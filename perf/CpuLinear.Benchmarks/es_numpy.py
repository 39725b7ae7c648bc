"""A plain numpy OpenAI-ES generation on the blog network (dead-zone form), timed.

The baseline for `CpuLinear.Benchmarks es`: the same population, batch and perturbation rank, written the way
a numpy user would (one batched forward per member, noise from numpy's generator, gradient as a weighted sum).
Prints one JSON line per mode.
"""
import json
import sys
import time

import numpy as np


def dead_zone(v, threshold=0.5):
    return np.where(np.abs(v) >= threshold, v, 0).astype(np.float32)


def forward(x, layers):
    h = x
    for i, (w, b) in enumerate(layers):
        h = dead_zone(h @ w + b)
    return h


def loss(logits, labels):
    z = logits - logits.max(axis=1, keepdims=True)
    return float(np.mean(np.log(np.exp(z).sum(axis=1)) - z[np.arange(len(labels)), labels]))


def generation(rng, theta, x, labels, pairs, rank, sigma):
    fitness = np.empty(2 * pairs)
    noises = []
    for j in range(pairs):
        if rank == 0:
            eps = [(rng.standard_normal(w.shape, dtype=np.float32), rng.standard_normal(b.shape, dtype=np.float32)) for w, b in theta]
        else:
            eps = []
            for w, b in theta:
                a = rng.standard_normal((w.shape[0], rank), dtype=np.float32)
                c = rng.standard_normal((rank, w.shape[1]), dtype=np.float32)
                eps.append(((a @ c) / np.sqrt(rank), rng.standard_normal(b.shape, dtype=np.float32)))
        noises.append(eps)
        for k, sign in enumerate((1, -1)):
            member = [(w + sign * sigma * e, b + sign * sigma * f) for (w, b), (e, f) in zip(theta, eps)]
            fitness[2 * j + k] = -loss(forward(x, member), labels)
    ranks = np.empty(2 * pairs)
    ranks[np.argsort(fitness, kind="stable")] = np.arange(2 * pairs)
    shaped = ranks / (2 * pairs - 1) - 0.5
    weights = (shaped[0::2] - shaped[1::2]) / (2 * pairs)
    return [(sum(wj * n[i][0] for wj, n in zip(weights, noises)), sum(wj * n[i][1] for wj, n in zip(weights, noises))) for i in range(len(theta))]


def main():
    pairs, batch, budget = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    rng = np.random.default_rng(1)
    widths = [784, 512, 512, 10]
    theta = [(rng.standard_normal((widths[i], widths[i + 1]), dtype=np.float32) * np.float32(np.sqrt(2 / widths[i])),
              np.zeros(widths[i + 1], dtype=np.float32)) for i in range(3)]
    x = rng.random((batch, 784), dtype=np.float32)
    labels = rng.integers(0, 10, batch)
    for rank in (1, 0):
        generation(rng, theta, x, labels, pairs, rank, 0.03)  # warm-up
        count, start = 0, time.perf_counter()
        while True:
            generation(rng, theta, x, labels, pairs, rank, 0.03)
            count += 1
            elapsed = time.perf_counter() - start
            if elapsed >= budget:
                break
        print(json.dumps({"library": "numpy", "rank": rank, "pairs": pairs, "batch": batch,
                          "generations_per_s": count / elapsed, "sample_evaluations_per_s": count * 2 * pairs * batch / elapsed}), flush=True)


if __name__ == "__main__":
    main()
