"""The machine's speed right now: CPU seconds of a fixed pure-Python loop, best of three.

The machines the suite and the benchmarks run on drift (the same loop took 1.95-3.25 s within one
session in December 2026), so a figure from `make test` or `make bench` is comparable with
another only when the yardstick beside each is about the same. Run it before and after.
"""
import time

ROUNDS, ITERATIONS = 3, 20_000_000


def loop():
    """CPU seconds of ITERATIONS additions of a remainder (no allocation, no I/O)."""
    started, total = time.process_time(), 0
    for number in range(ITERATIONS):
        total += number % 7
    return time.process_time() - started


def rounds():
    """The loop's CPU seconds, ROUNDS times: the best of them is the machine's speed."""
    return [loop() for _ in range(ROUNDS)]


if __name__ == "__main__":
    times = rounds()
    print(f"yardstick {min(times):.2f} s (best of {ROUNDS}; all: "
          + ", ".join(f"{t:.2f}" for t in times) + ")")
