#!/bin/sh
# The mail-log benchmark (BENCHMARKS.md "Mail logs"): maillint's log scan against
# `zcat FILE | grep -c ' => '` over the same gzipped main logs, and maillint's peak memory for a
# 100 MiB and a 1 GiB log (it must not grow with the log).
#
#   bench/logs.sh                 # sizes 100 and 1024 MiB, 3 runs each, in $BENCH_DIR
#   SIZES="100" RUNS=1 bench/logs.sh
#
# The logs come from examples/gen-mainlog.rs (seed 1), gzipped with `gzip -1`; the tree is
# testdata/logs without its own logs. The clock (MAILLINT_NOW) is after the logs' last line and
# --since covers them all, so every line is read and counted. Wall times depend on what else the
# machine runs: the script prints the load average with each figure, and CPU time (user + sys).
set -eu
cd "$(dirname "$0")/.."
BENCH_DIR=${BENCH_DIR:-/tmp/maillint-logbench}
SIZES=${SIZES:-"100 1024"}
RUNS=${RUNS:-3}
mkdir -p "$BENCH_DIR"
cargo build --release --quiet --bin maillint --example gen-mainlog
BIN=$PWD/target/release/maillint
GEN=$PWD/target/release/examples/gen-mainlog
TREE=$BENCH_DIR/tree
rm -rf "$TREE"
cp -r testdata/logs "$TREE"
rm -f "$TREE"/var/log/*
export MAILLINT_NOW=1900000000
for size in $SIZES; do
    log=$BENCH_DIR/exim_mainlog-$size.gz
    if [ ! -s "$log" ]; then
        "$GEN" "$size" 1 | gzip -1 > "$log.tmp" && mv "$log.tmp" "$log"
    fi
    echo "== $size MiB of log ($(du -h "$log" | cut -f1) gzipped); load: $(cut -d' ' -f1-3 /proc/loadavg)"
    i=0
    while [ "$i" -lt "$RUNS" ]; do
        i=$((i + 1))
        /usr/bin/time -f "zcat|grep   wall %e s  cpu %U+%S s  max RSS %M KiB" \
            sh -c "zcat '$log' | grep -c ' => ' > /dev/null"
        /usr/bin/time -f "maillint    wall %e s  cpu %U+%S s  max RSS %M KiB" \
            "$BIN" "$TREE" --select LOG,RT001,MBX001,CP005 --logs "$log" --since 3650 \
            --format json --no-progress > "$BENCH_DIR/out-$size.json" || true
    done
done
