#!/usr/bin/env python3
"""Cross-checks a Sequential's .npz archive against NumPy; run by tests/test_sequential_file.cpp.

    sequential_npz_check.py ARCHIVE VALUES OUT

ARCHIVE was written by deepnet's save_npz(Sequential&, path). VALUES is a text file written
with it, one line per tensor of the registry, `name rows cols v1 v2 ...` (C order, 17
significant digits). The script checks with np.load that ARCHIVE holds exactly those arrays
(names, order, float64, shapes, values bit for bit), then writes with np.savez to OUT every
array times 2, the matrices in Fortran order, the vectors (n x 1) as 1-D arrays, and an array
X that load_npz must ignore. Exits with 1 at the first failed check.
"""

import sys
import zipfile

import numpy as np


def fail(message):
    print("sequential_npz_check.py: FAILED: " + message)
    sys.exit(1)


def main():
    archive, values_path, out = sys.argv[1:4]
    expected = []
    with open(values_path) as f:
        for line in f:
            parts = line.split()
            name, rows, cols = parts[0], int(parts[1]), int(parts[2])
            data = np.array([float(v) for v in parts[3:]], dtype=np.float64).reshape(rows, cols)
            expected.append((name, data))
    names = [n[: -len(".npy")] for n in zipfile.ZipFile(archive).namelist()]
    if names != [name for name, _ in expected]:
        fail("the archive's arrays are %s, expected %s" % (names, [n for n, _ in expected]))
    loaded = np.load(archive)
    for name, data in expected:
        array = loaded[name]
        if array.dtype != np.float64:
            fail("%s has dtype %s" % (name, array.dtype))
        if array.shape != data.shape:
            fail("%s has shape %s, expected %s" % (name, array.shape, data.shape))
        if not np.array_equal(array, data):
            fail("%s differs from the values deepnet wrote" % name)
    doubled = {}
    for name, data in expected:
        twice = data * 2.0
        doubled[name] = twice[:, 0].copy() if twice.shape[1] == 1 else np.asfortranarray(twice)
    doubled["X"] = np.arange(6.0).reshape(2, 3)
    np.savez(out, **doubled)
    print("sequential_npz_check.py: %d arrays checked, %s written" % (len(expected), out))


main()
