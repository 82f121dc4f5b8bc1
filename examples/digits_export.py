#!/usr/bin/python3
"""scikit-learn's 8x8 digits for examples/digits_csv.cpp, and scikit-learn's own score on them.

    digits_export.py export DIR
        writes DIR/digits.csv: scikit-learn's load_digits() (1797 images of 8 x 8 pixels, values
        0..16), one row per image: 64 columns pixel_<row>_<column>, then the column "digit"
        (0..9). The data set ships with scikit-learn: nothing is downloaded.

    digits_export.py sklearn --data DIR/digits.csv --split DIR/digits_split.csv [options]
        trains scikit-learn's MLPClassifier on the training part of the split that digits_csv
        wrote (its column "test" is 1 for the examples held out for testing), with the same
        hidden sizes, optimizer, learning rate, mini-batch size and number of epochs, the
        features standardised with the training part's statistics (StandardScaler), and prints
        its accuracy on the same test examples.

Exit status: 0; 2 for a mistake on the command line; 77 (skipped) when scikit-learn is not
installed (Debian: apt-get install python3-sklearn).

scripts/digits.sh runs the whole comparison: export, digits_csv, then this script's `sklearn`.
"""

import argparse
import importlib.util
import os
import sys
import warnings

SKIPPED = 77


def need_sklearn():
    if importlib.util.find_spec("sklearn") is None:
        print("digits_export.py: scikit-learn is not installed; on Debian or Ubuntu:\n"
              "    sudo apt-get install python3-sklearn", file=sys.stderr)
        sys.exit(SKIPPED)


def export(directory):
    need_sklearn()
    from sklearn.datasets import load_digits

    digits = load_digits()
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, "digits.csv")
    header = [f"pixel_{r}_{c}" for r in range(8) for c in range(8)] + ["digit"]
    with open(path + ".tmp", "w", newline="\n") as out:
        out.write(",".join(header) + "\n")
        for image, digit in zip(digits.data, digits.target):
            out.write(",".join(str(int(v)) for v in image) + f",{int(digit)}\n")
    os.replace(path + ".tmp", path)
    print(f"wrote {path}: {digits.data.shape[0]} images of {digits.data.shape[1]} pixels "
          f"and their digits")


def read_table(path):
    import numpy as np

    with open(path) as f:
        header = f.readline().strip().split(",")
    return header, np.loadtxt(path, delimiter=",", skiprows=1)


def compare(args):
    need_sklearn()
    import numpy as np
    import sklearn
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier
    from sklearn.preprocessing import StandardScaler

    header, table = read_table(args.data)
    X, y = table[:, :-1], table[:, -1].astype(int)
    split_header, split = read_table(args.split)
    if split_header != ["example", "test"] or split.shape[0] != X.shape[0]:
        sys.exit(f"digits_export.py: {args.split} is not the split of {args.data}")
    test = split[:, 1].astype(bool)
    train = ~test

    scaler = StandardScaler().fit(X[train])
    model = MLPClassifier(hidden_layer_sizes=tuple(args.hidden), activation="relu",
                          solver="adam", learning_rate_init=args.learning_rate,
                          batch_size=args.batch_size, max_iter=args.epochs, alpha=0.0,
                          shuffle=True, random_state=args.seed, tol=0.0,
                          n_iter_no_change=args.epochs + 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # it runs exactly --epochs epochs
        model.fit(scaler.transform(X[train]), y[train])
    predicted = model.predict(scaler.transform(X[test]))
    correct = int(np.sum(predicted == y[test]))
    print(f"scikit-learn {sklearn.__version__} MLPClassifier, hidden {tuple(args.hidden)}, "
          f"Adam {args.learning_rate}, batches of {args.batch_size}, {args.epochs} epochs "
          f"(seed {args.seed})")
    print(f"Test accuracy: {100.0 * correct / test.sum():.2f}% ({correct} of {int(test.sum())})")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    write = commands.add_parser("export", help="write DIR/digits.csv")
    write.add_argument("directory")
    train = commands.add_parser("sklearn", help="MLPClassifier on digits_csv's split")
    train.add_argument("--data", required=True)
    train.add_argument("--split", required=True)
    train.add_argument("--hidden", type=int, nargs="+", default=[64])
    train.add_argument("--epochs", type=int, default=100)
    train.add_argument("--batch-size", type=int, default=64)
    train.add_argument("--learning-rate", type=float, default=0.001)
    train.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.command == "export":
        export(args.directory)
    else:
        compare(args)


if __name__ == "__main__":
    main()
