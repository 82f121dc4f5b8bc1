#!/usr/bin/env python3
"""The report of scripts/bench_mpi.sh: W2's epoch with 1 and 2 processes on this machine, the
cost model's prediction of the 2-process epoch from its measured pieces, and the model for P
processes on two real networks (docs/distributed.md explains it).

The model of one step of data-parallel training with P processes and a global batch of B:

    T_step(P) = T_c(B / P) + T_ar(P)

T_c(b) is one process's step (forward, backward, update) on b examples, measured by bench_mpi;
T_ar(P) is the allreduce of the S gradient bytes. On a network, with Open MPI's ring algorithm
for large messages, T_ar(P) = 2 (P - 1) alpha + 2 (P - 1) / P * S / beta (each process sends and
receives 2 (P - 1) / P of the buffer), plus the step's second, small sum (the cost and counts,
a latency-bound recursive doubling: 2 ceil(log2 P) alpha). On this machine T_ar(2) is measured.

Usage: mpi_model.py RAW_DIR (the files scripts/bench_mpi.sh writes) > benchmarks/results/mpi.md
"""

import math
import pathlib
import statistics
import sys

BATCH = 128
# Two interconnects of real clusters: latency alpha (s) and bandwidth beta (bytes/s).
NETWORKS = [
    ("10 Gb/s Ethernet (TCP)", 20e-6, 10e9 / 8),
    ("100 Gb/s InfiniBand", 2e-6, 100e9 / 8),
]
PROCESSES = [1, 2, 4, 8, 16, 32, 64]


def read(path):
    values = {}
    for line in path.read_text().splitlines():
        name, _, value = line.partition(" ")
        values[name] = value
    return values


def number(values, name):
    return float(values[name])


def step_times(values):
    """{b: seconds} for every part size b bench_mpi measured."""
    return {int(name[len("step_seconds_"):]): float(value)
            for name, value in values.items() if name.startswith("step_seconds_")}


def allreduce(processes, size, alpha, beta):
    if processes == 1:
        return 0.0
    ring = 2 * (processes - 1) * alpha + 2 * (processes - 1) / processes * size / beta
    small = 2 * math.ceil(math.log2(processes)) * alpha
    return ring + small


def ms(seconds):
    return f"{seconds * 1e3:.3f} ms"


def main():
    raw = pathlib.Path(sys.argv[1])
    machine = read(raw / "machine.txt")
    runs = {p: [read(f) for f in sorted(raw.glob(f"w2-p{p}-r*.txt"))] for p in (1, 2)}
    wide = {p: read(raw / f"wide-p{p}.txt") for p in (1, 2)}
    out = []
    add = out.append

    add("# Data-parallel training over MPI: measured and modelled\n")
    add("Written by `scripts/bench_mpi.sh`; [docs/distributed.md](../../docs/distributed.md) "
        "explains the model.\n")
    add(f"**Machine:** {machine['cpu']} ({machine['flags'].strip()}), {machine['cores']} cores; "
        f"{machine['mpi']}; {machine['date']}; load average {machine['load']} at the start. "
        "One thread per process; the processes of one machine exchange the gradients through "
        "shared memory.\n")

    # Measured: W2 with 1 and 2 processes.
    epoch = {p: statistics.median(number(r, "epoch_seconds") for r in runs[p]) for p in (1, 2)}
    w2 = runs[1][0]
    steps = int(number(w2, "steps_per_epoch"))
    size = number(w2, "gradient_bytes")
    add("## W2 on this machine: one epoch of 60000 examples, global mini-batches of 128\n")
    add("| processes | epoch (median of rounds) | each round | 1 process / this |")
    add("|---:|---:|---|---:|")
    for p in (1, 2):
        each = ", ".join(f"{number(r, 'epoch_seconds'):.3f} s" for r in runs[p])
        add(f"| {p} | {epoch[p]:.3f} s | {each} | {epoch[1] / epoch[p]:.2f}x |")
    add("")

    # The model's pieces, measured while both processes run, and its prediction.
    t2 = step_times(runs[2][0])
    t1 = step_times(runs[1][0])
    reduce2 = statistics.median(number(r, "allreduce_seconds") for r in runs[2])
    predicted = {1: steps * t1[BATCH], 2: steps * (t2[BATCH // 2] + reduce2)}
    # The parts are uneven: a batch's examples fall to each process at random (the shuffled
    # order), s ~ Binomial(B, 1/2) for process 0, and a step waits for the larger part, whose
    # mean is B/2 + sqrt(B / (2 pi)). T_c between the measured sizes is interpolated linearly.
    larger = BATCH / 2 + math.sqrt(BATCH / (2 * math.pi))
    lo, hi = BATCH // 2, BATCH
    t_larger = t2[lo] + (t2[hi] - t2[lo]) * (larger - lo) / (hi - lo)
    uneven = steps * (t_larger + reduce2)
    add("## The model against the measured epochs\n")
    add(f"W2 has {int(number(w2, 'parameters')):,} parameters: S = {size / 1e6:.3f} MB of float "
        f"gradients, summed once per step; {steps} steps per epoch.\n")
    add("| processes | T_c(128 / P), one process's step | T_ar, the allreduce of S | "
        "predicted epoch | measured epoch | measured / predicted |")
    add("|---:|---:|---:|---:|---:|---:|")
    add(f"| 1 | {ms(t1[BATCH])} | — | {predicted[1]:.3f} s | {epoch[1]:.3f} s | "
        f"{epoch[1] / predicted[1]:.2f}x |")
    add(f"| 2 | {ms(t2[BATCH // 2])} | {ms(reduce2)} (measured) | {predicted[2]:.3f} s | "
        f"{epoch[2]:.3f} s | {epoch[2] / predicted[2]:.2f}x |")
    add(f"| 2, uneven parts | {ms(t_larger)} (the larger part, {larger:.1f} examples on average) "
        f"| {ms(reduce2)} (measured) | {uneven:.3f} s | {epoch[2]:.3f} s | "
        f"{epoch[2] / uneven:.2f}x |")
    add("")
    add("Each process's part of a shuffled batch is uneven (about 64 +- 6 examples of 128 with 2 "
        "processes), and every step waits for the larger. The rest of an epoch (shuffling, "
        "gathering each process's columns, the second small sum, the history) is what the "
        "measured / predicted ratio holds above 1, as with one process.\n")

    # P processes on real networks.
    add("## The model for P processes on a network (one process per node)\n")
    add("T_c(b) is measured here with one process; T_ar(P) is the model's, for S bytes. The "
        "speed-up is T_c(128) / (T_c(128 / P) + T_ar(P)), the epoch's steps being the same.\n")
    nets = [("W2 {784, 256, 128, 10}", w2, t1),
            ("wide {784, 1024, 1024, 10}", wide[1], step_times(wide[1]))]
    for net_name, values, times in nets:
        net_size = number(values, "gradient_bytes")
        add(f"### {net_name}: S = {net_size / 1e6:.2f} MB\n")
        add("| P | b = 128 / P | T_c(b) | " +
            " | ".join(f"T_ar, {n} | speed-up, {n}" for n, _, _ in NETWORKS) + " |")
        add("|---:|---:|---:|" + "---:|---:|" * len(NETWORKS))
        for p in PROCESSES:
            b = BATCH // p
            if b not in times:
                continue
            cells = []
            for _, alpha, beta in NETWORKS:
                t_ar = allreduce(p, net_size, alpha, beta)
                cells.append(f"{ms(t_ar)} | {times[BATCH] / (times[b] + t_ar):.2f}x")
            add(f"| {p} | {b} | {ms(times[b])} | " + " | ".join(cells) + " |")
        add("")
        for name, alpha, beta in NETWORKS:
            cells = []
            for p in (2, 8, 64):
                t_ar = allreduce(p, net_size, alpha, beta)
                enough = [b for b in sorted(times) if times[b] >= t_ar]
                cells.append(f"P = {p}: " + (f"b >= {enough[0]}" if enough
                                             else f"b > {max(times)}") + f" ({ms(t_ar)})")
            add(f"- {name}: a process's part computes at least as long as the allreduce "
                f"takes (T_c(b) >= T_ar(P)) for " + "; ".join(cells) +
                ". Below it, more processes add more communication than they remove computation.")
        add("")

    # The wide net's own 2-process check.
    wide_epoch = {p: number(wide[p], "epoch_seconds") for p in (1, 2)}
    add(f"The wide network on this machine: {wide_epoch[1]:.3f} s per epoch with 1 process, "
        f"{wide_epoch[2]:.3f} s with 2 ({wide_epoch[1] / wide_epoch[2]:.2f}x; one round each).")
    print("\n".join(out))


if __name__ == "__main__":
    main()
