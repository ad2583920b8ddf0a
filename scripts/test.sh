#!/bin/sh
# Sets up .venv with the project and its test tools, then runs the whole test suite.
# Extra arguments go to pytest. On PostgreSQL: scripts/with_postgres.sh sh scripts/test.sh
set -eu
cd "$(dirname "$0")/.."
. scripts/venv.sh
install_project ".[dev]"
exec .venv/bin/python -m pytest "$@"
