#!/usr/bin/env bash
# Runs the corest libFuzzer targets, one after the other.
#
#   tests/fuzz/run.sh BUILD_DIR [SECONDS_PER_TARGET] [TARGET...]
#
# BUILD_DIR: a build configured with clang and -DCOREST_BUILD_FUZZERS=ON (the
# fuzz_* executables are in BUILD_DIR/tests/fuzz). SECONDS_PER_TARGET defaults to 60.
# TARGET: names without the fuzz_ prefix (request_json, url, ...); default: all of them.
#
# Each target fuzzes a COPY of its seed corpus (tests/fuzz/corpus/<target>) in a
# temporary directory, so the corpus in the repository never grows. Options: the
# max_len of tests/fuzz/<target>.options and the dictionary tests/fuzz/<target>.dict
# when there is one. Crash/leak/timeout inputs are saved in the work directory
# (artifacts/<target>/), which is kept when anything failed.
#
# Environment:
#   FUZZ_WORK_DIR   work directory to use (kept) instead of a fresh temporary one
#   FUZZ_LOG_DIR    where <target>.log files go (default: FUZZ_WORK_DIR/logs)
#   FUZZ_JOBS_ARGS  extra libFuzzer arguments, e.g. "-seed=1"
#
# Exit status: 0 when no target crashed, leaked, timed out or ran out of memory; 1 otherwise
# (2 for a usage error or a missing executable).
set -uo pipefail

usage() {
  sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

[[ $# -ge 1 ]] || usage
[[ "$1" == "-h" || "$1" == "--help" ]] && usage
build_dir=$(cd "$1" 2>/dev/null && pwd) || { echo "run.sh: no build directory $1" >&2; exit 2; }
seconds=${2:-60}
[[ "$seconds" =~ ^[0-9]+$ && "$seconds" -gt 0 ]] || { echo "run.sh: seconds must be a positive integer, got '$seconds'" >&2; exit 2; }
shift $(( $# >= 2 ? 2 : 1 ))

fuzz_src=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
all_targets=(request_json url multipart retry_after set_cookie body_classify response_reader h2_session)
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=("${all_targets[@]}")

if [[ -n "${FUZZ_WORK_DIR:-}" ]]; then
  work=$FUZZ_WORK_DIR
  mkdir -p "$work"
  keep_work=1
else
  work=$(mktemp -d "${TMPDIR:-/tmp}/corest-fuzz.XXXXXX")
  keep_work=0
fi
logs=${FUZZ_LOG_DIR:-$work/logs}
mkdir -p "$logs"

# max_len from an .options file: "max_len = N" under [libfuzzer].
option_value() {
  local file=$1 key=$2
  [[ -f "$file" ]] || return 0
  sed -n "s/^[[:space:]]*$key[[:space:]]*=[[:space:]]*\([0-9][0-9]*\)[[:space:]]*$/\1/p" "$file" | tail -n 1
}

failed=()
summary=()
for t in "${targets[@]}"; do
  exe="$build_dir/tests/fuzz/fuzz_$t"
  if [[ ! -x "$exe" ]]; then
    echo "run.sh: $exe is missing (build the corest_fuzzers target)" >&2
    exit 2
  fi
  corpus="$work/corpus/$t"
  artifacts="$work/artifacts/$t"
  rm -rf "$corpus"
  mkdir -p "$corpus" "$artifacts"
  if [[ -d "$fuzz_src/corpus/$t" ]]; then
    cp -R "$fuzz_src/corpus/$t/." "$corpus/"
  fi
  args=(-max_total_time="$seconds" -print_final_stats=1 -timeout=25 -rss_limit_mb=2560
        -artifact_prefix="$artifacts/")
  max_len=$(option_value "$fuzz_src/$t.options" max_len)
  [[ -n "$max_len" ]] && args+=(-max_len="$max_len")
  [[ -f "$fuzz_src/$t.dict" ]] && args+=(-dict="$fuzz_src/$t.dict")
  # shellcheck disable=SC2206
  [[ -n "${FUZZ_JOBS_ARGS:-}" ]] && args+=(${FUZZ_JOBS_ARGS})
  log="$logs/$t.log"
  echo "== fuzz_$t: ${seconds}s, log $log"
  "$exe" "${args[@]}" "$corpus" >"$log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | awk '{print $2}')
  if [[ $rc -ne 0 ]]; then
    failed+=("$t")
    summary+=("$(printf '%-16s FAILED (exit %d) execs=%s cov=%s, see %s and %s' "$t" "$rc" "${execs:-?}" "${cov:-?}" "$log" "$artifacts")")
    grep -E '^(\*\*\* corest fuzz|==[0-9]+== ?ERROR|SUMMARY:)|runtime error:|Boost assertion' "$log" | head -n 5 >&2
  else
    summary+=("$(printf '%-16s ok execs=%s cov=%s' "$t" "${execs:-?}" "${cov:-?}")")
  fi
done

echo
echo "== summary (${seconds}s per target)"
printf '%s\n' "${summary[@]}"
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "failed: ${failed[*]} (work directory kept: $work)"
  exit 1
fi
[[ $keep_work -eq 1 ]] || rm -rf "$work"
exit 0
