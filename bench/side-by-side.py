#!/usr/bin/env python3
"""The harness against the raw commands it runs, in one run, on one machine, alternating.

Usage: bench/side-by-side.py FIGURE [--reps N] [--out DIR] [--arch A ...]

  warm      a warm re-run of the matrix (nothing changed since the last run into --out) against
            the raw commands it printed, one cell after another: each cell's make (a no-op) and
            its QEMU command to power-off
  series    per arch, the build after a series that touches only scripts/link-vmlinux.sh
            (regressions/output-format-objdump-fix, then back without it: both are relinks)
            against a raw relink: touch scripts/link-vmlinux.sh, then the printed make
  boot      per arch, `harness boot` of the built kernel (initramfs, QEMU, verify) against the
            raw QEMU command to power-off
  overhead  the harness's own time per cell in a warm re-run (stages[].harness_seconds: its wall
            time outside make, QEMU and git) as a share of the cell's time
  cold      the matrix from nothing (fresh --out and --cache: the tree imported again; empty
            ccache) against raw clean builds of the same .config with no ccache, one arch after
            another (--reps 1 unless given; half an hour per three arches)

--out is a harness output directory whose default matrix ran before (default
build/e2e-out/default, which the e2e tests leave); the raw commands are read from its
results.json (facts make_command, qemu_command). Guests write to a copy of the probe disk.
Every figure prints min / median / max of each side and the ratio of the medians.
"""
import argparse
import json
import os
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HARNESS = os.path.join(TOP, "build/harness/cli/harness")
SERIES = os.path.join(TOP, "kernel-patches/regressions/output-format-objdump-fix")
LOGS = tempfile.mkdtemp(prefix="side-by-side.")


def timed(command, env=None, timeout=3600, name="run"):
    """Runs a shell command (its output to a log), returns (seconds, exit status). A raw command
    that fails or times out would make a figure meaningless: that is said at once."""
    log = open(os.path.join(LOGS, f"{name}.{time.monotonic_ns()}.log"), "wb")
    start = time.monotonic()
    child = subprocess.Popen(command, shell=True, stdout=log, stderr=subprocess.STDOUT,
                             env=None if env is None else {**os.environ, **env}, start_new_session=True)
    try:
        status = child.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()
        status = "timeout"
    if status != 0 and name.startswith("raw"):
        print(f"  warning: {command[:120]}... ended with {status} (log {log.name})", flush=True)
    return time.monotonic() - start, status


def spread(values):
    return f"{min(values):7.2f} / {statistics.median(values):7.2f} / {max(values):7.2f} s"


def report(label, harness, raw, raw_label):
    ratio = statistics.median(harness) / statistics.median(raw)
    print(f"{label}")
    print(f"  harness  min/median/max {spread(harness)}  (n={len(harness)})")
    print(f"  raw      min/median/max {spread(raw)}  ({raw_label})")
    print(f"  ratio of medians: {ratio:.2f}x")


def cells(out, arches):
    results = json.load(open(os.path.join(out, "results.json")))
    chosen = [c for c in results["cells"] if not arches or c["arch"] in arches]
    for c in chosen:
        if "make_command" not in c["facts"] or "qemu_command" not in c["facts"]:
            sys.exit(f"{c['cell']} in {out} did not get as far as a boot: run the matrix into it first")
    return chosen


def make_dirs(cell):
    """The source tree (-C) and the build directory (O=) of the cell's printed make."""
    make = shlex.split(cell["facts"]["make_command"])
    return make[make.index("-C") + 1], next(m for m in make if m.startswith("O="))[2:]


def raw_qemu(cell):
    """The cell's QEMU command on a copy of its probe disk (the guest writes to it)."""
    command = cell["facts"]["qemu_command"]
    disk = os.path.join(cell["artifacts"], "probe-disk.raw")
    copy = os.path.join(LOGS, os.path.basename(cell["artifacts"]) + "-disk.raw")
    shutil.copyfile(disk, copy)
    return command.replace(disk, copy)


def harness_run(out, arches, extra=""):
    picks = " ".join(f"--arch {a}" for a in arches)
    return f"{HARNESS} run -j {os.cpu_count()} --progress plain --out {out} {picks} {extra}"


def warm(args):
    timed(harness_run(args.out, args.arch), name="warm-first")  # whatever was left to do
    chosen = cells(args.out, args.arch)  # this run's cells
    harness, raw = [], []
    for _ in range(args.reps):
        harness.append(timed(harness_run(args.out, args.arch), name="warm")[0])
        total = 0
        for c in chosen:
            total += timed(c["facts"]["make_command"], name="raw-make")[0]
            total += timed(raw_qemu(c), timeout=120, name="raw-qemu")[0]
        raw.append(total)
    report(f"warm re-run of {len(chosen)} cells ({harness_run(args.out, args.arch)})", harness, raw,
           "each cell's printed make, then its QEMU command to power-off, one after another")


def series(args):
    for cell in cells(args.out, args.arch):
        arch = cell["arch"]
        source, _ = make_dirs(cell)
        command = f"{HARNESS} run --progress plain --stop-after inspect --arch {arch} --out {args.out}"
        harness, raw = [], []
        timed(command, name="series-first")
        for i in range(args.reps):
            with_series = f" --series {SERIES}" if i % 2 == 0 else ""
            harness.append(timed(command + with_series, name="series")[0])
            os.utime(os.path.join(source, "scripts/link-vmlinux.sh"))
            raw.append(timed(cell["facts"]["make_command"], name="raw-relink")[0])
        timed(command, name="series-last")  # leaves the build as the matrix made it
        report(f"{arch}: relink after a link-vmlinux.sh-only series (harness run --stop-after inspect,"
               f" with and without --series {os.path.relpath(SERIES, TOP)} in turn)", harness, raw,
               "touch scripts/link-vmlinux.sh, then the printed make")


def boot(args):
    for cell in cells(args.out, args.arch):
        arch = cell["arch"]
        qemu = shlex.split(cell["facts"]["qemu_command"])
        kernel = qemu[qemu.index("-kernel") + 1]
        vmlinux = os.path.join(make_dirs(cell)[1], "vmlinux")
        scratch = os.path.join(LOGS, f"boot-{arch}")
        command = f"{HARNESS} boot --progress plain --arch {arch} --kernel {kernel} --vmlinux {vmlinux} --out {scratch}"
        timed(command, name="boot-first")  # builds the probe's initramfs once
        harness, raw = [], []
        for _ in range(args.reps):
            harness.append(timed(command, name="boot")[0])
            raw.append(timed(raw_qemu(cell), timeout=120, name="raw-qemu")[0])
        verdict = json.load(open(os.path.join(scratch, "results.json")))["cells"][0]["verdict"]
        report(f"{arch}: boot to verdict ({verdict}; harness boot --arch {arch})", harness, raw,
               "the printed QEMU command, to power-off")


def overhead(args):
    timed(harness_run(args.out, args.arch), name="overhead-first")
    shares = {}
    for _ in range(args.reps):
        timed(harness_run(args.out, args.arch), name="overhead")
        for c in cells(args.out, args.arch):
            stages = [s for s in c["stages"] if not s["skipped"] and not s["shared"]]
            own = sum(s.get("harness_seconds", 0) for s in stages)
            total = sum(s["seconds"] for s in stages)
            shares.setdefault(c["cell"], []).append((own, total))
    print("harness's own time per cell in a warm re-run (stages[].harness_seconds / stage seconds),"
          f" median of {args.reps}:")
    for cell, runs in shares.items():
        own = statistics.median(o for o, _ in runs)
        total = statistics.median(t for _, t in runs)
        print(f"  {cell:32s} {own:6.3f} s of {total:6.2f} s = {100 * own / total:5.1f} %")


def cold(args):
    chosen = cells(args.out, args.arch)
    harness, raw = [], []
    for rep in range(args.reps):
        fresh = tempfile.mkdtemp(prefix="cold-out.", dir=os.path.dirname(os.path.abspath(args.out)))
        cache = tempfile.mkdtemp(prefix="cold-ccache.")
        trees = os.path.join(fresh, "cache")  # the tree imported into git again, the probes rebuilt
        harness.append(timed(harness_run(fresh, args.arch, f"--cache {trees}"), env={"CCACHE_DIR": cache},
                             name="cold")[0])
        print(f"  harness from nothing: {harness[-1]:.1f} s ({fresh}/results.json)", flush=True)
        total = 0
        for c in chosen:
            make = shlex.split(c["facts"]["make_command"])
            make = make[make.index("make"):]  # without the ccache environment
            _, built = make_dirs(c)
            objdir = tempfile.mkdtemp(prefix=f"raw-{c['arch']}.", dir=fresh)
            shutil.copyfile(os.path.join(built, ".config"), os.path.join(objdir, ".config"))
            make = ["O=" + objdir if m.startswith("O=") else m for m in make]
            jobs = next(i for i, m in enumerate(make) if m.startswith("-j"))
            no_ccache = {"CCACHE_DISABLE": "1"}
            total += timed(shlex.join(make[:jobs] + ["olddefconfig"]), env=no_ccache, name="raw-config")[0]
            seconds = timed(shlex.join(make), env=no_ccache, name="raw-build")[0]
            print(f"  raw clean build {c['arch']}: {seconds:.1f} s", flush=True)
            total += seconds
        raw.append(total)
        shutil.rmtree(cache, ignore_errors=True)
    report(f"cold matrix of {len(chosen)} cells (fresh --out, empty ccache)", harness, raw,
           "olddefconfig + make of the same .config in a fresh O=, no ccache, one arch after another")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("figure", choices=["warm", "series", "boot", "overhead", "cold"])
    parser.add_argument("--reps", type=int, default=None, help="alternations (default 5; cold 1)")
    parser.add_argument("--out", default=os.path.join(TOP, "build/e2e-out/default"))
    parser.add_argument("--arch", action="append", default=[])
    args = parser.parse_args()
    args.out = os.path.abspath(args.out)
    if args.reps is None:
        args.reps = 1 if args.figure == "cold" else 5
    if not os.path.exists(os.path.join(args.out, "results.json")):
        sys.exit(f"{args.out}/results.json is missing: run the default matrix into it first "
                 f"({HARNESS} run --out {args.out})")
    print(f"{args.figure}: {args.reps} alternation(s), logs in {LOGS}", flush=True)
    globals()[args.figure](args)


if __name__ == "__main__":
    main()
