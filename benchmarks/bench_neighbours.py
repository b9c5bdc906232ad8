"""The digits it is reminded of (issue 26): the neighbour index's build time, size on disk, query
time and its agreement with an exact search.

    python benchmarks/bench_neighbours.py [--model M] [--queries Q]   (MNIST from $MNIST_DIR or the user folder)

Build: SAMPLE training digits x 28 rows traced and each row's PCA fitted (target <= 60 s).
Query: one row's k = 8 nearest (target <= 5 ms). Agreement: for Q test digits at every row, the
share of the index's 8 neighbours that an exact search over the unquantized, unreduced states
also finds (target >= 95 %), for the PCA alone and with the re-ranking the index does.
"""

from __future__ import annotations

import argparse
import io
import time

import common
import numpy as np

from recognizer.datasets.mnist import load_mnist  # noqa: E402
from recognizer.evaluation import neighbours  # noqa: E402
from recognizer.files.model_file import load_model  # noqa: E402
from recognizer.files.paths import default_model_path  # noqa: E402
from recognizer.network.trace import Tracer  # noqa: E402


def agreement(full_row: np.ndarray, h: np.ndarray, found: np.ndarray, k: int) -> float:
    """The share of found that an exact search would give: a digit counts when it is no farther
    than the exact k-th nearest (within float32 rounding), so ties (the blank top rows leave many
    digits with the same state) are not counted against either order."""
    d = ((full_row - h) ** 2).sum(axis=1)
    kth = np.partition(d, k - 1)[k - 1]
    return float((d[found] <= kth * (1 + 1e-5) + 1e-9).sum()) / k


def pca_only(index, h, row, k):
    q = (h - index.mean[row]) @ index.components[row]
    return np.argsort(((index.reduced[row] - q) ** 2).sum(axis=1), kind="stable")[:k]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=str(default_model_path()))
    parser.add_argument("--queries", type=int, default=100)
    args = parser.parse_args()
    loaded = load_model(args.model)
    tracer = Tracer(loaded.model)
    data = load_mnist(download=False)
    t = time.perf_counter()
    index = neighbours.build(tracer, data.train_images, data.train_labels)
    build_s = time.perf_counter() - t
    buffer = io.BytesIO()
    np.savez(buffer, **{name: getattr(index, name) for name in ("indices", "images", "labels", "states", "mean",
                                                                "components", "reduced")})  # fmt: skip
    size_mb = len(buffer.getvalue()) / 1e6
    full = neighbours.last_states(tracer, data.train_images[index.indices]).transpose(1, 0, 2)
    queries = neighbours.last_states(tracer, data.test_images[: args.queries])
    k = neighbours.K
    agree, agree_pca = [], []
    for h in queries:
        for row in range(neighbours.ROWS):
            agree.append(agreement(full[row], h[row], index.query(h[row], row, k), k))
            agree_pca.append(agreement(full[row], h[row], pca_only(index, h[row], row, k), k))
    rows = [(h[r], r) for h in queries[:20] for r in range(neighbours.ROWS)]
    it = iter(rows * 10)
    query = common.stats_ms(common.time_calls(lambda: index.query(*next(it), k), n=len(rows) * 5))
    result = {"model": loaded.name, "sample": len(index), "rows": neighbours.ROWS, "dims": index.reduced.shape[2],
              "hidden": index.states.shape[2], "candidates": neighbours.CANDIDATES, "build_s": build_s,
              "file_mb": size_mb, "query": query, "k": k, "queries": args.queries,
              "agreement": float(np.mean(agree)), "agreement_pca_only": float(np.mean(agree_pca))}  # fmt: skip
    common.print_table("Neighbour index", ["measure", "value", "target"], [
        ["build (s)", build_s, "<= 60"], ["file (MB)", size_mb, "<= 100"],
        ["query median (ms)", query["median_ms"], "<= 5"], ["query p95 (ms)", query["p95_ms"], "<= 5"],
        [f"agreement at k={k}", result["agreement"], ">= 0.95"], ["agreement, PCA alone", result["agreement_pca_only"], ""],
    ])  # fmt: skip
    common.write_json("neighbours", result)


if __name__ == "__main__":
    main()
