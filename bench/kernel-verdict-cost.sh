#!/usr/bin/env bash
# Usage: bench/kernel-verdict-cost.sh [BUILDS] [REPS] [OLD_REV]
# What asking the kernel for its verdict on its BTF costs a boot: each arch's existing build under
# BUILDS (default build/e2e-out/default/debian-6.1, what the e2e default matrix leaves) booted REPS
# times (default 5) with the probe of OLD_REV (default 03b675e, before the BPF calls) and with
# this checkout's, alternating; prints the median `boot` stage of each and the difference.
# Target (issue 26): the BPF calls add no more than 0.3 s to a boot on any arch.
# With COMPARE=module (bench/module-btf-cost.sh) both columns use this checkout's probe and the
# second boots with --module <build>/harness-btfmod/btfmod.ko: what checking module BTF adds.
# With COMPARE=both the first is OLD_REV's probe without a module, the second this checkout's
# with it: everything issue 26 added to a boot.
set -euo pipefail
compare=${COMPARE:-probe}
top=$(cd "$(dirname "$0")/.." && pwd)
builds=${1:-$top/build/e2e-out/default/debian-6.1}
reps=${2:-5}
old_rev=${3:-03b675e}
harness=$top/build/harness/cli/harness
work=$(mktemp -d /tmp/harness-verdict-cost.XXXXXX)
if [ "$compare" != module ]; then
  git -C "$top" worktree add --detach "$work/old" "$old_rev" >/dev/null 2>&1
  trap 'git -C "$top" worktree remove --force "$work/old"' EXIT
fi
boot_seconds() {
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); c=r["cells"][0]; print([s["seconds"] for s in c["stages"] if s["stage"]=="boot"][0], c["verdict"])' "$1"
}
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
if [ "$compare" = probe ]; then
  echo "builds: $builds; $reps boots per probe; old probe from $old_rev; output in $work"
else
  echo "builds: $builds; $reps boots without and with --module (the test module); output in $work"
fi
printf '%-8s %10s %10s %9s  %s\n' arch old_s new_s added verdicts
for dir in "$builds"/build-*-gcc; do
  arch=${dir##*/build-}
  arch=${arch%-gcc}
  kernel=$(find "$dir/arch" -path '*/boot/*' \( -name bzImage -o -name Image \) 2>/dev/null | head -1)
  [ -n "$kernel" ] || kernel=$dir/vmlinux  # ppc64 boots the vmlinux
  : >"$work/$arch.old"
  : >"$work/$arch.new"
  verdicts=""
  for ((i = 0; i < reps; i++)); do
    for which in old new; do
      data=$top
      extra=()
      if [ "$compare" = probe ]; then
        [ "$which" = old ] && data=$work/old
      fi
      if [ "$compare" != probe ] && [ "$which" = new ]; then
        extra=(--module "$dir/harness-btfmod/btfmod.ko")
      fi
      if [ "$compare" = both ] && [ "$which" = old ]; then
        data=$work/old
      fi
      "$harness" boot --arch "$arch" --kernel "$kernel" --vmlinux "$dir/vmlinux" --data-dir "$data" "${extra[@]}" \
        --accel tcg --out "$work/out-$arch-$which" >"$work/$arch-$which.log" 2>&1 || true
      read -r seconds verdict < <(boot_seconds "$work/out-$arch-$which/results.json")
      echo "$seconds" >>"$work/$arch.$which"
      verdicts="$verdicts $which:$verdict"
    done
  done
  old=$(median <"$work/$arch.old")
  new=$(median <"$work/$arch.new")
  printf '%-8s %10.2f %10.2f %+9.2f  %s\n' "$arch" "$old" "$new" "$(echo "$new - $old" | bc -l)" \
    "$(echo "$verdicts" | tr ' ' '\n' | grep -v '^$' | sort | uniq -c | tr -s ' \n' ' ')"
done
