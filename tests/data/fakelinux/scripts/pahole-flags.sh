#!/bin/sh
# The fake tree's pahole-flags.sh: the flags the fake pahole in link-vmlinux.sh is given. As in
# Linux 5.10-6.1, make does not track it: vmlinux does not depend on it.
echo -j --lang_exclude=rust
