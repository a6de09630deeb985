#!/usr/bin/env bash
# Proves that a change does not change behaviour: builds maillint at two revisions and compares
# the JSON report (and the --fix --unsafe-fixes --dry-run diff) of every tree in testdata/ and
# of a generated server, byte for byte.
#
#   bench/identical.sh BASE [HEAD]      # HEAD defaults to the working tree
#
# Environment: ACCOUNTS (generated server size, default 500), SEED (default 1),
# PLANT (problems planted in the generated server), WORK (scratch directory, default
# target/identical).
set -euo pipefail
cd "$(dirname "$0")/.."
base=${1:?usage: bench/identical.sh BASE [HEAD]}
head=${2:-}
ACCOUNTS=${ACCOUNTS:-500}
SEED=${SEED:-1}
# Every problem the generator can plant, so that the rules have findings to compare.
PLANT=${PLANT:-RT001:3,RT002:3,RT003,RT004,RT005,RT006,RT007,RT008,RT009,RT010,RT011,RT012,MX001,MX002,MX003,MX005,CP001,CP002,CP003,CP006}
WORK=${WORK:-target/identical}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)

build() { # rev dir -> path of the binary (a revision's binaries are kept by commit)
    local rev=$1 dir=$2
    if [ -z "$rev" ]; then
        cargo build --release --quiet --bin maillint --example gen-server >&2
        echo "$PWD/target/release"
        return
    fi
    local sha
    sha=$(git rev-parse "$rev^{commit}")
    if [ -x "$WORK/bin-$sha/maillint" ]; then
        echo "$WORK/bin-$sha"
        return
    fi
    rm -rf "$dir"
    git worktree add --detach -q "$dir" "$rev" >&2
    (cd "$dir" && CARGO_TARGET_DIR="$WORK/target-base" cargo build --release --quiet --bin maillint --example gen-server >&2)
    git worktree remove --force "$dir" >&2
    mkdir -p "$WORK/bin-$sha"
    cp "$WORK/target-base/release/maillint" "$WORK/target-base/release/examples/gen-server" "$WORK/bin-$sha/"
    echo "$WORK/bin-$sha"
}

base_bin=$(build "$base" "$WORK/src-base")
cp "$base_bin/maillint" "$WORK/maillint-base"
head_bin=$(build "$head" "$WORK/src-head")
cp "$head_bin/maillint" "$WORK/maillint-head"

gen="$head_bin/examples/gen-server"
[ -x "$gen" ] || gen="$head_bin/gen-server"
tree="$WORK/gen-$ACCOUNTS-$SEED"
if [ ! -d "$tree" ]; then
    "$gen" --accounts "$ACCOUNTS" --out "$tree" --seed "$SEED" --plant "$PLANT" >/dev/null
fi

status=0
# Every rule alone, too: a rule must find the same with or without the others.
codes=$("$WORK/maillint-base" rules --format json | grep -o '"code": *"[A-Z0-9]*"' | grep -o '[A-Z]*[0-9][0-9][0-9]')
trees=()
for t in testdata/*/; do [ "$t" = testdata/corpus/ ] || trees+=("$t"); done
trees+=("$tree")
for t in "${trees[@]}"; do
    t=${t%/}
    [ -d "$t/var" ] || [ -d "$t/etc" ] || [ -d "$t/cp" ] || continue
    for mode in json diff; do
        for side in base head; do
            case $mode in
            json) "$WORK/maillint-$side" "$t" --format json --no-progress >"$WORK/out-$side" 2>/dev/null || true ;;
            diff) "$WORK/maillint-$side" "$t" --fix --unsafe-fixes --dry-run --no-progress >"$WORK/out-$side" 2>/dev/null || true ;;
            esac
        done
        if cmp -s "$WORK/out-base" "$WORK/out-head"; then
            echo "identical  $mode  $t ($(wc -c <"$WORK/out-head") bytes)"
        else
            echo "DIFFERENT  $mode  $t"
            { diff "$WORK/out-base" "$WORK/out-head" || true; } | head -20
            status=1
        fi
    done
done
for t in "${trees[@]}"; do
    t=${t%/}
    [ -d "$t/var" ] || [ -d "$t/etc" ] || [ -d "$t/cp" ] || continue
    different=()
    for code in $codes; do
        for side in base head; do
            "$WORK/maillint-$side" "$t" --select "$code" --format json --no-progress >"$WORK/out-$side" 2>/dev/null || true
        done
        # The findings only: the summary counts the files read, which a rule run alone reads
        # fewer of once the model loads only what the selected rules need.
        for side in base head; do
            python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["findings"]))' \
                <"$WORK/out-$side" >"$WORK/findings-$side" 2>/dev/null || true
        done
        cmp -s "$WORK/findings-base" "$WORK/findings-head" || different+=("$code")
    done
    if [ ${#different[@]} -eq 0 ]; then
        echo "identical  each rule alone  $t"
    else
        echo "DIFFERENT  each rule alone  $t: ${different[*]}"
        status=1
    fi
done
exit $status
