#!/usr/bin/env bash
# Whole-run benchmarks of maillint against `cat` and `du -s`, on generated servers
# (PRODUCT.md "Performance"). Prints a Markdown report; BENCHMARKS.md records the figures.
#
#   bench/compare.sh                      # 500 and 5,000 accounts, 5 runs each
#   RUNS=3 SIZES="500" bench/compare.sh   # fewer
#
# Environment:
#   SIZES      account counts (default "500 5000"); the last two give the cost ratio
#   RUNS       runs per measurement; the median is reported (default 5)
#   SEED       generator seed (default 1)
#   MAIL       1 to generate mailboxes (needed for the MBX and du measurements; default 1)
#   COLD       1 to also measure with the page cache dropped before every run (needs root and
#              a writable /proc/sys/vm/drop_caches; default 1). Dropping the cache slows every
#              other process on the machine for a moment.
#   BENCH_DIR  where trees are generated, on a real disk so that cold runs read it
#              (default target/bench-trees). A tree is kept and reused while the generator
#              source is unchanged.
#   MAILLINT_CORPUS  the corpus of real files: its real cPanel exim.conf is installed in the
#              trees (default testdata/corpus; the generator's short configuration without it).
#
# Measurements, each as wall-clock median and CPU (user+sys) median of RUNS runs:
#   (a) `maillint TREE --ignore MBX` (mailboxes excluded) vs `cat` of every file it reads;
#   (b) `maillint TREE --select MBX` vs `du -s` of the mail trees: only once MBX rules exist
#       (`maillint rules` lists them); `du -s` is measured either way;
#   (c) peak resident memory (/usr/bin/time's maximum resident set size) of (a);
#   (d) the cost ratio of the largest size to the smallest.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=${SIZES:-"500 5000"}
RUNS=${RUNS:-5}
SEED=${SEED:-1}
MAIL=${MAIL:-1}
COLD=${COLD:-1}
# shellcheck source=bench/lib.sh
. bench/lib.sh
bench_setup compare.sh

can_drop=0
if [ "$COLD" = 1 ] && sync && echo 3 2>/dev/null >/proc/sys/vm/drop_caches; then
    can_drop=1
fi
drop_caches() { sync; echo 3 >/proc/sys/vm/drop_caches; }

has_mbx=0
if "$MAILLINT" rules | grep -q '^MBX'; then has_mbx=1; fi

exim_args=()
stamp_extra=short-exim
if [ -f "$EXIM_CONF" ]; then
    exim_args=(--exim-conf "$EXIM_CONF")
    stamp_extra=$(sha256sum "$EXIM_CONF" | cut -c1-16)
fi
gen_stamp="$(sha256sum examples/gen-server.rs | cut -c1-16) seed=$SEED mail=$MAIL exim=$stamp_extra"

# tree N -> path of the generated tree (generated when missing or stale)
tree() {
    local n=$1 dir="$BENCH_DIR/n$1"
    if [ "$(cat "$dir.stamp" 2>/dev/null)" != "$gen_stamp" ]; then
        rm -rf "$dir" "$dir.stamp" "$dir.files"
        local mail_arg=()
        [ "$MAIL" = 1 ] || mail_arg=(--no-mail)
        echo "generating $n accounts in $dir ..." >&2
        "$GEN" --accounts "$n" --out "$dir" --seed "$SEED" "${mail_arg[@]}" "${exim_args[@]}" >&2
        echo "$gen_stamp" >"$dir.stamp"
    fi
    # What maillint reads: the cPanel data, /etc, the zones, the DKIM keys and the mail
    # account files of every home (not the mailboxes).
    if [ ! -s "$dir.files" ]; then
        (cd "$dir" && find var/cpanel/users var/cpanel/userdata var/cpanel/domain_keys/public \
            var/cpanel/mainip var/named etc home*/*/etc -type f -print0) >"$dir.files"
    fi
    echo "$dir"
}

load() { cut -d' ' -f1 /proc/loadavg; }

# run_n MODE OUTVAR command... : runs the command RUNS times (MODE cold or warm), sets
# OUTVAR to "wall_median cpu_median maxrss_median_kib load_at_start"
run_n() {
    local mode=$1 var=$2
    shift 2
    local walls=() cpus=() rsss=() l
    l=$(load)
    "$@" >/dev/null 2>&1 || true # warm-up (and makes the warm runs warm)
    for _ in $(seq "$RUNS"); do
        [ "$mode" = cold ] && drop_caches
        local t0 t1 tf
        tf=$(mktemp)
        t0=$(date +%s%N)
        /usr/bin/time -f "%U %S %M" -o "$tf" "$@" >/dev/null 2>&1 || true
        t1=$(date +%s%N)
        read -r u s m < <(tail -n 1 "$tf")
        rm -f "$tf"
        walls+=($(((t1 - t0) / 1000)))
        cpus+=($(awk -v u="$u" -v s="$s" 'BEGIN { printf "%d", (u + s) * 1000000 }'))
        rsss+=("$m")
    done
    local mw mc mr
    mw=$(printf '%s\n' "${walls[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    mc=$(printf '%s\n' "${cpus[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    mr=$(printf '%s\n' "${rsss[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    printf -v "$var" '%s %s %s %s' "$mw" "$mc" "$mr" "$l"
}

ms() { awk -v us="$1" 'BEGIN { printf "%.0f ms", us / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f×", a / b; else print "-" }'; }

for n in $SIZES; do tree "$n" >/dev/null; done

echo "## maillint $(git describe --always --dirty 2>/dev/null || echo '?') — $(date -u +%Y-%m-%dT%H:%MZ)"
echo
echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r); load at start $(load)."
cold_note='not measurable here (drop_caches not writable)'
[ "$COLD" = 1 ] || cold_note='not measured (COLD=0)'
[ $can_drop = 1 ] && cold_note='measured (drop_caches before each run)'
echo "Runs per figure: $RUNS (median). Cold cache: $cold_note."
echo "MBX rules: $([ $has_mbx = 1 ] && echo present || echo 'not implemented yet: (b) measures du -s only')."
echo
echo "| accounts | files read | what | cache | wall | CPU | vs cat/du (wall) | vs cat/du (CPU) | peak RSS | load |"
echo "|---:|---:|---|---|---:|---:|---:|---:|---:|---:|"

declare -A WARM_WALL WARM_CPU
for n in $SIZES; do
    dir=$(tree "$n")
    nfiles=$(tr -cd '\0' <"$dir.files" | wc -c)
    modes=(warm)
    [ $can_drop = 1 ] && modes=(cold warm)
    for mode in "${modes[@]}"; do
        run_n "$mode" CAT bash -c "cd '$dir' && xargs -0 cat <'$dir.files'"
        run_n "$mode" LINT "$MAILLINT" "$dir" --ignore MBX --no-progress --format concise
        read -r cw cc _ cl <<<"$CAT"
        read -r lw lc lr ll <<<"$LINT"
        echo "| $n | $nfiles | cat (files maillint reads) | $mode | $(ms "$cw") | $(ms "$cc") | | | | $cl |"
        echo "| $n | $nfiles | **maillint --ignore MBX** | $mode | $(ms "$lw") | $(ms "$lc") | $(ratio "$lw" "$cw") | $(ratio "$lc" "$cc") | $((lr / 1024)) MiB | $ll |"
        if [ "$mode" = warm ]; then
            WARM_WALL[$n]=$lw
            WARM_CPU[$n]=$lc
        fi
        if [ "$MAIL" = 1 ]; then
            run_n "$mode" DU bash -c "cd '$dir' && du -s home*/*/mail"
            read -r dw dc _ dl <<<"$DU"
            echo "| $n | | du -s home*/*/mail | $mode | $(ms "$dw") | $(ms "$dc") | | | | $dl |"
            if [ $has_mbx = 1 ]; then
                run_n "$mode" MBX "$MAILLINT" "$dir" --select MBX --no-progress --format concise
                read -r mw mc mr ml <<<"$MBX"
                echo "| $n | | **maillint --select MBX** | $mode | $(ms "$mw") | $(ms "$mc") | $(ratio "$mw" "$dw") | $(ratio "$mc" "$dc") | $((mr / 1024)) MiB | $ml |"
            fi
        fi
    done
done

set -- $SIZES
if [ $# -ge 2 ]; then
    small=$1
    eval "large=\${$#}"
    echo
    echo "Cost ratio $large vs $small accounts (warm, maillint --ignore MBX): wall $(ratio "${WARM_WALL[$large]}" "${WARM_WALL[$small]}"), CPU $(ratio "${WARM_CPU[$large]}" "${WARM_CPU[$small]}") (linear: $((large / small))×)."
fi
