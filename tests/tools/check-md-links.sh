#!/usr/bin/env bash
# Every relative link of the README and docs/ resolves: the file exists and a #anchor names one
# of its headings (GitHub's slug: lower case, punctuation dropped, spaces to dashes). A test
# (unit label) so that moving a section or renaming a page cannot leave a dead link behind.
#   tests/tools/check-md-links.sh [SOURCE_DIR]
set -euo pipefail
cd "${1:-.}"
slugs() { grep -E '^#{1,6} ' "$1" | sed -E 's/^#+ //' | tr 'A-Z' 'a-z' | sed -E 's/[^a-z0-9 _-]//g; s/ /-/g'; }
bad=0
for f in README.md docs/*.md; do
  while read -r target; do
    case $target in http*|mailto:*|'') continue ;; esac
    path=${target%%#*} anchor=
    [[ $target == *#* ]] && anchor=${target#*#}
    file=$f
    [[ -n $path ]] && file=$(dirname "$f")/$path
    if [[ ! -e $file ]]; then
      echo "$f: ($target): no such file"; bad=1
    elif [[ -n $anchor && -f $file ]] && ! slugs "$file" | grep -qxF -- "$anchor"; then
      echo "$f: ($target): no heading '$anchor' in $file"; bad=1
    fi
  done < <(grep -oE '\]\([^)]+\)' "$f" | sed -E 's/^\]\(//; s/\)$//')
done
[[ $bad == 0 ]] && echo "every link of README.md and docs/ resolves"
exit $bad
