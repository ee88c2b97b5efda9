#!/usr/bin/env bash
# Installs and starts the real components the integration tests use, on 127.0.0.1 only:
#   setup   install what is missing (Python venv with DVC/MLflow/Evidently, MinIO binary, Chromium)
#   start   setup, then start MinIO and MLflow in the background and write .services/env
#   stop    stop what start started (by the pids it recorded)
#   status  show what runs (never the secret)
# Idempotent: nothing is reinstalled or restarted when it is already there and healthy. Concurrent
# calls wait for each other (flock). Progress goes to stderr.
#
# .services/env (KEY=value lines, read by src/testing/services.ts):
#   MINIO_ENDPOINT MINIO_ACCESS_KEY MINIO_SECRET_KEY MLFLOW_TRACKING_URI DVC_BIN ARENA_PYTHON CHROMIUM_PATH
#
# Environment: ARENA_CACHE (default ~/.cache/paper-arena) holds the MinIO binary;
# ARENA_SERVICES_DIR (default <repo>/.services) holds pids, logs, data and the env file.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
SVC="${ARENA_SERVICES_DIR:-$ROOT/.services}"
CACHE="${ARENA_CACHE:-$HOME/.cache/paper-arena}"
MINIO_BIN="$CACHE/bin/minio"
VENV="$ROOT/.venv"
REQUIREMENTS="$ROOT/scripts/python-requirements.txt"
log() { echo "services: $*" >&2; }
die() { log "$*"; exit 1; }

# Only one services.sh at a time per services directory (two `start`s racing would leak servers).
lock() {
  mkdir -p "$SVC"
  exec 9>"$SVC/.lock"
  if ! flock -n 9; then
    log "another services.sh is running; waiting for it"
    flock 9
  fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()' 2>/dev/null ||
    node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

wait_http() { # url seconds [pidfile]: until the url answers 2xx; gives up early when the process died
  local url=$1 n=$(($2 * 5)) pidf=${3:-}
  for _ in $(seq 1 "$n"); do
    if curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null; then return 0; fi
    if [ -n "$pidf" ] && ! kill -0 "$(cat "$pidf")" 2>/dev/null; then return 1; fi
    sleep 0.2
  done
  return 1
}

python_ready() {
  [ -x "$VENV/bin/dvc" ] && [ -x "$VENV/bin/mlflow" ] && "$VENV/bin/python" -c 'import evidently, alpaca' 2>/dev/null
}

setup_python() {
  if python_ready; then return; fi
  # A pip already installing into this venv (started by hand or by another tool): wait for it.
  local waited=0
  while pgrep -f "^$VENV/bin/(pip[0-9.]*|python[0-9.]* -m pip) install" >/dev/null 2>&1; do
    [ "$waited" = 0 ] && log "a pip install into .venv is running; waiting for it to finish"
    waited=1
    sleep 5
  done
  if python_ready; then return; fi
  log "installing DVC, MLflow and Evidently into .venv (a few minutes, once)"
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV" || die "python3 -m venv failed: install python3-venv (apt-get install python3-venv)"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r "$REQUIREMENTS" || die "pip install -r $REQUIREMENTS failed (see above)"
  python_ready || die ".venv is incomplete after pip install: expected .venv/bin/dvc, .venv/bin/mlflow and the evidently and alpaca (alpaca-py) modules"
}

setup_minio() {
  if [ -x "$MINIO_BIN" ]; then return; fi
  command -v go >/dev/null || die "MinIO is not built and Go is missing: install Go (https://go.dev/dl), then run this again"
  log "building MinIO with go install (several minutes, once; cached in $CACHE/bin)"
  mkdir -p "$CACHE/bin"
  if GOBIN="$CACHE/bin" go install github.com/minio/minio@latest; then return; fi
  # Some MinIO releases carry `replace` directives, which `go install module@version` refuses: build the source.
  log "go install refused; building from the module source instead"
  local dir tmp
  dir=$(go mod download -json github.com/minio/minio@latest | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
  tmp=$(mktemp -d)
  cp -r "$dir/." "$tmp/"
  chmod -R u+w "$tmp"
  (cd "$tmp" && go build -o "$MINIO_BIN" .) || { rm -rf "$tmp"; die "building MinIO failed"; }
  rm -rf "$tmp"
}

chromium_path() {
  if [ -x /usr/bin/chromium ]; then echo /usr/bin/chromium; else command -v chromium 2>/dev/null || true; fi
}

setup_chromium() {
  if [ -n "$(chromium_path)" ]; then return; fi
  if [ "$(id -u)" != 0 ]; then
    log "Chromium is missing and this is not root: install the chromium package (browser tests are skipped meanwhile)"
    return
  fi
  log "installing Chromium (apt-get)"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null ||
      log "apt-get install chromium failed: browser tests are skipped (MinIO, MLflow and DVC still start)"
  fi
}

setup() {
  command -v curl >/dev/null || die "curl is required"
  setup_python
  setup_minio
  setup_chromium
}

pid_of() { [ -f "$SVC/$1.pid" ] && cat "$SVC/$1.pid"; }
running() { local pid; pid=$(pid_of "$1") && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; }

env_get() { [ -f "$SVC/env" ] && sed -n "s/^$1=//p" "$SVC/env" | head -1; }

healthy() {
  local minio mlflow
  minio=$(env_get MINIO_ENDPOINT) && mlflow=$(env_get MLFLOW_TRACKING_URI) || return 1
  [ -n "$minio" ] && [ -n "$mlflow" ] &&
    curl -fsS -o /dev/null --max-time 3 "$minio/minio/health/live" 2>/dev/null &&
    curl -fsS -o /dev/null --max-time 3 "$mlflow/health" 2>/dev/null
}

# The process and all its descendants (MLflow runs uvicorn and job workers under its CLI process).
tree_of() {
  local pid=$1 child
  echo "$pid"
  for child in $(ps -o pid= --ppid "$pid" 2>/dev/null); do tree_of "$child"; done
}

stop_one() { # name
  local name=$1 pid pids
  pid=$(pid_of "$name") || return 0
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    pids=$(tree_of "$pid" | tr '\n' ' ')
    # shellcheck disable=SC2086
    kill -TERM $pids 2>/dev/null || true
    for _ in $(seq 1 50); do
      local alive=""
      for p in $pids; do kill -0 "$p" 2>/dev/null && alive="$alive $p"; done
      [ -z "$alive" ] && break
      sleep 0.2
    done
    for p in $pids; do kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null || true; done
    log "stopped $name (pid $pid)"
  fi
  rm -f "$SVC/$name.pid"
}

stop() {
  stop_one mlflow
  stop_one minio
  rm -f "$SVC/env"
}

start() {
  setup
  mkdir -p "$SVC"
  if running minio && running mlflow && healthy; then
    log "already running (MinIO $(env_get MINIO_ENDPOINT), MLflow $(env_get MLFLOW_TRACKING_URI)); .services/env unchanged"
    return
  fi
  stop
  local mport mlport user pass
  mport=$(free_port)
  mlport=$(free_port)
  while [ "$mlport" = "$mport" ]; do mlport=$(free_port); done
  user="arena$(head -c6 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  pass="$(head -c24 /dev/urandom | od -An -tx1 | tr -d ' \n')"

  mkdir -p "$SVC/minio-data" "$SVC/mlflow-artifacts"
  log "starting MinIO on 127.0.0.1:$mport"
  # setsid: each server in its own session, so it outlives this script and stop can find its tree.
  MINIO_ROOT_USER="$user" MINIO_ROOT_PASSWORD="$pass" MINIO_BROWSER=off MINIO_UPDATE=off \
    setsid nohup "$MINIO_BIN" server --quiet --address "127.0.0.1:$mport" "$SVC/minio-data" </dev/null >"$SVC/minio.log" 2>&1 9>&- &
  echo $! >"$SVC/minio.pid"
  wait_http "http://127.0.0.1:$mport/minio/health/live" 60 "$SVC/minio.pid" || { tail -5 "$SVC/minio.log" >&2; stop; die "MinIO did not start; see $SVC/minio.log"; }

  log "starting MLflow on 127.0.0.1:$mlport"
  # Job execution (GenAI scoring workers) is off: the tracking REST API does not need it and it costs ~1.5 GB.
  MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false \
    setsid nohup "$VENV/bin/mlflow" server --host 127.0.0.1 --port "$mlport" --workers 1 \
    --backend-store-uri "sqlite:///$SVC/mlflow.db" \
    --serve-artifacts --artifacts-destination "$SVC/mlflow-artifacts" \
    </dev/null >"$SVC/mlflow.log" 2>&1 9>&- &
  echo $! >"$SVC/mlflow.pid"
  wait_http "http://127.0.0.1:$mlport/health" 180 "$SVC/mlflow.pid" || { tail -5 "$SVC/mlflow.log" >&2; stop; die "MLflow did not start; see $SVC/mlflow.log"; }
  curl -fsS -o /dev/null --max-time 10 "http://127.0.0.1:$mlport/api/2.0/mlflow/experiments/search?max_results=1" ||
    { stop; die "MLflow answers /health but not its REST API; see $SVC/mlflow.log"; }

  # Written atomically and private: it holds the MinIO root password.
  local tmp="$SVC/env.tmp.$$"
  (
    umask 077
    cat >"$tmp" <<EOF
MINIO_ENDPOINT=http://127.0.0.1:$mport
MINIO_ACCESS_KEY=$user
MINIO_SECRET_KEY=$pass
MLFLOW_TRACKING_URI=http://127.0.0.1:$mlport
DVC_BIN=$VENV/bin/dvc
ARENA_PYTHON=$VENV/bin/python
CHROMIUM_PATH=$(chromium_path)
EOF
  )
  mv -f "$tmp" "$SVC/env"
  log "ready: $SVC/env written"
}

status() {
  local s rc=0
  for s in minio mlflow; do
    if running "$s"; then echo "$s: running (pid $(pid_of "$s"))"; else echo "$s: stopped"; rc=3; fi
  done
  if [ -f "$SVC/env" ]; then
    if healthy; then echo "health: ok"; else echo "health: not answering"; rc=3; fi
    grep -v '^MINIO_SECRET_KEY=' "$SVC/env" || true
  fi
  return $rc
}

case "${1:-}" in
  setup) lock; setup ;;
  start) lock; start ;;
  stop) lock; stop ;;
  status) status ;;
  *) echo "usage: $0 setup|start|stop|status" >&2; exit 2 ;;
esac
