#!/usr/bin/env bash
# The whole test suite: lint, format, yaml lint, unit/golden/recipe tests and
# doctests. Run from anywhere: bash tests/run.sh [pytest options]
# Only the project's own folders are linted, so a virtual environment, a
# data folder or results inside the checkout are left alone.
set -euo pipefail
cd "$(dirname "$0")/.."
OWN=(speechbrain_passt recipes tests benchmarks)
ruff check "${OWN[@]}"
ruff format --check "${OWN[@]}"
yamllint --no-warnings -c .yamllint.yaml hparams recipes tests .ci .yamllint.yaml
python -m pytest -q "$@"
