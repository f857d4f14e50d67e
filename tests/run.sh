#!/usr/bin/env bash
# The whole test suite: lint, format, yaml lint, unit/golden/recipe tests and
# doctests. Run from the repository root: bash tests/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ruff check .
ruff format --check .
yamllint --no-warnings -c .yamllint.yaml .
python -m pytest -q "$@"
