#!/usr/bin/env bash
# Installs what the offline gates need beyond npm packages, when it is missing:
#   - a Java 21+ runtime for apex-ls (the semantic Apex check). PMD runs on it too.
#   - Chromium (Debian package) for the admin console's browser check.
#   - sqlite3 (Debian package), the peer the access-review benchmark is measured against.
#   - jq (Debian package), used by the GitHub workflow step scripts that the workflow test runs.
# Safe to run again: it only installs what is not there. Needs root (or sudo) only when something is missing.
# Optional: `npm test` runs the same checks itself (scripts/src/gates/toolchain.ts) before its gates.
set -euo pipefail

have_java21() {
  local candidates=()
  [ -n "${PROVISIO_JAVA:-}" ] && candidates+=("$PROVISIO_JAVA")
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME/bin/java")
  command -v java >/dev/null 2>&1 && candidates+=("$(command -v java)")
  for j in /usr/lib/jvm/*/bin/java /opt/*/bin/java; do [ -x "$j" ] && candidates+=("$j"); done
  for j in "${candidates[@]}"; do
    local major
    major="$("$j" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)"
    if [ -n "$major" ] && [ "$major" -ge 21 ]; then
      echo "Java $major found: $j"
      return 0
    fi
  done
  return 1
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo -n "$@"; else
    echo "Need root to run: $*" >&2
    return 1
  fi
}

if ! have_java21; then
  echo "No Java 21+ found; installing one from Debian packages."
  as_root apt-get update -qq
  pkg="$(apt-cache search --names-only '^openjdk-(2[1-9]|[3-9][0-9])-jre-headless$' | awk '{print $1}' | sort -V | tail -1)"
  if [ -z "$pkg" ]; then
    echo "No openjdk 21+ package in the configured Debian sources. Install a Java 21+ runtime and set PROVISIO_JAVA." >&2
    exit 1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg"
  have_java21
fi

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium fonts-liberation)
command -v sqlite3 >/dev/null 2>&1 || missing+=(sqlite3)
# jq: the org workflow's step scripts (run by scripts/test/workflows.test.ts) parse sf CLI JSON with it
command -v jq >/dev/null 2>&1 || missing+=(jq)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "Installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "chromium: $(command -v chromium), sqlite3: $(command -v sqlite3)"
