"""The GBDT peer of the train benchmark: LightGBM with the same settings as our GbdtClassifier.

Reads the train and test matrices (Parquet, see train_matrix.py), then times `lgb.train` alone: the Dataset is
created lazily, so the timed call includes binning, as our `fit` does. Prints one JSON line on stdout: training
seconds of every repeat, AUC on the test matrix of the last model, versions and the exact parameters.

    python train_lightgbm.py --train TRAIN.parquet --test TEST.parquet [--threads 2] [--n-estimators 200]
        [--num-leaves 31] [--learning-rate 0.1] [--repeat 1]
"""

import argparse
import json
import sys
import time

import lightgbm as lgb
from sklearn.metrics import roc_auc_score

from train_matrix import median, read_matrix


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", required=True)
    parser.add_argument("--test", required=True)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--n-estimators", type=int, default=200)
    parser.add_argument("--num-leaves", type=int, default=31)
    parser.add_argument("--learning-rate", type=float, default=0.1)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()

    X, y, names = read_matrix(args.train)
    X_test, y_test, _ = read_matrix(args.test)
    params = {
        "objective": "binary",
        "num_leaves": args.num_leaves,
        "learning_rate": args.learning_rate,
        "num_iterations": args.n_estimators,
        "min_data_in_leaf": 20,
        "min_sum_hessian_in_leaf": 1e-3,
        "lambda_l2": 0.0,
        "max_bin": 255,
        "bin_construct_sample_cnt": 200000,
        "bagging_fraction": 1.0,
        "bagging_freq": 0,
        "feature_fraction": 1.0,
        "num_threads": args.threads,
        "deterministic": True,
        "force_col_wise": True,
        "seed": 0,
        "verbosity": -1,
    }
    times = []
    # CPU time of the process, every thread (as ours reports it)
    cpu_times = []
    booster = None
    for _ in range(max(1, args.repeat)):
        train_set = lgb.Dataset(X, label=y, feature_name=names, free_raw_data=False)
        started = time.perf_counter()
        cpu_started = time.process_time()
        booster = lgb.train(params, train_set)
        times.append(time.perf_counter() - started)
        cpu_times.append(time.process_time() - cpu_started)
    auc = float(roc_auc_score(y_test, booster.predict(X_test)))
    json.dump(
        {
            "peer": "lightgbm",
            "version": lgb.__version__,
            "trainRows": int(X.shape[0]),
            "testRows": int(X_test.shape[0]),
            "cols": int(X.shape[1]),
            "fitSeconds": times,
            "medianFitSeconds": median(times),
            "cpuSeconds": cpu_times,
            "medianCpuSeconds": median(cpu_times),
            "auc": auc,
            "trees": booster.num_trees(),
            "params": params,
        },
        sys.stdout,
    )
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
