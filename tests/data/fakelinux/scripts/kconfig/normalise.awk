# The fake tree's kconfig: reads a .config that may have fragments appended and writes it back
# in canonical form, the way olddefconfig resolves one.
#  - a later assignment of a symbol overrides an earlier one (as with merge_config.sh);
#  - "# CONFIG_FOO is not set" is an assignment of n;
#  - symbols named in `drop` (space or comma separated) are left out entirely, as kconfig
#    leaves out a symbol whose dependencies are not met;
#  - one select, so the debug-info choice reads as in a real tree: any DWARF choice selects
#    CONFIG_DEBUG_INFO.
# Every other symbol is taken as visible and kept. Symbols keep the order they first appeared in.
BEGIN {
  n = split(drop, names, /[ ,]+/)
  for (i = 1; i <= n; i++) if (names[i] != "") dropped[names[i]] = 1
}
/^CONFIG_[A-Za-z0-9_]+=/ {
  eq = index($0, "=")
  set(substr($0, 1, eq - 1), substr($0, eq + 1))
  next
}
/^# CONFIG_[A-Za-z0-9_]+ is not set$/ {
  set($2, "n")
  next
}
function set(name, value) {
  if (!(name in value_of)) order[++count] = name
  value_of[name] = value
}
END {
  for (i = 1; i <= count; i++) {
    if (order[i] ~ /^CONFIG_DEBUG_INFO_DWARF/ && value_of[order[i]] == "y") set("CONFIG_DEBUG_INFO", "y")
  }
  printf "#\n# Automatically generated file; DO NOT EDIT.\n# %s\n#\n", header
  for (i = 1; i <= count; i++) {
    name = order[i]
    if (name in dropped) continue
    if (value_of[name] == "n") printf "# %s is not set\n", name
    else printf "%s=%s\n", name, value_of[name]
  }
}
