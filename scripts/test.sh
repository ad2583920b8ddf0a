#!/bin/sh
# Sets up .venv with the project and its test tools, then runs the whole test suite.
# Extra arguments go to pytest. On PostgreSQL: scripts/with_postgres.sh sh scripts/test.sh
set -eu
cd "$(dirname "$0")/.."
. scripts/venv.sh
install_project ".[dev]"
# The console's tests drive Chromium with its driver, from Debian's packages; without them
# (and no root to install them) those tests are skipped, saying so.
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q chromium chromium-driver >/dev/null \
      || { apt-get update -q >/dev/null && apt-get install -y -q chromium chromium-driver >/dev/null; }
  else
    echo "chromium and chromium-driver are not installed: the browser tests will be skipped" >&2
  fi
fi
exec .venv/bin/python -m pytest "$@"
