"""The logistic-regression peer of the train benchmark: scikit-learn's StandardScaler then
LogisticRegression(C=1, solver='lbfgs'), the objective our LogisticRegression solves.

Reads the train and test matrices (Parquet, see train_matrix.py) and times the fit of the scaler and the model
together (our `fit` standardizes too). Prints one JSON line on stdout: training seconds of every repeat, AUC on
the test matrix, lbfgs iterations and versions.

    python train_logreg.py --train TRAIN.parquet --test TEST.parquet [--max-iter 1000] [--repeat 1]
"""

import argparse
import json
import sys
import time

import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from train_matrix import median, read_matrix


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", required=True)
    parser.add_argument("--test", required=True)
    parser.add_argument("--c", type=float, default=1.0)
    # sklearn's default of 100 iterations can stop lbfgs short on unscaled count features; 1000 lets it converge.
    parser.add_argument("--max-iter", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()

    X, y, _ = read_matrix(args.train)
    X_test, y_test, _ = read_matrix(args.test)
    times = []
    model = None
    for _ in range(max(1, args.repeat)):
        model = make_pipeline(StandardScaler(), LogisticRegression(C=args.c, solver="lbfgs", max_iter=args.max_iter))
        started = time.perf_counter()
        model.fit(X, y)
        times.append(time.perf_counter() - started)
    auc = float(roc_auc_score(y_test, model.predict_proba(X_test)[:, 1]))
    json.dump(
        {
            "peer": "sklearn",
            "version": sklearn.__version__,
            "trainRows": int(X.shape[0]),
            "testRows": int(X_test.shape[0]),
            "cols": int(X.shape[1]),
            "fitSeconds": times,
            "medianFitSeconds": median(times),
            "auc": auc,
            "iterations": int(model[-1].n_iter_[0]),
            "params": {"C": args.c, "solver": "lbfgs", "max_iter": args.max_iter, "scaler": "StandardScaler"},
        },
        sys.stdout,
    )
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
