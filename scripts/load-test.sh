#!/usr/bin/env bash
# Load test of the signed-in home page on SQLite, plus cold start and idle memory.
# Not part of the test suite: run it by hand and copy the numbers into docs/BENCHMARKS.md.
#   scripts/load-test.sh [seconds] [connections]
# Needs wrk (apt-get install wrk) and curl. Sends traffic only to 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-15}
CONNECTIONS=${2:-32}
PORT=${PORT:-18080}
BASE="http://127.0.0.1:$PORT"

cargo build --release --quiet -p wholeplace-cli
BIN=target/release/wholeplace
DATA=$(mktemp -d)
JAR="$DATA/cookies"
trap 'kill $(cat "$DATA/pid" 2>/dev/null) 2>/dev/null || true; rm -rf "$DATA"' EXIT

start() {
  "$BIN" --data-dir "$DATA" --log warn serve --listen "127.0.0.1:$PORT" > "$DATA/out" 2>&1 &
  echo $! > "$DATA/pid"
  for _ in $(seq 1 200); do curl -fs "$BASE/healthz" >/dev/null 2>&1 && return 0; sleep 0.01; done
  echo "server did not start"; cat "$DATA/out"; exit 1
}

start
sleep 0.3
PASSWORD=$(sed -n 's/.*one-time password: \(.*\)$/\1/p' "$DATA/out")
csrf() { sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -1; }
TOKEN=$(curl -fs -c "$JAR" -b "$JAR" "$BASE/sign-in" | csrf)
curl -fs -o /dev/null -c "$JAR" -b "$JAR" --data-urlencode "csrf_token=$TOKEN" --data-urlencode "username=admin" --data-urlencode "password=$PASSWORD" --data-urlencode "next=/" "$BASE/sign-in"
TOKEN=$(curl -fs -c "$JAR" -b "$JAR" "$BASE/account/password" | csrf)
NEW="load test password $RANDOM$RANDOM"
curl -fs -o /dev/null -c "$JAR" -b "$JAR" --data-urlencode "csrf_token=$TOKEN" --data-urlencode "current_password=$PASSWORD" --data-urlencode "new_password=$NEW" --data-urlencode "confirm_password=$NEW" "$BASE/account/password"
SESSION=$(awk '$6 == "wp_session" {print $7}' "$JAR")
STATUS=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: wp_session=$SESSION" "$BASE/")
[ "$STATUS" = 200 ] || { echo "signed-in home page answered $STATUS"; exit 1; }

echo "== wrk: signed-in home page, $CONNECTIONS connections, ${DURATION}s"
wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -H "Cookie: wp_session=$SESSION" "$BASE/"

sleep 2
PID=$(cat "$DATA/pid")
echo "== resident memory when idle after the load: $(awk '/VmRSS/ {print $2, $3}' /proc/$PID/status)"
kill -TERM "$PID"; wait "$PID" 2>/dev/null || true

echo "== cold start on the existing database (process start to first 200 from /healthz), 7 runs"
TIMES=()
for _ in $(seq 1 7); do
  T0=$(date +%s%N)
  start
  T1=$(date +%s%N)
  TIMES+=($(( (T1 - T0) / 1000000 )))
  PID=$(cat "$DATA/pid")
  sleep 1
  IDLE=$(awk '/VmRSS/ {print $2}' /proc/$PID/status)
  kill -TERM "$PID"; wait "$PID" 2>/dev/null || true
done
SORTED=($(printf '%s\n' "${TIMES[@]}" | sort -n))
echo "cold start ms: ${TIMES[*]} (median ${SORTED[3]})"
echo "resident memory idle after a cold start: ${IDLE} kB"
