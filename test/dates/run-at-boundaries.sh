#!/usr/bin/env bash
# npm run test:dates [-- <ISO instant>…]: runs the date-sensitive suites once per month-boundary instant.
#
# Each run moves the wall clock of vitest and everything it starts (keywarden workers, the sandbox, Chromium) to
# that instant with libfaketime (`faketime`, installed by ./setup), as an offset from the real clock so every process
# agrees and time keeps running; monotonic clocks (timers, timeouts) are left alone, and so are Redis (which
# libfaketime deadlocks; test/dates/unfaked) and Chromium (test/browser). The sandbox tests also start
# their sandbox clock there (KEYWARDEN_SANDBOX_NOW). Prints one line per instant and exits non-zero if any failed.
set -uo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo_root"

# The date-sensitive set: spend domain, spend e2e, sandbox and browser tests, and the boundary tests themselves.
SUITES=(test/spend/domain test/spend/e2e test/sandbox test/browser test/dates)

DEFAULT_INSTANTS=(
  2026-11-30T12:00:00Z # the last day of a 30-day month
  2026-12-01T00:10:00Z # the first minutes of a month
  2027-02-28T12:00:00Z # 28 Feb, common year
  2027-03-01T06:00:00Z # 1 Mar after a common February
  2028-02-28T12:00:00Z # 28 Feb, leap year
  2028-02-29T12:00:00Z # the leap day
  2026-12-31T12:00:00Z # the year's last day
  2027-01-01T00:30:00Z # the year's first half hour
  2027-01-31T23:15:00Z # the last hour of a month
)

if ! command -v faketime >/dev/null 2>&1; then
  echo "test:dates needs faketime (libfaketime): run ./setup, or sudo apt-get install faketime (macOS: brew install libfaketime)." >&2
  exit 1
fi

instants=("$@")
[ "${#instants[@]}" -gt 0 ] || instants=("${DEFAULT_INSTANTS[@]}")

log_dir="$repo_root/test-results/dates"
mkdir -p "$log_dir"
summary=()
failed=0
for instant in "${instants[@]}"; do
  target="$(date -u -d "$instant" +%s 2>/dev/null)" || {
    echo "not an instant: $instant (use ISO 8601, e.g. 2027-02-28T23:30:00Z)" >&2
    exit 2
  }
  offset=$((target - $(date -u +%s)))
  log="$log_dir/${instant//:/-}.log"
  printf '==> %s (clock offset %+ds) … ' "$instant" "$offset"
  started=$SECONDS
  # test/dates/unfaked first on PATH: a private redis-server runs on the real clock, like the shared one.
  PATH="$repo_root/test/dates/unfaked:$PATH" FAKETIME_DONT_FAKE_MONOTONIC=1 KEYWARDEN_SANDBOX_NOW="$instant" \
    faketime -f "$(printf '%+ds' "$offset")" \
    npx vitest run "${SUITES[@]}" --maxWorkers=1 >"$log" 2>&1
  rc=$?
  tests="$(sed -e 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '^\s+Tests ' | tail -1 | sed -e 's/^ *Tests *//')"
  if [ $rc -eq 0 ]; then
    line="$instant  passed  ${tests:-?}  ($((SECONDS - started)) s)"
  else
    failed=1
    line="$instant  FAILED  ${tests:-?}  ($((SECONDS - started)) s; log: ${log#"$repo_root"/})"
  fi
  echo "${line#"$instant  "}"
  summary+=("$line")
done

printf '\ntest:dates summary\n'
printf '  %s\n' "${summary[@]}"
exit $failed
