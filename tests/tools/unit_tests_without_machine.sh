#!/bin/sh
# Runs each unit test program given as an argument with PATH empty and HOME an empty directory,
# and fails when any of its tests fails or skips, or it writes into HOME. A unit test runs on
# fakes (FakeHost, FakeRunner): one that needs a compiler, QEMU, pahole or a file under HOME from
# this machine, or skips without them, reads the machine and belongs under the integration label.
set -u
root=$(mktemp -d "${TMPDIR:-/tmp}/harness-unit-no-machine.XXXXXX") || exit 2
trap 'rm -rf "$root"' EXIT
status=0
n=0
for program in "$@"; do
  n=$((n + 1))
  home="$root/home$n"
  log="$root/log$n"
  mkdir "$home" || exit 2
  if ! PATH= HOME="$home" "$program" >"$log" 2>&1; then
    echo "FAILED with PATH and HOME empty: $program"
    grep -E '^\[  FAILED  \]|Failure' "$log" | head -n 40
    status=1
  elif grep -q '^\[  SKIPPED \]' "$log"; then
    echo "SKIPPED with PATH and HOME empty (it looks at the machine): $program"
    grep '^\[  SKIPPED \]' "$log" | head -n 40
    status=1
  fi
  if [ -n "$(ls -A "$home")" ]; then
    echo "wrote into HOME: $program:" $(ls -A "$home")
    status=1
  fi
done
[ "$status" -eq 0 ] && echo "$n unit test programs passed with PATH and HOME empty"
exit "$status"
