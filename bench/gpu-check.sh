#!/usr/bin/env bash
# The prepared GPU check (docs/performance.md): run it in one go on a lent GPU machine,
#   LATENTCODEC_MIRROR=/path/to/shared bench/gpu-check.sh            (~10 min, one GPU)
#   LATENTCODEC_MIRROR=/path/to/shared bench/gpu-check.sh --device cpu --images 2 --small
# Arguments go to bench/gpu_check.py; the venv's Python is used when there is one. It is
# killed after GPU_CHECK_TIMEOUT seconds (default 600, the lent machine's limit per command).
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-.venv/bin/python}
[[ -x $python ]] || python=python3
exec timeout -s KILL "${GPU_CHECK_TIMEOUT:-600}" "$python" bench/gpu_check.py "$@"
