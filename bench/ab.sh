#!/usr/bin/env bash
# A/B timing of two maillint binaries on the same generated servers, runs interleaved
# (A, B, A, B, …) so that whatever else the machine does weighs on both alike. This is how a
# refactor shows "no slowdown" on a shared machine, where bench/compare.sh's absolute figures
# move with the load. Warm page cache only.
#
#   bench/ab.sh OLD_BINARY [NEW_BINARY]        # NEW defaults to target/release/maillint
#
# Environment: SIZES (default "500 5000"), RUNS (default 7), SEED (default 1),
# BENCH_DIR (default target/bench-trees; trees are shared with bench/compare.sh's naming).
#
# For each size and each of: the whole run without mailboxes (`--ignore MBX`), the mailbox
# rules (`--select MBX`), it prints the median wall time, median CPU (user+sys) and median peak
# RSS of each binary, and NEW/OLD ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
old=${1:?usage: bench/ab.sh OLD_BINARY [NEW_BINARY]}
new=${2:-$PWD/target/release/maillint}
SIZES=${SIZES:-"500 5000"}
RUNS=${RUNS:-7}
SEED=${SEED:-1}
BENCH_DIR=${BENCH_DIR:-target/bench-trees}
[ -x /usr/bin/time ] || { echo "bench/ab.sh: needs /usr/bin/time (apt-get install time)" >&2; exit 2; }
cargo build --release --quiet --bin maillint --example gen-server
GEN=$PWD/target/release/examples/gen-server
mkdir -p "$BENCH_DIR"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# run BIN ARGS… -> "wall_ms cpu_ms rss_kib"
run() {
    local tf s e
    tf=$(mktemp)
    s=$(date +%s%N)
    /usr/bin/time -f "%U %S %M" -o "$tf" "$@" >/dev/null 2>&1 || true
    e=$(date +%s%N)
    tail -n 1 "$tf" | awk -v w=$(( (e - s) / 1000000 )) '{printf "%d %d %d\n", w, ($1+$2)*1000, $3}'
    rm -f "$tf"
}

echo "| accounts | what | old wall | new wall | new/old | old CPU | new CPU | new/old | old RSS | new RSS |"
echo "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"
for n in $SIZES; do
    tree="$BENCH_DIR/ab-$n-$SEED"
    if [ ! -d "$tree" ]; then
        "$GEN" --accounts "$n" --seed "$SEED" --out "$tree" >/dev/null
    fi
    for what in "--ignore MBX" "--select MBX"; do
        # One run of each first, not measured: the page cache and the binaries are warm.
        "$old" "$tree" $what --format json >/dev/null 2>&1 || true
        "$new" "$tree" $what --format json >/dev/null 2>&1 || true
        : >"$BENCH_DIR/ab-old" && : >"$BENCH_DIR/ab-new"
        for _ in $(seq "$RUNS"); do
            run "$old" "$tree" $what --format json >>"$BENCH_DIR/ab-old"
            run "$new" "$tree" $what --format json >>"$BENCH_DIR/ab-new"
        done
        ow=$(cut -d' ' -f1 "$BENCH_DIR/ab-old" | median); nw=$(cut -d' ' -f1 "$BENCH_DIR/ab-new" | median)
        oc=$(cut -d' ' -f2 "$BENCH_DIR/ab-old" | median); nc=$(cut -d' ' -f2 "$BENCH_DIR/ab-new" | median)
        om=$(cut -d' ' -f3 "$BENCH_DIR/ab-old" | median); nm=$(cut -d' ' -f3 "$BENCH_DIR/ab-new" | median)
        printf "| %s | \`%s\` | %d ms | %d ms | %.2f× | %d ms | %d ms | %.2f× | %d MiB | %d MiB |\n" \
            "$n" "$what" "$ow" "$nw" "$(awk -v a="$nw" -v b="$ow" 'BEGIN{print a/b}')" "$oc" "$nc" \
            "$(awk -v a="$nc" -v b="$oc" 'BEGIN{print a/(b+0.001)}')" $((om / 1024)) $((nm / 1024))
    done
done
