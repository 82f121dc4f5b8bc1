#!/usr/bin/env python3
"""Cross-checks deepnet's .npz archives against NumPy; run by tests/test_npz.cpp.

    npz_check.py ARCHIVE VALUES OUT_DIR

ARCHIVE was written by deepnet's save_npz. VALUES is a text file written with it, one line
per array, `key dtype rows cols v1 v2 ...` (values in C order, 17 significant digits): the
network's parameters in the archive's order, then X and AL, deepnet's predict(X).

The script checks, with np.load, that ARCHIVE holds exactly those parameters (keys, order,
dtypes, shapes, values bit for bit) and that the notes' forward pass, run on them in NumPy,
gives AL; it reports whether np.savez writes the same bytes. Then it writes, with np.savez,
OUT_DIR/modified.npz:

    W1                 * 2, as float32, in Fortran order
    layer 1's vectors  + 1, as float64 (b1, or gamma1, beta1, running_mean1, running_var1)
    W2                 as float32 if it was float64, and the other way round
    layer 2's vectors  1-D arrays (n[2],) instead of n[2] x 1
    everything else    unchanged
    note, X            an int64 array and the inputs, which load_npz must ignore

and the same arrays with np.savez_compressed to OUT_DIR/compressed.npz, which load_npz must
reject. Prints what it checked; exits with 1 at the first failed check.
"""

import io
import os
import re
import sys

import numpy as np

EPSILON = 1e-5  # deepnet's batch-normalisation epsilon


def fail(message):
    print("npz_check.py: FAILED: " + message)
    sys.exit(1)


def layer_of(key):
    return int(re.search(r"(\d+)$", key).group(1))


def read_values(path):
    arrays = {}
    with open(path) as text:
        for line in text:
            fields = line.split()
            key, dtype, rows, cols = fields[0], fields[1], int(fields[2]), int(fields[3])
            values = np.array([float(v) for v in fields[4:]], dtype=np.float64)
            arrays[key] = values.astype(dtype).reshape(rows, cols)
    return arrays


def forward(parameters, X):
    """The notes' L_model_forward: ReLU hidden layers, a sigmoid output, with batch
    normalisation (running statistics) where the archive has gamma<l>."""
    L = sum(1 for key in parameters if key.startswith("W"))
    A = X
    for l in range(1, L + 1):
        p = {k: v.astype(np.float64) for k, v in parameters.items() if layer_of(k) == l}
        Z = p[f"W{l}"] @ A
        if f"gamma{l}" in p:
            Z_norm = (Z - p[f"running_mean{l}"]) / np.sqrt(p[f"running_var{l}"] + EPSILON)
            Z = p[f"gamma{l}"] * Z_norm + p[f"beta{l}"]
        else:
            Z = Z + p[f"b{l}"]
        A = np.maximum(0, Z) if l < L else 1 / (1 + np.exp(-Z))
    return A


def main():
    if len(sys.argv) != 4:
        fail("usage: npz_check.py ARCHIVE VALUES OUT_DIR")
    archive, values_path, out_dir = sys.argv[1:]
    expected = read_values(values_path)
    X, AL = expected.pop("X"), expected.pop("AL")

    with np.load(archive) as npz:
        keys = list(npz.files)
        parameters = {key: npz[key] for key in keys}
    if keys != list(expected):
        fail(f"keys {keys}, expected {list(expected)}")
    for key, want in expected.items():
        got = parameters[key]
        if got.dtype != want.dtype:
            fail(f"{key} has dtype {got.dtype}, expected {want.dtype}")
        if got.shape != want.shape:
            fail(f"{key} has shape {got.shape}, expected {want.shape}")
        if not np.array_equal(got, want):
            fail(f"{key} differs:\n{got}\nexpected\n{want}")
    print(f"np.load: {', '.join(keys)}: keys, dtypes, shapes and values as written")

    tolerance = (1e-12, 1e-13) if AL.dtype == np.float64 else (1e-4, 1e-6)
    A = forward(parameters, X)
    if not np.allclose(A, AL, rtol=tolerance[0], atol=tolerance[1]):
        fail(f"the NumPy forward pass gives\n{A}\ndeepnet's predict gives\n{AL}")
    print(f"forward pass: NumPy matches predict (max difference {np.abs(A - AL).max():.3g})")

    ours = open(archive, "rb").read()
    theirs = io.BytesIO()
    np.savez(theirs, **parameters)
    theirs = theirs.getvalue()
    if ours == theirs:
        print(f"bytes: identical to np.savez (NumPy {np.__version__})")
    else:
        first = next((i for i, (a, b) in enumerate(zip(ours, theirs)) if a != b),
                     min(len(ours), len(theirs)))
        print(f"bytes: differ from np.savez (NumPy {np.__version__}) at byte {first}")

    modified = {}
    for key, value in parameters.items():
        if key == "W1":
            value = np.asfortranarray((value * 2).astype(np.float32))
        elif key == "W2":
            value = value.astype(np.float32 if value.dtype == np.float64 else np.float64)
        elif layer_of(key) == 1:
            value = value.astype(np.float64) + 1
        elif layer_of(key) == 2:
            value = value.reshape(-1)
        modified[key] = value
    if not modified["W1"].flags.f_contiguous or modified["W1"].flags.c_contiguous:
        fail("W1 is not in Fortran order")
    modified["note"] = np.arange(3)
    modified["X"] = X
    np.savez(os.path.join(out_dir, "modified.npz"), **modified)
    np.savez_compressed(os.path.join(out_dir, "compressed.npz"), **modified)
    print("np.savez: wrote modified.npz and compressed.npz")


if __name__ == "__main__":
    main()
