// Bad input is a harness error (exit 2) with a message a person can act on, never a crash and
// never a cell verdict; a bad vmlinux given to `inspect` is a failed check (exit 1), a file that
// is not ELF at all is bad input.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include "harness/core/lock.h"
#include "harness/core/util.h"
#include "harness/proc/runner.h"
#include "tests/support/temp_dir.h"

namespace harness {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

ProcessResult Harness(std::vector<std::string> args) {
  args.insert(args.begin(), HARNESS_BIN);
  return MakeRealRunner()->Run({.argv = args, .timeout = std::chrono::seconds(60)});
}

// A path in this test process's own directory, removed when the process ends.
std::filesystem::path Temp(const std::string& name) {
  static const testing::TempDir dir("cli-test");
  return dir / name;
}

TEST(CliTest, BadMatrixNamesFileLineAndKey) {
  const auto yaml = Temp("bad.yaml");
  WriteFile(yaml, "trees: [{name: t, path: /src}]\narches: [arm64]\ntimeout: {boot: 3}\n");
  ProcessResult r = Harness({"run", yaml.string(), "--out", Temp("out").string()});
  std::filesystem::remove(yaml);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("harness: error: " + yaml.string() + ":3:1: unknown key 'timeout' in the matrix, did you mean 'timeouts'?"));
}

TEST(CliTest, UnknownArchIsAHarnessError) {
  ProcessResult r = Harness({"run", "--arch", "riscv", "--out", Temp("out").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("--arch 'riscv' is not in"));
  EXPECT_THAT(r.output, HasSubstr("known arches: x86_64, arm64, s390x"));
}

// `run --list` prints every cell and every exclusion with its reason, and touches nothing: no
// tree is obtained (the cache stays empty), no output directory is made.
TEST(CliTest, ListPrintsCellsAndExclusionsAndBuildsNothing) {
  const auto cache = Temp("list-cache");
  const auto out = Temp("list-out");
  ProcessResult r = Harness({"run", std::string(HARNESS_SOURCE_DIR) + "/configs/nightly.yaml", "--list", "--cache",
                             cache.string(), "--out", out.string()});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("nightly.yaml: 36 cells, 30 to run, 6 excluded"));
  EXPECT_THAT(r.output, HasSubstr("  run      debian-5.10/none/riscv64/clang\n"));
  EXPECT_THAT(r.output, HasSubstr("  exclude  debian-6.12/none/s390x/clang    toolchain clang on s390x: ld.lld"));
  EXPECT_FALSE(std::filesystem::exists(cache));
  EXPECT_FALSE(std::filesystem::exists(out));

  r = Harness({"run", std::string(HARNESS_SOURCE_DIR) + "/configs/nightly.yaml", "--list", "--tree", "debian-6.12",
               "--arch", "x86_64", "--toolchain", "clang", "--out", out.string()});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("1 cell, 1 to run, 0 excluded\n  run      debian-6.12/none/x86_64/clang\n"));
  r = Harness({"run", std::string(HARNESS_SOURCE_DIR) + "/configs/nightly.yaml", "--list", "--toolchain", "icc",
               "--out", out.string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("--toolchain 'icc' is not in"));
}

// `cache prune` on a cache without imports says so and removes nothing.
TEST(CliTest, CachePruneOfAnEmptyCache) {
  const auto cache = Temp("prune-cache");
  ProcessResult r = Harness({"cache", "prune", "--dry-run", "--cache", cache.string()});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("nothing to prune"));
}

TEST(CliTest, BisectModeAbortsOnHarnessErrors) {
  ProcessResult r = Harness({"run", "--arch", "riscv", "--bisect", "--out", Temp("out").string()});
  EXPECT_EQ(r.exit_code, 255);
}

// Given a command line it cannot parse under git bisect run, it should abort the bisect (255),
// never exit 2, which git bisect run reads as "bad".
TEST(CliTest, BisectModeAbortsOnACommandLineItCannotParse) {
  EXPECT_EQ(Harness({"run", "--bisect", "--no-such-flag"}).exit_code, 255);
  EXPECT_EQ(Harness({"bisect-step"}).exit_code, 255);  // --state missing
  EXPECT_EQ(Harness({"bisect-step", "--state", Temp("state").string(), "--no-such-flag"}).exit_code, 255);
  EXPECT_EQ(Harness({"run", "--no-such-flag"}).exit_code, 2);  // outside a bisect, a usage error
}

// Given a bisect already running in --out, a second one (e.g. a --resume) should stop at once,
// naming the first, instead of driving the same git bisect and step log.
TEST(CliTest, SecondBisectOnOneOutDirIsRefused) {
  const auto out = Temp("bisect-out");
  {
    const FileLock held(out / ".bisect.lock", {.holder = "harness bisect (pid 42)"});
    ProcessResult r = Harness({"bisect", "--resume", "--out", out.string()});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_THAT(r.output, HasSubstr("is in use by harness bisect (pid 42)"));
  }
  std::filesystem::remove_all(out);
}

TEST(CliTest, MissingSeriesIsAHarnessError) {
  ProcessResult r = Harness({"run", "--series", "/nonexistent/series", "--out", Temp("out").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("--series '/nonexistent/series' does not exist"));
}

// Series are named after their file's stem: two with one name, or one named 'none' (the tree
// without patches), would silently collapse into one.
TEST(CliTest, SeriesWithTheSameNameAreAHarnessError) {
  const auto dir = Temp("series");
  WriteFile(dir / "a" / "fix.patch", "");
  WriteFile(dir / "b" / "fix.patch", "");
  WriteFile(dir / "c" / "none.patch", "");
  const std::string a = (dir / "a" / "fix.patch").string(), b = (dir / "b" / "fix.patch").string();
  ProcessResult twice = Harness({"run", "--series", a, "--series", b, "--out", Temp("out").string()});
  ProcessResult none = Harness({"run", "--series", (dir / "c" / "none.patch").string(), "--out", Temp("out").string()});
  std::filesystem::remove_all(dir);
  EXPECT_EQ(twice.exit_code, 2);
  EXPECT_THAT(twice.output, HasSubstr("harness: error: --series '" + a + "' and --series '" + b +
                                      "' are both named 'fix' (a series is named after its file or directory); rename one"));
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_THAT(none.output, HasSubstr("none.patch' would be named 'none', which means the tree without patches; rename it"));
}

// Given a file that is not ELF at all, inspect and boot should call it the wrong input (exit 2):
// it was never a vmlinux, so it says nothing about a kernel's .BTF. Boot refuses it before
// booting anything.
TEST(CliTest, NonElfVmlinuxIsAHarnessError) {
  const auto file = Temp("not-elf");
  WriteFile(file, "hello\n");
  const auto empty = Temp("empty");
  WriteFile(empty, "");
  const auto out = Temp("boot-out");
  ProcessResult r = Harness({"inspect", file.string()});
  ProcessResult json = Harness({"inspect", "--json", empty.string()});
  ProcessResult boot = Harness({"boot", "--arch", "x86_64", "--kernel", file.string(), "--vmlinux", file.string(),
                                "--out", out.string()});
  std::filesystem::remove(file);
  std::filesystem::remove(empty);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("harness: error: '" + file.string() + "' is not an ELF file"));
  EXPECT_THAT(r.output, Not(HasSubstr("verdict:")));
  EXPECT_EQ(json.exit_code, 2);
  EXPECT_THAT(json.output, HasSubstr("harness: error: '" + empty.string() + "' is not an ELF file"));
  EXPECT_EQ(boot.exit_code, 2) << boot.output;
  EXPECT_THAT(boot.output, HasSubstr("harness: error: --vmlinux '" + file.string() + "' is not an ELF file"));
  EXPECT_FALSE(std::filesystem::exists(out));
}

// Given boot --module naming another module than the probe loads, or one that does not exist, it
// should stop with a harness error saying so, before any boot.
TEST(CliTest, BootModuleMustBeTheTestModule) {
  const auto vmlinux = Temp("vmlinux");
  ProcessResult made = MakeRealRunner()->Run(
      {.argv = {FAKE_VMLINUX_BIN, "--machine", "62", "--class", "64", "--endian", "little", vmlinux.string()}});
  ASSERT_TRUE(made.ok()) << made.output;
  const auto out = Temp("boot-module-out");
  ProcessResult other = Harness({"boot", "--arch", "x86_64", "--kernel", vmlinux.string(), "--vmlinux", vmlinux.string(),
                                 "--module", "/tmp/e1000.ko", "--out", out.string()});
  EXPECT_EQ(other.exit_code, 2) << other.output;
  EXPECT_THAT(other.output, HasSubstr("--module '/tmp/e1000.ko': the probe loads the harness's test module, btfmod.ko"));
  ProcessResult missing = Harness({"boot", "--arch", "x86_64", "--kernel", vmlinux.string(), "--vmlinux",
                                   vmlinux.string(), "--module", "/nonexistent/btfmod.ko", "--out", out.string()});
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
  EXPECT_THAT(missing.output, HasSubstr("'/nonexistent/btfmod.ko' does not exist"));
  std::filesystem::remove(vmlinux);
  std::filesystem::remove_all(out);
}

// Given a vmlinux whose __stop_BTF lies 8 bytes past the section, it should fail the check
// (exit 1, a kernel verdict) and quote the disagreement.
TEST(CliTest, InspectOfMisplacedBtfSymbolsFailsTheCheck) {
  const auto file = Temp("vmlinux");
  ProcessResult made = MakeRealRunner()->Run({.argv = {FAKE_VMLINUX_BIN, "--machine", "62", "--class", "64", "--endian",
                                                       "little", "--stop-delta", "8", file.string()},
                                              .timeout = std::chrono::seconds(60)});
  ASSERT_EQ(made.exit_code, 0) << made.output;
  ProcessResult r = Harness({"inspect", file.string()});
  ProcessResult json = Harness({"inspect", "--json", file.string()});
  std::filesystem::remove(file);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("problem: __stop_BTF - __start_BTF = "));
  EXPECT_THAT(r.output, HasSubstr("verdict: BAD"));
  EXPECT_EQ(json.exit_code, 1);
  EXPECT_THAT(json.output, HasSubstr("\"symbol_problem\": \"__stop_BTF - __start_BTF = "));
}

// Given a vmlinux and a module built on it (issue 26), inspect --module should read the module's
// split BTF on the vmlinux's, in both byte orders, its own types numbered after the base's.
TEST(CliTest, InspectReadsAModulesSplitBtf) {
  for (const char* endian : {"little", "big"}) {
    const auto vmlinux = Temp(std::string("vmlinux-") + endian), ko = Temp(std::string("btfmod-") + endian + ".ko");
    for (const auto& [path, extra] : {std::pair{vmlinux, ""}, std::pair{ko, "--module"}}) {
      std::vector<std::string> argv = {FAKE_VMLINUX_BIN, "--machine", "22", "--class", "64", "--endian", endian,
                                       "--btf-types", "5"};
      if (*extra) argv.push_back(extra);
      argv.push_back(path.string());
      ProcessResult made = MakeRealRunner()->Run({.argv = argv, .timeout = std::chrono::seconds(60)});
      ASSERT_EQ(made.exit_code, 0) << made.output;
    }
    ProcessResult r = Harness({"inspect", vmlinux.string(), "--module", ko.string()});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_THAT(r.output, HasSubstr(ko.string() + " (module BTF, split on the vmlinux's):"));
    EXPECT_THAT(r.output, HasSubstr("2 types of its own (ids 6 to 7)"));
    ProcessResult json = Harness({"inspect", "--json", vmlinux.string(), "--module", ko.string()});
    EXPECT_EQ(json.exit_code, 0) << json.output;
    EXPECT_THAT(json.output, HasSubstr("\"first_id\": 6"));
    // The module alone, as if it were a vmlinux, is no base for anything: no PT_LOAD, no symbols.
    ProcessResult swapped = Harness({"inspect", ko.string(), "--module", vmlinux.string()});
    EXPECT_EQ(swapped.exit_code, 1) << swapped.output;
    std::filesystem::remove(vmlinux);
    std::filesystem::remove(ko);
  }
}

TEST(CliTest, InspectOfAMissingFileIsAHarnessError) {
  ProcessResult r = Harness({"inspect", "/nonexistent/vmlinux"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("harness: error:"));
}

TEST(CliTest, UnknownCorpusEntry) {
  ProcessResult r = Harness({"corpus", "no-such-entry", "--data-dir", HARNESS_SOURCE_DIR, "--out", Temp("out").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("no corpus entry 'no-such-entry'"));
}

// Given --stop-after build (which always meant inspect), it should refuse it and point to inspect.
TEST(CliTest, StopAfterBuildPointsToInspect) {
  ProcessResult r = Harness({"run", "--stop-after", "build", "--out", Temp("out").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("use --stop-after inspect"));
  r = Harness({"run", "--stop-after", "boot", "--out", Temp("out").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("'boot' is not a stage to stop after"));
}

// `harness --version` and `harness version` name the harness's version and what it reads
// vmlinux files with, and run nothing.
TEST(CliTest, VersionNamesTheHarnessAndItsLibraries) {
  for (const char* how : {"--version", "version"}) {
    ProcessResult r = Harness({how});
    EXPECT_EQ(r.exit_code, 0) << how << ": " << r.output;
    EXPECT_THAT(r.output, ::testing::StartsWith("harness 0.")) << how;
    EXPECT_THAT(r.output, HasSubstr("built with: ")) << how;
    EXPECT_THAT(r.output, HasSubstr("reads vmlinux with: libbpf ")) << how;
  }
}

// Given a misspelt command, the harness should name it and the nearest command, not say that a
// command is missing; given one near nothing, it should list the commands instead.
TEST(CliTest, UnknownCommandSuggestsTheNearest) {
  ProcessResult r = Harness({"runn", "--list"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("harness: error: unknown command 'runn' (did you mean 'run'?)"));
  EXPECT_THAT(r.output, Not(HasSubstr("A subcommand is required")));
  r = Harness({"frobnicate"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("harness: error: unknown command 'frobnicate'; the commands are run, corpus"));
  EXPECT_THAT(r.output, Not(HasSubstr("did you mean")));
  EXPECT_THAT(r.output, Not(HasSubstr("bisect-step")));  // hidden, never offered
  r = Harness({"cache", "prunee"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("unknown command 'cache prunee' (did you mean 'cache prune'?)"));
  EXPECT_EQ(Harness({"runn", "--bisect"}).exit_code, 255);  // under git bisect run: abort, not "bad"
}

// Given a number out of its range, each numeric option should say its range in plain words (CLI11
// alone printed a bound of 300 digits), exit 2, and run nothing.
TEST(CliTest, NumbersOutOfRangeSayTheRange) {
  const std::string out = Temp("range-out").string();
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"run", "--list", "-j", "0", "--out", out}, "--jobs: must be a whole number from 1 to 1024, not '0'"},
      {{"run", "--list", "--jobs", "99999999999999999999999", "--out", out},
       "--jobs: must be a whole number from 1 to 1024, not '99999999999999999999999'"},
      {{"run", "--list", "-j", "two", "--out", out}, "--jobs: must be a whole number from 1 to 1024, not 'two'"},
      {{"corpus", "-j", "-3", "--out", out}, "--jobs: must be a whole number from 1 to 1024, not '-3'"},
      {{"bisect", "-j", "0", "--out", out}, "--jobs: must be a whole number from 1 to 1024, not '0'"},
      {{"run", "--list", "--boot-timeout", "0", "--out", out},
       "--boot-timeout: must be a whole number from 1 to 86400, not '0'"},
      {{"cache", "import-tar", "--ref", "r", "--message", "m", "--ident", "i", "--strip-components", "-1"},
       "--strip-components: must be a whole number from 0 to 255, not '-1'"},
  };
  for (const auto& [args, message] : cases) {
    ProcessResult r = Harness(args);
    EXPECT_EQ(r.exit_code, 2) << ShellJoin(args) << ": " << r.output;
    EXPECT_THAT(r.output, HasSubstr(message)) << ShellJoin(args);
    EXPECT_THAT(r.output, Not(HasSubstr("e+308"))) << ShellJoin(args);
  }
  EXPECT_FALSE(std::filesystem::exists(out));
}

// `run --list` refuses (exit 2) what a run would refuse before its first build, changing nothing:
// a missing series, a tree that is not there, an unknown arch, a history or --out that cannot be
// a directory, and a --fail-on a run would refuse.
TEST(CliTest, ListRefusesWhatARunWouldRefuse) {
  const auto dir = Temp("list-checks");
  const auto tree = dir / "tree";
  std::filesystem::create_directories(tree);
  WriteFile(dir / "file", "not a directory\n");
  const auto out = dir / "out";
  int matrices = 0;  // each case reads its own file: the cases are all written before the first runs
  const auto matrix = [&](const std::string& trees, const std::string& rest) {
    const auto path = dir / ("matrix" + std::to_string(++matrices) + ".yaml");
    WriteFile(path, "trees: [" + trees + "]\narches: [x86_64]\ntoolchains: [gcc]\n" +
                        "kconfig: {base: tinyconfig, fragments: [common.config]}\n" + rest);
    return path.string();
  };
  const std::string good_tree = "{name: t, path: " + tree.string() + "}";
  const std::string data = std::string("--data-dir=") + HARNESS_SOURCE_DIR;
  const std::string out_flag = "--out=" + out.string();

  ProcessResult r = Harness({"run", matrix(good_tree, ""), "--list", data, out_flag});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("matrix1.yaml: 1 cell, 1 to run, 0 excluded\n  run      t/none/x86_64/gcc\n"));

  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"run", matrix(good_tree, "series: [{name: s, path: " + (dir / "no-such.patch").string() + "}]\n"), "--list",
        data, out_flag},
       "patch series '" + (dir / "no-such.patch").string() + "' does not exist"},
      {{"run", matrix("{name: t, path: " + (dir / "no-tree").string() + "}", ""), "--list", data, out_flag},
       "tree 't': '" + (dir / "no-tree").string() + "' is not a directory"},
      {{"run", matrix(good_tree, ""), "--list", "--arch", "sparc", data, out_flag},
       "--arch 'sparc' is not in"},
      {{"run", matrix(good_tree, "history: " + (dir / "file").string() + "\n"), "--list", data, out_flag},
       "--history '" + (dir / "file").string() + "' is not a directory that can be made"},
      {{"run", matrix(good_tree, ""), "--list", "--history", (dir / "file" / "h").string(), data, out_flag},
       "is not a directory that can be made: '" + (dir / "file").string() + "' is a file"},
      {{"run", matrix(good_tree, ""), "--list", data, "--out", (dir / "file" / "out").string()},
       "--out '" + (dir / "file" / "out").string() + "' is not a directory that can be made"},
      {{"run", matrix(good_tree, ""), "--list", "--fail-on", "new", data, out_flag}, "--fail-on new needs a history"},
  };
  for (const auto& [args, message] : cases) {
    r = Harness(args);
    EXPECT_EQ(r.exit_code, 2) << ShellJoin(args) << ": " << r.output;
    EXPECT_THAT(r.output, HasSubstr(message)) << ShellJoin(args);
  }
  // An unknown arch in the matrix itself is refused as it is read, --list or not.
  WriteFile(dir / "sparc.yaml", "trees: [" + good_tree + "]\narches: [sparc]\n");
  r = Harness({"run", (dir / "sparc.yaml").string(), "--list", data, out_flag});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("unknown arch 'sparc'"));
  EXPECT_FALSE(std::filesystem::exists(out));
  std::filesystem::remove_all(dir);
}

TEST(CliTest, UnknownOptionIsAUsageError) {
  ProcessResult r = Harness({"run", "--frobnicate"});
  EXPECT_EQ(r.exit_code, 2);
}

}  // namespace
}  // namespace harness
