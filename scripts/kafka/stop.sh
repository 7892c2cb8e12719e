#!/usr/bin/env bash
# Stop the broker started by scripts/kafka/start.sh: SIGTERM (controlled shutdown), wait up to
# KAFKA_STOP_TIMEOUT seconds (30), then SIGKILL. Data in .kafka/data is kept; delete it to start afresh.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
KAFKA_DIR="${KAFKA_DIR:-$ROOT/.kafka}"
KAFKA_STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-30}"
PID_FILE="$KAFKA_DIR/kafka.pid"

say() { echo "kafka: $*"; }

if [[ ! -f "$PID_FILE" ]]; then
  say "not running (no $PID_FILE)"
  exit 0
fi
pid="$(cat "$PID_FILE" 2>/dev/null || true)"
# Only signal the pid if it still is our broker (the pid may have been reused since).
if [[ -z "$pid" ]] || ! kill -0 "$pid" 2>/dev/null || ! grep -q 'kafka.Kafka' "/proc/$pid/cmdline" 2>/dev/null; then
  say "not running (stale pid file removed)"
  rm -f "$PID_FILE"
  exit 0
fi

say "stopping broker (pid $pid)"
kill -TERM "$pid"
deadline=$((SECONDS + KAFKA_STOP_TIMEOUT))
while kill -0 "$pid" 2>/dev/null; do
  if ((SECONDS >= deadline)); then
    say "still running after $KAFKA_STOP_TIMEOUT s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    break
  fi
  sleep 0.2
done
rm -f "$PID_FILE"
say "stopped"
