#!/usr/bin/env python3
"""Turns the JSON of scripts/bench.sh's runs into benchmarks/results.md: medians, ratios
against libtorch measured in the same run, ratios against the W4 GEMM bound, and the goals.

Usage: report.py RAW_DIR RESULTS_MD (scripts/bench.sh passes the machine details in the
environment)."""

import datetime
import glob
import json
import os
import platform
import re
import statistics
import subprocess
import sys


def samples_of(raw_dir):
    """{(library, benchmark, threads): [seconds, ...]} and the counters of each benchmark."""
    samples, counters = {}, {}
    for path in sorted(glob.glob(os.path.join(raw_dir, "*.json"))):
        library = os.path.basename(path).split("-")[0]
        threads = int(re.search(r"-t(\d+)-", path).group(1))
        with open(path) as f:
            data = json.load(f)
        for run in data["benchmarks"]:
            if run.get("run_type") != "iteration":
                continue
            name = run["name"].split("/")[0]
            scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[run["time_unit"]]
            key = (library, name, threads)
            samples.setdefault(key, []).append(run["real_time"] * scale)
            counters[name] = run
    return samples, counters


def dpkg_version(package):
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package],
                             capture_output=True, text=True, check=False)
        return out.stdout.strip() or "not installed"
    except OSError:
        return "unknown"


def system_blas():
    """The library behind libblas.so.3, which Debian's libtorch calls for its products."""
    path = os.path.realpath("/usr/lib/x86_64-linux-gnu/libblas.so.3")
    return path if os.path.exists(path) else "unknown"


def cpu_flags():
    """The vector extensions the CPU reports: the kernels Eigen and OpenBLAS can use."""
    wanted = ["sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_bf16"]
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    have = set(line.split(":", 1)[1].split())
                    return " ".join(flag for flag in wanted if flag in have) or "none of note"
    except OSError:
        pass
    return "unknown"


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def eigen_version():
    for path in ["/usr/include/eigen3/Eigen/src/Core/util/Macros.h",
                 "/usr/local/include/eigen3/Eigen/src/Core/util/Macros.h"]:
        if os.path.exists(path):
            with open(path) as f:
                text = f.read()
            parts = [re.search(r"#define EIGEN_%s_VERSION (\d+)" % p, text).group(1)
                     for p in ("WORLD", "MAJOR", "MINOR")]
            return ".".join(parts)
    return "unknown"


def fmt_time(seconds, unit):
    if seconds is None:
        return "not measured"
    if unit == "us":
        return "%.1f µs" % (seconds * 1e6)
    if unit == "ms":
        return "%.1f ms" % (seconds * 1e3)
    return "%.2f s" % seconds


def ratio(a, b):
    return None if a is None or b is None else a / b


def fmt_ratio(r):
    return "not measured" if r is None else "%.2fx" % r


def main():
    raw_dir, out_path = sys.argv[1], sys.argv[2]
    samples, counters = samples_of(raw_dir)
    have_torch = os.environ.get("DEEPNET_BENCH_HAVE_TORCH", "0") == "1"
    thread_counts = sorted({k[2] for k in samples})

    def median(library, name, threads):
        values = samples.get((library, name, threads))
        return statistics.median(values) if values else None

    def count(library, name, threads):
        return len(samples.get((library, name, threads), []))

    # W1 is timed over `steps` iterations and reported per 2500, the course's count.
    w1_steps = counters.get("W1_course_net", {}).get("steps", 50)
    w1_scale = 2500.0 / w1_steps

    def peak_rate(scalar, threads):
        t = median("deepnet", "W4_peak<%s>" % scalar, threads)
        return None if t is None else 2.0 * 1024 ** 3 / t

    rows = {}  # (workload, threads) -> dict
    for threads in thread_counts:
        for workload, name, scale, gemm, scalar in [
                ("W1", "W1_course_net", w1_scale, "W4_gemm_W1", "double"),
                ("W2", "W2_mlp_epoch", 1.0, "W4_gemm_W2", "float"),
                ("W3", "W3_latency", 1.0, "W4_gemm_W3", None)]:
            d = median("deepnet", name, threads)
            t = median("torch", name, threads) if have_torch else None
            g = median("deepnet", gemm, threads)
            flop = counters.get(gemm, {}).get("flop")
            rate = peak_rate(scalar, threads) if scalar else None
            peak = flop / rate if flop and rate else None
            s = lambda x: None if x is None else x * scale
            rows[(workload, threads)] = dict(
                deepnet=s(d), torch=s(t), gemm=s(g), peak=s(peak),
                n=count("deepnet", name, threads), nt=count("torch", name, threads))

    lines = []
    add = lines.append
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    load = ""
    load_path = os.path.join(raw_dir, "loadavg.txt")
    if os.path.exists(load_path):
        with open(load_path) as f:
            load = f.read().split()[0]
    add("# Benchmark results")
    add("")
    add("Written by `scripts/bench.sh`; see [docs/benchmarks.md](../docs/benchmarks.md) for the "
        "workloads and how the ratios are computed.")
    add("")
    add("**Machine:** %s (%s), %d cores; %s; Eigen %s; libtorch %s (Debian libtorch-dev), "
        "OpenBLAS %s (libblas.so.3 is `%s`); %s, %s; load average %s at the start."
        % (cpu_model(), cpu_flags(), os.cpu_count() or 0, os.environ.get("DEEPNET_BENCH_COMPILER", "unknown"),
           eigen_version(), dpkg_version("libtorch-dev") if have_torch else "not measured",
           dpkg_version("libopenblas0-pthread"), system_blas(), platform.system() + " " + platform.release(), now,
           load or "unknown"))
    add("")
    add("deepnet: Release, `-march=native`, OpenMP (threads through Eigen). libtorch: the same "
        "compiler flags for the benchmark program; its kernels are Debian's build. "
        "OMP_NUM_THREADS is the thread count compared, OPENBLAS_NUM_THREADS=1 for both. "
        "Medians of %s rounds x %s repetitions, deepnet and libtorch alternating."
        % (os.environ.get("DEEPNET_BENCH_ROUNDS", "?"),
           os.environ.get("DEEPNET_BENCH_REPETITIONS", "?")))
    add("")

    titles = {
        "W1": ("W1 course net: {12288, 20, 7, 5, 1}, double, m = 209, full-batch gradient "
               "descent, time per 2500 iterations (timed over %d, scaled)" % w1_steps, "s"),
        "W2": ("W2 MLP epoch: {784, 256, 128, 10}, float, shuffled mini-batches of 128, SGD, "
               "one epoch of 60000", "s"),
        "W3": ("W3 latency: one example through W2's network, float", "us"),
    }
    for workload in ("W1", "W2", "W3"):
        title, unit = titles[workload]
        add("## " + title)
        add("")
        add("| threads | deepnet | libtorch | deepnet / libtorch | W4 products (Eigen) | "
            "deepnet / W4 | W4 at peak rate | deepnet / peak-rate bound |")
        add("|---:|---:|---:|---:|---:|---:|---:|---:|")
        for threads in thread_counts:
            r = rows[(workload, threads)]
            add("| %d | %s | %s | %s | %s | %s | %s | %s |" % (
                threads, fmt_time(r["deepnet"], unit), fmt_time(r["torch"], unit),
                fmt_ratio(ratio(r["deepnet"], r["torch"])), fmt_time(r["gemm"], unit),
                fmt_ratio(ratio(r["deepnet"], r["gemm"])),
                fmt_time(r["peak"], unit) if r["peak"] else "—",
                fmt_ratio(ratio(r["deepnet"], r["peak"])) if r["peak"] else "—"))
        add("")

    add("## Eigen's matrix-multiply rate (1024 x 1024 x 1024)")
    add("")
    add("| threads | double | float |")
    add("|---:|---:|---:|")
    for threads in thread_counts:
        cells = []
        for scalar in ("double", "float"):
            rate = peak_rate(scalar, threads)
            cells.append("not measured" if rate is None else "%.1f GFLOP/s" % (rate * 1e-9))
        add("| %d | %s | %s |" % (threads, cells[0], cells[1]))
    add("")

    memory = {}
    memory_path = os.path.join(raw_dir, "memory.txt")
    if os.path.exists(memory_path):
        with open(memory_path) as f:
            for line in f:
                key, value = line.split()
                memory[key] = int(value)
    rss = None
    time_path = os.path.join(raw_dir, "memory_time.txt")
    if os.path.exists(time_path):
        with open(time_path) as f:
            match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", f.read())
            if match:
                rss = int(match.group(1)) * 1024
    mib = lambda b: "%.2f MiB" % (b / 2 ** 20)
    if memory:
        add("## Peak memory of W2 training (one epoch)")
        add("")
        add("| what | bytes |")
        add("|---|---:|")
        for key, label in [("parameters_bytes", "parameters W, b"),
                           ("gradients_bytes", "gradients dW, db"),
                           ("optimizer_state_bytes", "optimizer state (SGD: none)"),
                           ("caches_bytes", "caches Z, A, dZ, dA of a batch of 128"),
                           ("needed_bytes", "**what training must hold**"),
                           ("training_peak_bytes", "**measured peak heap of training**"),
                           ("shuffled_batch_bytes", "of which: the shuffled batch X, Y"),
                           ("shuffle_order_bytes", "of which: the shuffled order of 60000")]:
            add("| %s | %s |" % (label, mib(memory[key])))
        if rss:
            add("| whole process, peak resident (/usr/bin/time -v), with the %s data set | %s |"
                % (mib(memory["data_bytes"]), mib(rss)))
        add("")
        add("The heap is counted by wrapping malloc and free in `bench_memory`, from just before "
            "the network is built to the end of the epoch; the data set is excluded.")
        add("")

    # A value that rounds to the goal at two decimals gets a third, so that "not met" never
    # shows the goal's own number.
    def near(value, goal):
        return "%.3fx" % value if "%.2f" % value == "%.2f" % goal else "%.2fx" % value

    def goal_at_most(label, value, goal):
        if value is None:
            return "| %s | not measured | ≤ %.2fx | not measured |" % (label, goal)
        if value <= goal:
            return "| %s | %s | ≤ %.2fx | met |" % (label, near(value, goal), goal)
        return ("| %s | %s | ≤ %.2fx | **not met**: %.1f%% over (%.1f%% less needed) |"
                % (label, near(value, goal), goal, (value / goal - 1) * 100,
                   (1 - goal / value) * 100))

    def goal_at_least(label, value, goal):
        if value is None:
            return "| %s | not measured | ≥ %.2fx | not measured |" % (label, goal)
        if value >= goal:
            return "| %s | %s | ≥ %.2fx | met |" % (label, near(value, goal), goal)
        return "| %s | %s | ≥ %.2fx | **not met**: %.1f%% short |" % (
            label, near(value, goal), goal, (1 - value / goal) * 100)

    w1, w2, w3 = rows.get(("W1", 1), {}), rows.get(("W2", 1), {}), rows.get(("W3", 1), {})
    # W5: W2's epoch with Adam, dropout and batch normalisation, against W2's plain epoch.
    w5 = {threads: median("deepnet", "W5_adam_dropout_batch_norm_epoch", threads)
          for threads in thread_counts}
    add("## W5 epoch: W2 with Adam, dropout (keep_prob 0.9) and batch normalisation on the "
        "hidden layers, float")
    add("")
    add("| threads | deepnet | W2's plain SGD epoch | W5 / W2 |")
    add("|---:|---:|---:|---:|")
    for threads in thread_counts:
        add("| %d | %s | %s | %s |" % (threads, fmt_time(w5[threads], "s"),
                                       fmt_time(rows[("W2", threads)]["deepnet"], "s"),
                                       fmt_ratio(ratio(w5[threads],
                                                       rows[("W2", threads)]["deepnet"]))))
    add("")

    w2_2 = rows.get(("W2", 2), {})
    add("## Goals (1 thread unless said)")
    add("")
    add("| goal | measured | target | status |")
    add("|---|---:|---:|---|")
    add(goal_at_most("W1 / libtorch", ratio(w1.get("deepnet"), w1.get("torch")), 0.60))
    add(goal_at_most("W1 / W4 at peak rate", ratio(w1.get("deepnet"), w1.get("peak")), 1.40))
    add(goal_at_most("W2 epoch / libtorch", ratio(w2.get("deepnet"), w2.get("torch")), 0.70))
    add(goal_at_most("W2 epoch / W4 products", ratio(w2.get("deepnet"), w2.get("gemm")), 1.05))
    add(goal_at_most("W3 latency / libtorch", ratio(w3.get("deepnet"), w3.get("torch")), 0.10))
    add(goal_at_most("W3 latency / its three products (W4)",
                     ratio(w3.get("deepnet"), w3.get("gemm")), 1.10))
    add(goal_at_least("W2 speed-up, 2 threads over 1",
                      ratio(w2.get("deepnet"), w2_2.get("deepnet")), 1.60))
    add(goal_at_most("W5 epoch / W2 plain SGD epoch", ratio(w5.get(1), w2.get("deepnet")), 1.15))
    if memory:
        add(goal_at_most("W2 peak heap / what training must hold",
                         memory["training_peak_bytes"] / memory["needed_bytes"], 1.20))
    add("")
    with open(out_path, "w") as f:
        f.write("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
