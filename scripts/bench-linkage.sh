#!/usr/bin/env bash
# Benchmarks wholeplace's record linkage end to end (read, train, score, cluster, write).
# Results go to docs/benchmarks/linkage.md by hand, with the machine and date. Progress lines (without
# -q) show each stage's elapsed time. Privacy-preserving F1 is measured by the febrl test.
#
#   bash scripts/bench-linkage.sh                      # builds, then 3 runs of each
#   BIN=/tmp/old/wholeplace bash scripts/bench-linkage.sh   # an earlier binary, as a baseline
#   RUNS=5 WORK=/tmp/wp bash scripts/bench-linkage.sh
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${BIN:-}" ]; then
  cargo build --release -p wholeplace-cli --bin wholeplace
  BIN=target/release/wholeplace
fi
RUNS=${RUNS:-3}
WORK=${WORK:-/tmp/wholeplace-bench}
mkdir -p "$WORK"
load() { echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"; }
run() { /usr/bin/time -f "%e s wall, %U s user, %M KB peak RSS" "$@" 2>&1 | grep -E "^accuracy|wall|entities"; }
echo "binary: $BIN"
load
# ~100,000 and ~1,000,000 records (0.4 duplicate rate gives ~1.67 records per person).
$BIN synth --people 60000 --seed 1 --output-dir "$WORK/s100k"
$BIN synth --people 600000 --seed 1 --output-dir "$WORK/s1m"
for i in $(seq "$RUNS"); do
  echo "100k run $i"; run $BIN link "$WORK/s100k/council.csv" --truth "$WORK/s100k/truth.csv" --output-dir "$WORK/o100k"
done
load
for i in $(seq "$RUNS"); do
  echo "1M run $i"; run $BIN link "$WORK/s1m/council.csv" --truth "$WORK/s1m/truth.csv" --output-dir "$WORK/o1m"
done
load
for i in $(seq "$RUNS"); do
  echo "FEBRL4 run $i"; run $BIN link --mode link data/febrl/dataset4a.csv data/febrl/dataset4b.csv --output-dir "$WORK/ofebrl" -q
done
openssl rand -hex 32 > "$WORK/key"
for i in $(seq "$RUNS"); do
  echo "FEBRL4 privacy-preserving run $i (encode both files, then link encodings)"
  /usr/bin/time -f "%e s wall, %U s user, %M KB peak RSS" bash -c "$BIN link --encode --key-file $WORK/key data/febrl/dataset4a.csv data/febrl/dataset4b.csv --output-dir $WORK/enc -q && $BIN link --encoded --mode link $WORK/enc/dataset4a.encoded.csv $WORK/enc/dataset4b.encoded.csv --output-dir $WORK/oenc -q"
done
load
