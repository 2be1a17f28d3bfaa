#!/usr/bin/env bash
# Installs the peers of the train benchmark into the project's Python venv (.services/py, shared with the
# services runner and the prepare bench), idempotently: LightGBM, scikit-learn, pyarrow and pandas. PySpark (the
# optional feature-building peer) comes from bench/peers/setup.sh.
#   bench/peers/setup_train.sh      install what is missing, then print the versions
# An already-installed package of any version is kept; the bench reports whichever version ran.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export STATE="${FRAUDOPS_SERVICES_DIR:-$ROOT/.services}"
mkdir -p "$STATE/logs"
# shellcheck source=../../scripts/services/common.sh
source "$ROOT/scripts/services/common.sh"

py_need numpy numpy
py_need pyarrow pyarrow
py_need pandas pandas
py_need sklearn scikit-learn
py_need lightgbm lightgbm
"$PYENV_DIR/bin/python" -c 'import lightgbm, sklearn, pyarrow, pandas; print(f"lightgbm {lightgbm.__version__}, scikit-learn {sklearn.__version__}, pyarrow {pyarrow.__version__}, pandas {pandas.__version__}")'
