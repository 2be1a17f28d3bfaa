"""Reads the train bench's matrix files: Parquet with one float column per feature and a 0/1 `label` column.

Shared by the train bench's Python peers so that they load exactly what our side loads (bench/train/matrix.ts).
"""

import numpy as np
import pyarrow.parquet as pq

LABEL = "label"


def read_matrix(path):
    """Returns (X as a C-contiguous float64 array, y as uint8, feature names in file order)."""
    table = pq.read_table(path)
    names = [n for n in table.column_names if n != LABEL]
    X = np.empty((table.num_rows, len(names)), dtype=np.float64)
    for j, name in enumerate(names):
        X[:, j] = table.column(name).to_numpy(zero_copy_only=False).astype(np.float64, copy=False)
    y = table.column(LABEL).to_numpy(zero_copy_only=False).astype(np.uint8)
    return X, y, names


def median(values):
    s = sorted(values)
    return s[(len(s) - 1) // 2]
