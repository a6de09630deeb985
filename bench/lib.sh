# Shared set-up of the whole-run benchmark scripts (sourced by bench/compare.sh and
# bench/scoped.sh, from the repository root): GNU time required, maillint and the generator built
# in release, and these variables:
#   MAILLINT   the binary measured (MAILLINT_BIN overrides it: another build, e.g. an older
#              revision kept by bench/identical.sh)
#   GEN        the generator (examples/gen-server.rs)
#   BENCH_DIR  where trees are generated, made absolute (default target/bench-trees)
#   EXIM_CONF  the real cPanel exim.conf of the corpus (MAILLINT_CORPUS, default testdata/corpus),
#              installed in generated trees when present
# Usage: bench_setup SCRIPT_NAME
bench_setup() {
    if [ ! -x /usr/bin/time ]; then
        echo "$1 needs GNU time (/usr/bin/time): apt-get install time" >&2
        exit 2
    fi
    BENCH_DIR=${BENCH_DIR:-target/bench-trees}
    local corpus=${MAILLINT_CORPUS:-testdata/corpus}
    EXIM_CONF="$corpus/exim/cpanel/moko879_exim_forwarding__exim.conf"
    cargo build --release --quiet --bin maillint --example gen-server
    MAILLINT=${MAILLINT_BIN:-$PWD/target/release/maillint}
    GEN=$PWD/target/release/examples/gen-server
    mkdir -p "$BENCH_DIR"
    BENCH_DIR=$(cd "$BENCH_DIR" && pwd)
}
