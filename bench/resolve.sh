#!/usr/bin/env bash
# `--resolve` on a generated server against a local authoritative server (PRODUCT.md
# "Performance": 5,000 accounts in under 10 s, with bounded concurrency).
#
#   bench/resolve.sh                 # 5,000 accounts
#   ACCOUNTS=500 bench/resolve.sh
#
# It generates a server without mailboxes (examples/gen-server --no-mail), serves every zone of
# its var/named with BIND's `named` (Debian bind9) on 127.0.0.1 and a free port (as `nobody` when
# run as root; authoritative only, so nothing leaves the machine), waits for the zones to load,
# then runs, RUNS times (median reported):
#
#   maillint TREE --ignore MBX --resolve --resolver 127.0.0.1:PORT --format concise
#
# and, for comparison, the same run without --resolve (offline). It reports the median wall times, the most file descriptors maillint held open at once
# (sampled every 5 ms from /proc: its sockets in flight plus the files it reads), the number of
# DNS001 findings (lookups that failed) and the findings by rule.
#
# Environment: ACCOUNTS (5000), RUNS (3), SEED (1), BENCH_DIR (target/bench-trees).
set -euo pipefail
cd "$(dirname "$0")/.."

ACCOUNTS=${ACCOUNTS:-5000}
RUNS=${RUNS:-3}
SEED=${SEED:-1}
BENCH_DIR=${BENCH_DIR:-target/bench-trees}
NAMED=$(command -v named || echo /usr/sbin/named)
[ -x "$NAMED" ] || { echo "resolve.sh needs BIND's named: apt-get install bind9" >&2; exit 2; }

cargo build --release --quiet --bin maillint --example gen-server
MAILLINT=$PWD/target/release/maillint
mkdir -p "$BENCH_DIR"
BENCH_DIR=$(cd "$BENCH_DIR" && pwd)
TREE=$BENCH_DIR/resolve-n$ACCOUNTS
stamp="$(sha256sum examples/gen-server.rs | cut -c1-16) seed=$SEED"
if [ "$(cat "$TREE.stamp" 2>/dev/null)" != "$stamp" ]; then
    rm -rf "$TREE"
    echo "generating $ACCOUNTS accounts in $TREE ..." >&2
    target/release/examples/gen-server --accounts "$ACCOUNTS" --out "$TREE" --seed "$SEED" --no-mail >&2
    echo "$stamp" >"$TREE.stamp"
fi

RUN=$(mktemp -d /tmp/maillint-resolve.XXXXXX)
chmod 777 "$RUN"
cleanup() {
    [ -n "${NAMED_PID:-}" ] && kill "$NAMED_PID" 2>/dev/null && wait "$NAMED_PID" 2>/dev/null
    rm -rf "$RUN"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
zones=0
{
    echo "options { directory \"$RUN\"; pid-file none; listen-on port $port { 127.0.0.1; };"
    echo "  listen-on-v6 { none; }; recursion no; allow-query { 127.0.0.1; };"
    echo "  dnssec-validation no; notify no; session-keyfile none; zone-statistics no; };"
    echo "controls { };"
    echo "statistics-channels { };"
    echo "logging { category default { default_stderr; }; category lame-servers { null; }; };"
    for f in "$TREE"/var/named/*.db; do
        z=$(basename "$f" .db)
        echo "zone \"$z\" { type primary; file \"$f\"; };"
        zones=$((zones + 1))
    done
} >"$RUN/named.conf"
chmod 644 "$RUN/named.conf"
chmod -R a+rX "$TREE/var/named"
as_nobody=()
[ "$(id -u)" -eq 0 ] && as_nobody=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
start=$(date +%s.%N)
"${as_nobody[@]}" "$NAMED" -g -c "$RUN/named.conf" -n 2 >"$RUN/named.log" 2>&1 &
NAMED_PID=$!
until grep -q "running$" "$RUN/named.log"; do
    if ! kill -0 "$NAMED_PID" 2>/dev/null; then tail -20 "$RUN/named.log" >&2; exit 1; fi
    sleep 0.2
done
loaded=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
failed_zones=$(grep -c "not loaded due to errors" "$RUN/named.log" || true)
echo "named serves $zones zones on 127.0.0.1:$port (loaded in ${loaded}s, $failed_zones not loaded)" >&2

timer=()
[ -x /usr/bin/time ] && timer=(/usr/bin/time -f "cpu %U %S")
offline=()
for i in $(seq "$RUNS"); do
    t0=$(date +%s%N)
    "$MAILLINT" "$TREE" --ignore MBX --format concise --no-progress --exit-zero >/dev/null 2>&1
    t1=$(date +%s%N)
    offline+=($(( (t1 - t0) / 1000000 )))
done
walls=()
for i in $(seq "$RUNS"); do
    rm -f "$RUN/fds"
    t0=$(date +%s%N)
    named_cpu0=$(awk '{print $14 + $15}' /proc/$NAMED_PID/stat)
    "${timer[@]}" "$MAILLINT" "$TREE" --ignore MBX --resolve --resolver "127.0.0.1:$port" --format concise \
        --no-progress --exit-zero >"$RUN/out" 2>"$RUN/err" &
    pid=$!
    # The process to sample: maillint itself, under /usr/bin/time when it is there.
    mpid=$pid
    if [ ${#timer[@]} -gt 0 ]; then
        mpid=""
        while [ -z "$mpid" ] && kill -0 "$pid" 2>/dev/null; do
            mpid=$(cat /proc/$pid/task/$pid/children 2>/dev/null | awk '{print $1}' || true)
        done
    fi
    max=0
    while kill -0 "$pid" 2>/dev/null; do
        n=$(ls /proc/$mpid/fd 2>/dev/null | wc -l || true)
        [ "$n" -gt "$max" ] && max=$n
        sleep 0.005
    done
    wait "$pid"
    t1=$(date +%s%N)
    walls+=($(( (t1 - t0) / 1000000 )))
    named_cpu=$(( ($(awk '{print $14 + $15}' /proc/$NAMED_PID/stat) - named_cpu0) * 1000 / $(getconf CLK_TCK) ))
    cpu=$(tail -1 "$RUN/err" | awk '/^cpu/ {printf "%d", ($2 + $3) * 1000}' || true)
    echo "run $i: maillint CPU ${cpu:-?} ms, named CPU $named_cpu ms" >&2
    echo "run $i: $(( (t1 - t0) / 1000000 )) ms, at most $max file descriptors open" >&2
    echo "$max" >>"$RUN/maxfds"
done
median=$(printf '%s\n' "${walls[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")
median_off=$(printf '%s\n' "${offline[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")
maxfds=$(sort -n "$RUN/maxfds" | tail -1)
echo
echo "| accounts | zones served | runs | offline (median) | --resolve (median) | max fds open | DNS001 |"
echo "|---:|---:|---:|---:|---:|---:|---:|"
dns001=$(grep -c ' DNS001 ' "$RUN/out" || true)
echo "| $ACCOUNTS | $zones | $RUNS | $median_off ms | $median ms | $maxfds | $dns001 |"
echo
echo "named: $zones zones loaded in ${loaded}s ($failed_zones not loaded); machine: $(nproc) cores, load $(cut -d" " -f1 /proc/loadavg)"
echo
echo "DNS001 reasons (last run):"
grep ' DNS001 ' "$RUN/out" | sed -E 's/.*the lookup of [^ ]+ [A-Z]+ ([A-Z]+|timed out|not answered).*/\1/' | sort | uniq -c || true
echo
echo "Findings by rule (last run):"
awk '{print $2}' "$RUN/out" | grep -E '^[A-Z]+[0-9]{3}$' | sort | uniq -c | sort -rn | head -20 || true
