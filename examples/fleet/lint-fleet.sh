#!/usr/bin/env bash
# Runs maillint over ssh on every server listed in HOSTS (one ssh destination a line; blank lines
# and # comments skipped), a few at a time with xargs -P, and collects the findings as JSON lines
# in OUT/:
#
#   OUT/hosts/HOST.jsonl   the findings of one server, each object with "host" added
#   OUT/hosts/HOST.err     what maillint or ssh said on standard error
#   OUT/fleet.jsonl        every finding of every server
#   OUT/status.tsv         HOST, exit code, number of findings, state (findings / clean / error:
#                          maillint could not run, or ssh failed)
#
# Usage:
#   examples/fleet/lint-fleet.sh HOSTS OUT [maillint options...]
#   examples/fleet/lint-fleet.sh servers.txt results --select RT,MX
#
# Environment: PARALLEL (servers at a time, default 8), SSH (the ssh command, default
# `ssh -o BatchMode=yes -o ConnectTimeout=10`), MAILLINT (the command on the servers, default
# `maillint`), MAILLINT_ROOT (the tree to lint on the servers, default /).
#
# It needs bash, ssh and xargs here, maillint on the servers (the .rpm / .deb of a release), and
# nothing else; jq makes the results easy to read:
#   jq -r '[.host, .severity, .code, .domain] | @tsv' OUT/fleet.jsonl | sort | uniq -c
# Exit code: 0 when every server answered (with or without findings), 1 when some did not.
set -euo pipefail

if [ $# -lt 2 ]; then
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
fi
hosts_file=$1
out=$2
shift 2

mkdir -p "$out/hosts"
rm -f "$out"/hosts/*.jsonl "$out"/hosts/*.err
: >"$out/status.tsv"

# The remote command, quoted once for the remote shell.
remote=$(printf '%q ' "${MAILLINT:-maillint}" "${MAILLINT_ROOT:-/}" --format json-lines "$@")
export LINT_OUT=$out LINT_REMOTE=$remote LINT_SSH=${SSH:-ssh -o BatchMode=yes -o ConnectTimeout=10}

lint_one() {
  local host=$1 file code n state
  # A destination becomes a file name: keep it to the characters of host names and user@.
  if [[ ! $host =~ ^[A-Za-z0-9@._:-]+$ ]]; then
    printf '%s\t-\t0\terror: not a host name\n' "$host" >>"$LINT_OUT/status.tsv"
    return 0
  fi
  file="$LINT_OUT/hosts/$host"
  code=0
  # shellcheck disable=SC2086 # LINT_SSH is a command with its options.
  $LINT_SSH "$host" "$LINT_REMOTE" </dev/null >"$file.raw" 2>"$file.err" || code=$?
  # Each line is one finding object: add the host as its first key (the host matched the
  # pattern above, so it needs no JSON escaping).
  sed "s/^{/{\"host\":\"$host\",/" "$file.raw" >"$file.jsonl"
  rm -f "$file.raw"
  n=$(wc -l <"$file.jsonl")
  case $code in
    0) state=clean ;;
    1) state=findings ;;
    *) state="error: $(head -n 1 "$file.err")" ;;
  esac
  # One short line each: appends of less than PIPE_BUF bytes do not interleave.
  printf '%s\t%s\t%s\t%.200s\n' "$host" "$code" "$n" "$state" >>"$LINT_OUT/status.tsv"
}
export -f lint_one

# shellcheck disable=SC2016 # $1 is expanded by the bash that xargs starts, on purpose.
grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' "$hosts_file" |
  xargs -r -d '\n' -n 1 -P "${PARALLEL:-8}" bash -c 'lint_one "$1"' lint_one

cat "$out"/hosts/*.jsonl >"$out/fleet.jsonl" 2>/dev/null || : >"$out/fleet.jsonl"
sort -o "$out/status.tsv" "$out/status.tsv"
failed=$(awk -F '\t' '$4 ~ /^error/' "$out/status.tsv" | wc -l)
echo "$(wc -l <"$out/status.tsv") servers, $(wc -l <"$out/fleet.jsonl") findings in $out/fleet.jsonl; $failed failed (see $out/status.tsv)" >&2
[ "$failed" -eq 0 ]
