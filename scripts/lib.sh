# Shared helpers of scripts/test, scripts/run and scripts/bench (sourced, not run).
# shellcheck shell=bash

ADDON_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ADDON_NAME=loyalty_points
# Odoo's own modules every database of ours starts from (pos_loyalty: we must
# live beside Odoo's own loyalty app).
BASE_MODULES=point_of_sale,sms,phone_validation,pos_loyalty
# HOME may be unset in a bare CI environment: take the user's home directory.
HOME=${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}
export HOME
CACHE_DIR=${LOYALTY_POINTS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/loyalty_points}
DATA_DIR=$CACHE_DIR/odoo-data
# What scripts/setup makes: a virtual environment with Odoo's requirements, the
# pinned lint and packaging tools, and an 'odoo' launcher.
SETUP_VENV=$CACHE_DIR/venv
SETUP_LAUNCHER=$SETUP_VENV/bin/odoo
# The lint and packaging tools, pinned (scripts/setup installs them, scripts/test runs them).
LINT_PINS=(ruff==0.8.4 pylint-odoo==9.3.3 pylint==3.3.3 astroid==3.3.8 whool==1.3)

die() { echo "error: $*" >&2; exit 2; }

find_odoo() {
  if [ -n "${ODOO_BIN:-}" ]; then
    [ -x "$ODOO_BIN" ] || die "ODOO_BIN=$ODOO_BIN is not an executable Odoo 18 launcher."
  elif command -v odoo >/dev/null 2>&1; then
    ODOO_BIN=$(command -v odoo)
  elif [ -x "$SETUP_LAUNCHER" ]; then
    ODOO_BIN=$SETUP_LAUNCHER
  else
    echo "No Odoo found (no ODOO_BIN, no 'odoo' on PATH, no $SETUP_LAUNCHER): running scripts/setup."
    "$ADDON_DIR/scripts/setup" ||
      die "scripts/setup did not finish (see above). Fix what it says and run again, or set \
ODOO_BIN to an Odoo 18 launcher that finds Odoo's own addons by itself."
    ODOO_BIN=$SETUP_LAUNCHER
  fi
  local version
  version=$("$ODOO_BIN" --version 2>/dev/null | tail -n 1)
  case "$version" in
    *" 18.0"*) ;;
    *) die "$ODOO_BIN is not Odoo 18.0 (it says: ${version:-nothing})." ;;
  esac
  ODOO_VERSION=$version
}

# lint_tools_ok: the pinned tools are in scripts/setup's environment.
lint_tools_ok() {
  [ -x "$SETUP_VENV/bin/python" ] && "$SETUP_VENV/bin/python" - "${LINT_PINS[@]}" <<'EOF' 2>/dev/null
import sys
from importlib.metadata import PackageNotFoundError, version

for pin in sys.argv[1:]:
    name, wanted = pin.split("==")
    try:
        if version(name) != wanted:
            sys.exit(1)
    except PackageNotFoundError:
        sys.exit(1)
EOF
}

# ensure_lint_tools: the pinned lint and packaging tools, installed by scripts/setup if needed.
ensure_lint_tools() {
  lint_tools_ok && return
  echo "The pinned lint tools (${LINT_PINS[*]}) are not in $SETUP_VENV: running scripts/setup."
  "$ADDON_DIR/scripts/setup" || die "scripts/setup did not finish (see above)."
  lint_tools_ok || die "scripts/setup did not install ${LINT_PINS[*]} into $SETUP_VENV."
}

ensure_postgres() {
  if psql -d postgres -Atqc 'SELECT 1' >/dev/null 2>&1; then
    return
  fi
  # A local Debian cluster that is merely stopped: start it.
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    local cluster
    cluster=$(pg_lsclusters -h 2>/dev/null | awk '{print $1" "$2; exit}')
    if [ -n "$cluster" ]; then
      # shellcheck disable=SC2086
      pg_ctlcluster $cluster start >/dev/null 2>&1 || true
      for _ in $(seq 1 30); do
        pg_isready -q && break
        sleep 1
      done
      if ! psql -d postgres -Atqc 'SELECT 1' >/dev/null 2>&1; then
        su postgres -c "createuser --superuser $(id -un)" >/dev/null 2>&1 || true
      fi
    fi
  fi
  psql -d postgres -Atqc 'SELECT 1' >/dev/null 2>&1 ||
    die "cannot reach PostgreSQL as role '$(id -un)'. Start the server and create the role \
(e.g. 'createuser --superuser $(id -un)' as postgres), or set PGHOST/PGUSER/PGPASSWORD."
}

# The directory holding this addon, whatever the checkout is called.
make_addons_dir() {
  ADDONS_DIR=$CACHE_DIR/addons-$(printf '%s' "$ADDON_DIR" | md5sum | cut -c1-8)
  mkdir -p "$ADDONS_DIR"
  ln -sfn "$ADDON_DIR" "$ADDONS_DIR/$ADDON_NAME"
}

# A free TCP port on loopback (several runs may share the machine).
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

db_exists() {
  [ "$(psql -d postgres -Atqc "SELECT 1 FROM pg_database WHERE datname = '$1'")" = 1 ]
}

drop_db() {
  if db_exists "$1"; then
    dropdb --if-exists "$1"
  fi
  rm -rf "$DATA_DIR/filestore/$1"
}

odoo_cmd() {
  "$ODOO_BIN" --addons-path="$ADDONS_DIR" --data-dir="$DATA_DIR" "$@"
}

# template_db NAME DEMO(yes|no): a database with Odoo's modules that we build
# on, installed once and copied for every run.
template_db() {
  local name=$1 demo=$2 log
  if db_exists "$name"; then
    return
  fi
  mkdir -p "$CACHE_DIR"
  # Two runs at once build a template only once.
  exec 9>"$CACHE_DIR/$name.lock"
  flock 9
  if db_exists "$name"; then
    exec 9>&-
    return
  fi
  echo "Building the template database $name (once; about two minutes)..."
  mkdir -p "$CACHE_DIR"
  log=$CACHE_DIR/$name.log
  drop_db "$name.part"
  local args=(-d "$name.part" -i "$BASE_MODULES" --stop-after-init --log-level=warn
              --max-cron-threads=0 --http-port="$(free_port)")
  [ "$demo" = no ] && args+=(--without-demo=all)
  if ! odoo_cmd "${args[@]}" >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    die "could not build the template database (log: $log)"
  fi
  psql -d postgres -qc "ALTER DATABASE \"$name.part\" RENAME TO \"$name\"" >/dev/null
  rm -rf "$DATA_DIR/filestore/$name"
  [ -d "$DATA_DIR/filestore/$name.part" ] && mv "$DATA_DIR/filestore/$name.part" "$DATA_DIR/filestore/$name"
  exec 9>&-
  return 0
}

copy_db() {
  local from=$1 to=$2
  drop_db "$to"
  createdb -T "$from" "$to"
  mkdir -p "$DATA_DIR/filestore"
  if [ -d "$DATA_DIR/filestore/$from" ]; then
    cp -a "$DATA_DIR/filestore/$from" "$DATA_DIR/filestore/$to"
  fi
}

template_name() {
  # A new Odoo or new base modules get new templates.
  # Its filestore lives in this cache's data directory: another cache gets its own.
  printf 'lp_tmpl_%s_%s' "$1" \
    "$(printf '%s|%s|%s' "$ODOO_VERSION" "$BASE_MODULES" "$DATA_DIR" | md5sum | cut -c1-8)"
}

# odoo_shell ARGS...: Odoo's shell (the subcommand must come first); Python on stdin.
odoo_shell() {
  "$ODOO_BIN" shell --addons-path="$ADDONS_DIR" --data-dir="$DATA_DIR" "$@"
}
