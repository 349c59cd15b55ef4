#!/bin/sh
# The fake tree's pahole-version.sh: what kconfig records as CONFIG_PAHOLE_VERSION.
echo 124
