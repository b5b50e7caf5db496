#!/usr/bin/env bash
# Resource-map benchmarks: importing 100,000 budget lines from CSV on SQLite, and rendering the
# resource-map page of a place with 10,000 budget lines. Not part of the test suite: run by hand and
# copy the numbers into docs/BENCHMARKS.md. Traffic goes only to 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet -p wholeplace-cli
BIN=$PWD/target/release/wholeplace
WORK=$(mktemp -d)
trap 'kill $(cat "$WORK/pid" 2>/dev/null) 2>/dev/null || true; rm -rf "$WORK"' EXIT
PORT=${PORT:-18081}

gen() { # rows place
  awk -v n="$1" -v place="$2" 'BEGIN {
    print "agency,place,service_area,financial_year,amount,spend_kind,source,confidence";
    split("health housing crime social_services education_skills fire", s, " ");
    for (i = 0; i < n; i++) {
      a = (i % 2 == 0) ? "Kent County Council" : "NHS West Kent";
      p = (place == "") ? ((i % 3 == 0) ? "Tunbridge Wells" : ((i % 3 == 1) ? "Shropshire" : "Worcester")) : place;
      y = 2015 + i % 10;
      printf "%s,%s,%s,%d/%02d,%d.%02d,revenue,budget book line %d,grade 2\n", a, p, s[1 + i % 6], y, (y + 1) % 100, 1000 + i % 50000, i % 100, i;
    }
  }'
}

setup() {
  "$BIN" --data-dir "$1" --log warn places import-local-authorities >/dev/null
  "$BIN" --data-dir "$1" --log warn places add-agency "Kent County Council" --kind county_council >/dev/null
  "$BIN" --data-dir "$1" --log warn places add-agency "NHS West Kent" --kind nhs_icb >/dev/null
}

gen 100000 "" > "$WORK/100k.csv"
echo "== import 100,000 budget lines (CSV, SQLite), 5 runs on fresh databases"
TIMES=()
for r in 1 2 3 4 5; do
  D="$WORK/db$r"; setup "$D"
  T0=$(date +%s%N)
  "$BIN" --data-dir "$D" --log warn budget import "$WORK/100k.csv" >/dev/null 2>&1
  T1=$(date +%s%N)
  TIMES+=($(( (T1 - T0) / 1000000 )))
done
SORTED=($(printf '%s\n' "${TIMES[@]}" | sort -n))
echo "import ms: ${TIMES[*]} (median ${SORTED[2]})"

echo "== the same file with one bad row in the middle (row 50,001)"
sed '50001s/,revenue,/,revenue-ish,/' "$WORK/100k.csv" > "$WORK/bad.csv"
D="$WORK/dbbad"; setup "$D"
"$BIN" --data-dir "$D" --log warn budget import "$WORK/bad.csv" 2>&1 | head -3 || true
"$BIN" --data-dir "$D" --log warn budget export "$WORK/after.csv" && echo "lines after the failed import: $(($(wc -l < "$WORK/after.csv") - 1))"

echo "== resource-map page of a place with 10,000 budget lines"
D="$WORK/dbpage"; setup "$D"
gen 10000 "Tunbridge Wells" > "$WORK/10k.csv"
"$BIN" --data-dir "$D" --log warn budget import "$WORK/10k.csv" >/dev/null
"$BIN" --data-dir "$D" --log warn serve --listen "127.0.0.1:$PORT" > "$WORK/out" 2>&1 &
echo $! > "$WORK/pid"
for _ in $(seq 1 200); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.05; done
sleep 0.3
PASSWORD=$(sed -n 's/.*one-time password: \(.*\)$/\1/p' "$WORK/out")
JAR="$WORK/jar"; BASE="http://127.0.0.1:$PORT"
csrf() { sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -1; }
TOKEN=$(curl -fs -c "$JAR" -b "$JAR" "$BASE/sign-in" | csrf)
curl -fs -o /dev/null -c "$JAR" -b "$JAR" --data-urlencode "csrf_token=$TOKEN" --data-urlencode "username=admin" --data-urlencode "password=$PASSWORD" --data-urlencode "next=/" "$BASE/sign-in"
TOKEN=$(curl -fs -c "$JAR" -b "$JAR" "$BASE/account/password" | csrf)
NEW="bench password $RANDOM$RANDOM"
curl -fs -o /dev/null -c "$JAR" -b "$JAR" --data-urlencode "csrf_token=$TOKEN" --data-urlencode "current_password=$PASSWORD" --data-urlencode "new_password=$NEW" --data-urlencode "confirm_password=$NEW" "$BASE/account/password"
PLACE=$("$BIN" --data-dir "$D" --log warn places list | awk '$NF == "Wells" && $(NF-1) == "Tunbridge" {print $1}')
URL="$BASE/places/$PLACE"
[ "$(curl -s -o /dev/null -w '%{http_code}' -b "$JAR" "$URL")" = 200 ] || { echo "page did not answer 200"; exit 1; }
for _ in 1 2 3; do curl -s -o /dev/null -b "$JAR" "$URL"; done
MS=()
for _ in $(seq 1 21); do MS+=($(curl -s -o /dev/null -b "$JAR" -w '%{time_total}' "$URL" | awk '{printf "%.1f", $1 * 1000}')); done
SORTED=($(printf '%s\n' "${MS[@]}" | sort -n))
echo "page ms (21 requests, time to last byte): median ${SORTED[10]}, min ${SORTED[0]}, max ${SORTED[20]}"
echo "page size: $(curl -s -b "$JAR" "$URL" | wc -c) bytes"
