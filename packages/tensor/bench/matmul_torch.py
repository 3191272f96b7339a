"""PyTorch float32 CPU matmul throughput, the reference for `bench/matmul.mjs`.

Usage: python3 matmul_torch.py [--threads 2] [--min-time 0.5] N [N ...]

For each size n it multiplies two random n x n float32 matrices: a few warm-up products, then timed
runs (at least 5, and at least --min-time seconds), and reports the median. Prints one JSON object on
stdout. `matmul.mjs` runs it with OMP_WAIT_POLICY=PASSIVE and OPENBLAS_NUM_THREADS=2 in the
environment, which must be set before torch is imported (hence not set here).
"""

import argparse
import json
import statistics
import time

import torch


def bench(n: int, min_time: float) -> dict:
    g = torch.Generator().manual_seed(0)
    a = torch.rand((n, n), dtype=torch.float32, generator=g)
    b = torch.rand((n, n), dtype=torch.float32, generator=g)
    with torch.inference_mode():
        for _ in range(3):
            torch.mm(a, b)
        times = []
        start = time.perf_counter()
        while len(times) < 5 or (time.perf_counter() - start < min_time and len(times) < 200):
            t0 = time.perf_counter()
            torch.mm(a, b)
            times.append(time.perf_counter() - t0)
    median = statistics.median(times)
    return {"n": n, "runs": len(times), "median_s": median, "gflops": 2 * n**3 / median / 1e9}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("sizes", nargs="*", type=int, default=[256, 512, 1024, 2048])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--min-time", type=float, default=0.5)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    results = [bench(n, args.min_time) for n in args.sizes]
    print(
        json.dumps(
            {
                "torch": torch.__version__,
                "threads": torch.get_num_threads(),
                "results": results,
            }
        )
    )


if __name__ == "__main__":
    main()
