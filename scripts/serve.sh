#!/bin/sh
# Sets up .venv with the project, migrates the database (SQLite by default) and serves the API.
# Extra arguments go to `bientraitance serve` (e.g. --host 0.0.0.0 --port 8080).
set -eu
cd "$(dirname "$0")/.."
. scripts/venv.sh
install_project "."
exec .venv/bin/bientraitance serve "$@"
