#!/usr/bin/env bash
# Scoped runs (`--domain D`, the WHM hook) against the whole run, on a generated server
# (PRODUCT.md "Performance": a scoped run reads only what D needs, under 50 ms and 30 MiB on
# 5,000 accounts, warm cache). Prints a Markdown report; BENCHMARKS.md records the figures.
#
#   bench/scoped.sh                       # 5,000 accounts, 5 runs each
#   RUNS=3 ACCOUNTS=500 bench/scoped.sh
#
# Environment:
#   ACCOUNTS   accounts of the generated server (default 5000)
#   RUNS       runs per measurement; the median is reported (default 5)
#   SEED       generator seed (default 1)
#   BENCH_DIR  where the tree is generated (default target/bench-trees); reused while the
#              generator source is unchanged
#   MAILLINT_BIN  another build to measure (default target/release/maillint)
#
# Measured, each as wall-clock median, CPU (user+sys) median and peak RSS (/usr/bin/time), warm
# cache (one run before the measured ones):
#   (a) the whole run, `maillint TREE --ignore MBX` (mailboxes are not generated);
#   (b) `maillint TREE --domain D` for domains at fixed places of etc/userdomains;
#   (c) `maillint hook --root TREE` with a Whostmgr Accounts::Create post event for the owner of
#       the first of them (answer, log line and all).
# hyperfine is used for the wall-clock figures when it is installed.
set -euo pipefail
cd "$(dirname "$0")/.."

ACCOUNTS=${ACCOUNTS:-5000}
RUNS=${RUNS:-5}
SEED=${SEED:-1}
# shellcheck source=bench/lib.sh
. bench/lib.sh
bench_setup scoped.sh

exim_args=()
[ -f "$EXIM_CONF" ] && exim_args=(--exim-conf "$EXIM_CONF")
stamp="$(sha256sum examples/gen-server.rs | cut -c1-16) seed=$SEED nomail"
dir="$BENCH_DIR/scoped-n$ACCOUNTS"
if [ "$(cat "$dir.stamp" 2>/dev/null)" != "$stamp" ]; then
    rm -rf "$dir" "$dir.stamp"
    echo "generating $ACCOUNTS accounts in $dir ..." >&2
    "$GEN" --accounts "$ACCOUNTS" --out "$dir" --seed "$SEED" --no-mail "${exim_args[@]}" >&2
    echo "$stamp" >"$dir.stamp"
fi

# run_n OUTVAR command... : RUNS warm runs; sets OUTVAR to "wall_us cpu_us maxrss_kib".
run_n() {
    local var=$1
    shift
    local walls=() cpus=() rsss=()
    "$@" >/dev/null 2>&1 <"${STDIN:-/dev/null}" || true
    for _ in $(seq "$RUNS"); do
        local t0 t1 tf u s m
        tf=$(mktemp)
        t0=$(date +%s%N)
        /usr/bin/time -f "%U %S %M" -o "$tf" "$@" >/dev/null 2>&1 <"${STDIN:-/dev/null}" || true
        t1=$(date +%s%N)
        read -r u s m < <(tail -n 1 "$tf")
        rm -f "$tf"
        walls+=($(((t1 - t0) / 1000)))
        cpus+=($(awk -v u="$u" -v s="$s" 'BEGIN { printf "%d", (u + s) * 1000000 }'))
        rsss+=("$m")
    done
    local med='sort -n | awk "{a[NR]=\$1} END {print a[int((NR+1)/2)]}"'
    printf -v "$var" '%s %s %s' \
        "$(printf '%s\n' "${walls[@]}" | eval "$med")" \
        "$(printf '%s\n' "${cpus[@]}" | eval "$med")" \
        "$(printf '%s\n' "${rsss[@]}" | eval "$med")"
}

ms() { awk -v us="$1" 'BEGIN { printf "%.0f ms", us / 1000 }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.0f MiB", k / 1024 }'; }

total=$(grep -vc '^\*' "$dir/etc/userdomains")
domains=()
for at in 1 $((total / 3)) $((total / 2)) $((total - 1)); do
    domains+=("$(grep -v '^\*' "$dir/etc/userdomains" | sed -n "${at}p" | cut -d: -f1)")
done
user=$(grep "^${domains[0]}:" "$dir/etc/userdomains" | cut -d: -f2 | tr -d ' ')
event=$(mktemp)
trap 'rm -f "$event"' EXIT
printf '{"context":{"category":"Whostmgr","event":"Accounts::Create","stage":"post","point":"main"},"data":{"user":"%s","domain":"%s"}}' \
    "$user" "${domains[0]}" >"$event"

echo "## maillint scoped runs $(git describe --always --dirty 2>/dev/null || echo '?') — $(date -u +%Y-%m-%dT%H:%MZ)"
echo
echo "Machine: $(nproc) cores, $(uname -r); load at start $(cut -d' ' -f1 /proc/loadavg)."
echo "Tree: $ACCOUNTS accounts, $total domains (\`gen-server --accounts $ACCOUNTS --seed $SEED --no-mail\`)."
echo "Runs per figure: $RUNS (median), warm cache. Command: \`bench/scoped.sh\`."
echo
echo "| what | wall | CPU | peak RSS |"
echo "|---|---:|---:|---:|"
run_n r "$MAILLINT" "$dir" --ignore MBX --format concise --exit-zero
read -r w c m <<<"$r"
echo "| whole run (\`--ignore MBX\`) | $(ms "$w") | $(ms "$c") | $(mib "$m") |"
for d in "${domains[@]}"; do
    run_n r "$MAILLINT" "$dir" --domain "$d" --format concise --exit-zero
    read -r w c m <<<"$r"
    echo "| \`--domain $d\` | $(ms "$w") | $(ms "$c") | $(mib "$m") |"
done
run_n r "$MAILLINT" "$dir" --domain "${domains[1]}" --domain "${domains[2]}" --format concise --exit-zero
read -r w c m <<<"$r"
echo "| \`--domain ${domains[1]} --domain ${domains[2]}\` | $(ms "$w") | $(ms "$c") | $(mib "$m") |"
STDIN=$event run_n r "$MAILLINT" hook --root "$dir"
read -r w c m <<<"$r"
echo "| \`maillint hook\` (Accounts::Create post, $user, ${domains[0]}) | $(ms "$w") | $(ms "$c") | $(mib "$m") |"
rm -rf "$dir/var/log/maillint"
if command -v hyperfine >/dev/null; then
    echo
    md=$(mktemp)
    hyperfine --warmup 1 --runs "$RUNS" --export-markdown "$md" \
        "$MAILLINT $dir --domain ${domains[0]} --format concise --exit-zero" >/dev/null
    cat "$md"
    rm -f "$md"
fi
