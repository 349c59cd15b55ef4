#!/bin/sh
# Only here so the harness takes this directory for a kernel tree.
exit 1
