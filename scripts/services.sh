#!/usr/bin/env bash
# Installs and starts the real components the integration tests use, on 127.0.0.1 only:
#   setup   install what is missing (Python venv with DVC/MLflow/Evidently, MinIO binary, Chromium)
#   start   setup, then start MinIO and MLflow in the background and write .services/env
#   stop    stop what start started
#   status  show what runs
# Idempotent: nothing is reinstalled or restarted when it is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
SVC="$ROOT/.services"
CACHE="${ARENA_CACHE:-$HOME/.cache/paper-arena}"
MINIO_BIN="$CACHE/bin/minio"
VENV="$ROOT/.venv"
log() { echo "services: $*" >&2; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

wait_http() { # url seconds
  local url=$1 n=$(( $2 * 5 ))
  for _ in $(seq 1 "$n"); do
    if curl -fsS -o /dev/null "$url" 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  return 1
}

setup_python() {
  if [ -x "$VENV/bin/dvc" ] && [ -x "$VENV/bin/mlflow" ] && "$VENV/bin/python" -c 'import evidently' 2>/dev/null; then return; fi
  log "installing DVC, MLflow and Evidently into .venv (a few minutes, once)"
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r scripts/python-requirements.txt
}

setup_minio() {
  if [ -x "$MINIO_BIN" ]; then return; fi
  log "building MinIO with go install (a few minutes, once; cached in $CACHE)"
  mkdir -p "$CACHE/bin"
  GOBIN="$CACHE/bin" go install github.com/minio/minio@latest
}

setup_chromium() {
  if command -v chromium >/dev/null 2>&1; then return; fi
  if [ "$(id -u)" = 0 ]; then
    log "installing Chromium (apt-get)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null
  else
    log "Chromium is missing and this is not root: install the chromium package"
  fi
}

setup() {
  command -v curl >/dev/null || { log "curl is required"; exit 1; }
  setup_python
  setup_minio
  setup_chromium
}

running() { [ -f "$SVC/$1.pid" ] && kill -0 "$(cat "$SVC/$1.pid")" 2>/dev/null; }

start() {
  setup
  mkdir -p "$SVC"
  if running minio && running mlflow && [ -f "$SVC/env" ]; then log "already running"; cat "$SVC/env" >&2; return; fi
  stop quiet
  local mport mlport user pass
  mport=$(free_port); mlport=$(free_port)
  user="arena$(head -c4 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  pass="$(head -c18 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  mkdir -p "$SVC/minio-data"
  log "starting MinIO on 127.0.0.1:$mport"
  MINIO_ROOT_USER="$user" MINIO_ROOT_PASSWORD="$pass" MINIO_BROWSER=off \
    nohup "$MINIO_BIN" server --quiet --address "127.0.0.1:$mport" "$SVC/minio-data" >"$SVC/minio.log" 2>&1 &
  echo $! >"$SVC/minio.pid"
  wait_http "http://127.0.0.1:$mport/minio/health/live" 60 || { log "MinIO did not start; see $SVC/minio.log"; tail -5 "$SVC/minio.log" >&2; exit 1; }
  log "starting MLflow on 127.0.0.1:$mlport"
  nohup "$VENV/bin/mlflow" server --host 127.0.0.1 --port "$mlport" --workers 1 \
    --backend-store-uri "sqlite:///$SVC/mlflow.db" --artifacts-destination "$SVC/mlflow-artifacts" --serve-artifacts \
    >"$SVC/mlflow.log" 2>&1 &
  echo $! >"$SVC/mlflow.pid"
  wait_http "http://127.0.0.1:$mlport/health" 120 || { log "MLflow did not start; see $SVC/mlflow.log"; tail -5 "$SVC/mlflow.log" >&2; exit 1; }
  local chromium
  chromium=$(command -v chromium || true)
  cat >"$SVC/env" <<EOF
MINIO_ENDPOINT=http://127.0.0.1:$mport
MINIO_ACCESS_KEY=$user
MINIO_SECRET_KEY=$pass
MLFLOW_TRACKING_URI=http://127.0.0.1:$mlport
DVC_BIN=$VENV/bin/dvc
ARENA_PYTHON=$VENV/bin/python
CHROMIUM_PATH=$chromium
EOF
  chmod 600 "$SVC/env"
  log "ready: .services/env written"
}

stop() {
  for s in mlflow minio; do
    if running "$s"; then
      local pid; pid=$(cat "$SVC/$s.pid")
      kill "$pid" 2>/dev/null || true
      # MLflow's gunicorn/uvicorn workers are children of the server process.
      pkill -P "$pid" 2>/dev/null || true
      [ "${1:-}" = quiet ] || log "stopped $s (pid $pid)"
    fi
    rm -f "$SVC/$s.pid"
  done
  rm -f "$SVC/env"
}

status() {
  for s in minio mlflow; do
    if running "$s"; then echo "$s: running (pid $(cat "$SVC/$s.pid"))"; else echo "$s: stopped"; fi
  done
  [ -f "$SVC/env" ] && grep -v SECRET "$SVC/env" || true
}

case "${1:-}" in
  setup) setup ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 setup|start|stop|status" >&2; exit 2 ;;
esac
