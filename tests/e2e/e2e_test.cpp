// End-to-end tests: each runs the real `harness` binary and reads its results.json. They prove
// that PASS is earned and that every failing verdict can really fire on a real kernel.
#include <gtest/gtest.h>

#include <dirent.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <thread>
#include <nlohmann/json.hpp>

#include "harness/arch/arch.h"
#include "harness/core/util.h"
#include "harness/proc/runner.h"
#include "tests/support/loopback.h"

namespace harness {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kOut = E2E_OUT;
const char* kArches[] = {"x86_64", "arm64", "s390x", "riscv64", "ppc64", "i386"};

struct HarnessRun {
  int exit_code = -1;
  std::string output;
  json results;
};

HarnessRun RunHarness(std::vector<std::string> args, const fs::path& out, int timeout_s = 3000,
                      std::map<std::string, std::string> env = {}) {
  auto runner = MakeRealRunner();
  std::vector<std::string> argv = {HARNESS_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.insert(argv.end(), {"--out", out.string(), "--data-dir", HARNESS_SOURCE_DIR});
  fs::create_directories(out);
  ProcessResult r = runner->Run({.argv = argv, .env = std::move(env), .log_path = out / "harness-output.log",
                                 .timeout = std::chrono::seconds(timeout_s)});
  HarnessRun run{r.exit_code, r.output, {}};
  if (fs::exists(out / "results.json")) run.results = json::parse(ReadFile(out / "results.json"));
  return run;
}

// What the end-to-end path needs and this machine lacks; empty when everything is there.
std::string MissingTool() {
  for (const char* tool : {"make", "pahole", "x86_64-linux-gnu-gcc", "aarch64-linux-gnu-gcc", "s390x-linux-gnu-gcc",
                           "qemu-system-x86_64", "qemu-system-aarch64", "qemu-system-s390x"}) {
    if (FindProgram(tool).empty()) return std::string(tool) + " is not installed (run ./scripts/setup.sh)";
  }
  if (!fs::exists("/usr/src/linux-source-6.1.tar.xz")) return "linux-source-6.1 is not installed";
  return "";
}

// Skips (never passes, never runs on to fail) when a tool is missing. A macro, because
// GTEST_SKIP() returns only from the function it is written in: inside a helper, the test
// would run on.
#define REQUIRE_TOOLS()                                                               \
  do {                                                                                \
    if (const std::string missing = MissingTool(); !missing.empty()) GTEST_SKIP() << missing; \
  } while (0)

// Layout of an output directory: <out>/<tree>/<series>/<arch>-gcc holds a cell's artifacts,
// <out>/<tree>/build-<arch>-gcc its O= build directory (shared by the tree's series).
fs::path CellDir(const std::string& arch, const fs::path& out = kOut / "default") {
  return out / "debian-6.1" / "none" / (arch + "-gcc");
}
fs::path BuildDir(const std::string& arch, const fs::path& out = kOut / "default") {
  return out / "debian-6.1" / ("build-" + arch + "-gcc");
}
fs::path Vmlinux(const std::string& arch) { return BuildDir(arch) / "vmlinux"; }
fs::path Image(const std::string& arch, const fs::path& out = kOut / "default") {
  return BuildDir(arch, out) / std::string(FindArch(arch)->boot_image);
}

json Inspect(const fs::path& vmlinux) {
  auto runner = MakeRealRunner();
  ProcessResult r = runner->Run({.argv = {HARNESS_BIN, "inspect", "--json", vmlinux.string()}});
  return json::parse(r.output);
}

const json& OnlyCell(const HarnessRun& run) {
  static const json empty;
  if (!run.results.contains("cells") || run.results["cells"].size() != 1) {
    ADD_FAILURE() << "expected one cell in results.json; harness said:\n" << run.output;
    return empty;
  }
  return run.results["cells"][0];
}

void WriteBytesAt(const fs::path& path, std::uint64_t offset, const std::vector<std::uint8_t>& bytes) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(f.good());
}

// Sets sh_size of the section at `sh_offset` in an ELF64 file (either byte order) to `size`.
void SetSectionSize(const fs::path& path, std::uint64_t sh_offset, std::uint64_t size) {
  std::string elf = ReadFile(path);
  const bool big = elf[5] == 2;
  auto load = [&](std::size_t at, int n) {
    std::uint64_t v = 0;
    for (int i = 0; i < n; ++i) {
      std::uint8_t b = static_cast<std::uint8_t>(elf[at + (big ? i : n - 1 - i)]);
      v = v << 8 | b;
    }
    return v;
  };
  const std::uint64_t shoff = load(0x28, 8);
  const std::uint64_t shentsize = load(0x3a, 2), shnum = load(0x3c, 2);
  for (std::uint64_t i = 0; i < shnum; ++i) {
    const std::size_t sh = shoff + i * shentsize;
    if (load(sh + 0x18, 8) != sh_offset) continue;
    std::vector<std::uint8_t> bytes(8);
    for (int b = 0; b < 8; ++b) bytes[big ? 7 - b : b] = static_cast<std::uint8_t>(size >> (8 * b));
    WriteBytesAt(path, sh + 0x20, bytes);
    return;
  }
  FAIL() << "no section at offset " << sh_offset;
}

// Adds `delta` to the value of the symbol `name` in the .symtab of an ELF64 file (either byte
// order): to keep __stop_BTF - __start_BTF equal to a section size a test changed, so the
// inspector's symbol check (which stops a cell before boot) does not hide the guest-side verdict.
void ShiftSymbol(const fs::path& path, const std::string& name, std::int64_t delta) {
  std::string elf = ReadFile(path);
  const bool big = elf[5] == 2;
  auto load = [&](std::size_t at, int n) {
    std::uint64_t v = 0;
    for (int i = 0; i < n; ++i) v = v << 8 | static_cast<std::uint8_t>(elf[at + (big ? i : n - 1 - i)]);
    return v;
  };
  const std::uint64_t shoff = load(0x28, 8), shentsize = load(0x3a, 2), shnum = load(0x3c, 2);
  for (std::uint64_t i = 0; i < shnum; ++i) {
    const std::size_t sh = shoff + i * shentsize;
    if (load(sh + 4, 4) != 2) continue;  // SHT_SYMTAB
    const std::size_t strtab = load(shoff + load(sh + 0x28, 4) * shentsize + 0x18, 8);
    const std::size_t offset = load(sh + 0x18, 8), size = load(sh + 0x20, 8);
    for (std::size_t sym = offset; sym + 24 <= offset + size; sym += 24) {
      if (std::string(elf.c_str() + strtab + load(sym, 4)) != name) continue;
      const std::uint64_t value = load(sym + 8, 8) + static_cast<std::uint64_t>(delta);
      std::vector<std::uint8_t> bytes(8);
      for (int b = 0; b < 8; ++b) bytes[big ? 7 - b : b] = static_cast<std::uint8_t>(value >> (8 * b));
      WriteBytesAt(path, sym + 8, bytes);
      return;
    }
  }
  FAIL() << "no symbol " << name << " in " << path;
}

bool ProcessMentioning(const std::string& needle) {
  DIR* proc = opendir("/proc");
  bool found = false;
  while (dirent* d = readdir(proc)) {
    if (!std::isdigit(static_cast<unsigned char>(d->d_name[0]))) continue;
    std::ifstream in(std::string("/proc/") + d->d_name + "/cmdline", std::ios::binary);
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (cmdline.find(needle) != std::string::npos && cmdline.find("e2e_test") == std::string::npos) found = true;
  }
  closedir(proc);
  return found;
}

// The default matrix: Debian 6.1 built for all six arches, each booted, each PASS; and
// each vmlinux inspected: allocated .BTF inside a LOAD segment, symbols match, the magic in the
// target's byte order, thousands of types.
TEST(E2E, DefaultMatrixPassesOnAllArches) {
  REQUIRE_TOOLS();
  HarnessRun run = RunHarness({"run", "-j", std::to_string(std::max(1u, std::thread::hardware_concurrency()))},
                              kOut / "default");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  ASSERT_EQ(run.results["cells"].size(), std::size(kArches));
  for (const auto& cell : run.results["cells"]) {
    EXPECT_EQ(cell["verdict"], "pass") << cell.dump(2);
    EXPECT_EQ(cell["facts"]["section_size"], cell["facts"]["guest_size"]);
    EXPECT_EQ(cell["facts"]["guest_mode"], "0444");
    EXPECT_EQ(cell["facts"]["guest_build_id"], cell["facts"]["vmlinux_build_id"]);
    EXPECT_TRUE(cell["facts"].contains("accel")) << cell.dump(2);
    // The kernel's own verdict and the test module's BTF were checked, not skipped.
    EXPECT_EQ(cell["facts"]["kernel_btf_load"], "ok") << cell.dump(2);
    const std::string module = cell["facts"].value("module_btf", "");
    EXPECT_TRUE(module.starts_with("/sys/kernel/btf/btfmod: ")) << cell.dump(2);
    EXPECT_NE(module.find("bytes identical to the .ko's .BTF"), std::string::npos) << module;
  }
  for (const std::string arch : kArches) {
    SCOPED_TRACE(arch);
    // The module's bytes as the guest served them equal the .ko's .BTF, kept beside the cell.
    EXPECT_EQ(ReadFile(CellDir(arch) / "guest-module.btf"), ReadFile(CellDir(arch) / "module.btf"));
    EXPECT_GT(ReadFile(CellDir(arch) / "module.btf").size(), 24u);
    json info = Inspect(Vmlinux(arch));
    EXPECT_TRUE(info["ok"].get<bool>()) << info.dump(2);
    EXPECT_TRUE(info["btf"]["alloc"].get<bool>());
    EXPECT_TRUE(info["btf"]["in_load_segment"].get<bool>());
    EXPECT_EQ(info["btf"]["start_symbol"], "__start_BTF");
    EXPECT_EQ(info["btf"]["stop_value"].get<std::uint64_t>() - info["btf"]["start_value"].get<std::uint64_t>(),
              info["btf"]["size"].get<std::uint64_t>());
    EXPECT_GT(info["btf"]["type_count"].get<int>(), 1000);
    // The guest's bytes, kept by the harness, start with the magic in the target's order.
    std::string guest = ReadFile(CellDir(arch) / "guest.btf");
    ASSERT_GE(guest.size(), 2u);
    const std::string expected = FindArch(arch)->endian == Endian::kBig ? "eb9f" : "9feb";
    EXPECT_EQ(ToHex(std::span(reinterpret_cast<const std::uint8_t*>(guest.data()), 2)), expected);
  }
}

// A copy of the default matrix's vmlinux for `arch`, to be damaged by a test.
fs::path CopyVmlinux(const std::string& arch, const fs::path& dir) {
  fs::create_directories(dir);
  fs::copy_file(Vmlinux(arch), dir / "vmlinux", fs::copy_options::overwrite_existing);
  return dir / "vmlinux";
}

// One byte flipped in a copy of the vmlinux's .BTF: the guest (booting the real image) must
// differ at exactly that offset, and only there.
TEST(E2E, FlippedByteIsContentMismatchAtThatOffset) {
  REQUIRE_TOOLS();
  const fs::path copy = CopyVmlinux("arm64", kOut / "flip");
  json info = Inspect(copy);
  const std::uint64_t offset = 4096 + 123;
  const std::uint64_t at = info["btf"]["offset"].get<std::uint64_t>() + offset;
  std::string bytes = ReadFile(copy);
  WriteBytesAt(copy, at, {static_cast<std::uint8_t>(bytes[at] ^ 0x40)});

  HarnessRun run = RunHarness({"boot", "--arch", "arm64", "--kernel", Image("arm64").string(),
                               "--vmlinux", copy.string()}, kOut / "flip" / "out", 600);
  EXPECT_EQ(run.exit_code, 1) << run.output;
  const json& cell = OnlyCell(run);
  EXPECT_EQ(cell["verdict"], "content-mismatch") << cell.dump(2);
  EXPECT_EQ(cell["facts"]["offset"], std::to_string(offset));
  EXPECT_EQ(cell["facts"]["differing_bytes"], "1");
  EXPECT_TRUE(fs::exists(kOut / "flip" / "out" / "boot-arm64" / "btf-diff.txt"));
}

// The section truncated by one byte in a copy: size mismatch, naming both sizes.
TEST(E2E, TruncatedSectionIsSizeMismatch) {
  REQUIRE_TOOLS();
  const fs::path copy = CopyVmlinux("s390x", kOut / "truncate");
  json info = Inspect(copy);
  const std::uint64_t size = info["btf"]["size"].get<std::uint64_t>();
  SetSectionSize(copy, info["btf"]["offset"].get<std::uint64_t>(), size - 1);
  ShiftSymbol(copy, "__stop_BTF", -1);  // symbols that disagree would stop the cell before boot
  ASSERT_EQ(Inspect(copy)["btf"]["size"].get<std::uint64_t>(), size - 1);
  ASSERT_EQ(Inspect(copy)["btf"]["stop_value"].get<std::uint64_t>() - Inspect(copy)["btf"]["start_value"].get<std::uint64_t>(),
            size - 1);

  HarnessRun run = RunHarness({"boot", "--arch", "s390x", "--kernel", Image("s390x").string(),
                               "--vmlinux", copy.string()}, kOut / "truncate" / "out", 600);
  EXPECT_EQ(run.exit_code, 1) << run.output;
  const json& cell = OnlyCell(run);
  EXPECT_EQ(cell["verdict"], "size-mismatch") << cell.dump(2);
  EXPECT_EQ(cell["detail"], "guest st_size " + std::to_string(size) + ", section size " + std::to_string(size - 1) +
                                ", " + std::to_string(size) + " bytes readable");
}

// A guest that never powers off: timed out, with the console's last lines, and no QEMU left.
TEST(E2E, GuestThatNeverPowersOffTimesOut) {
  REQUIRE_TOOLS();
  const fs::path out = kOut / "hang";
  HarnessRun run = RunHarness({"boot", "--arch", "arm64", "--kernel", Image("arm64").string(),
                               "--vmlinux", Vmlinux("arm64").string(), "--cmdline", "harness.hang",
                               "--boot-timeout", "8"}, out, 600);
  EXPECT_EQ(run.exit_code, 1) << run.output;
  const json& cell = OnlyCell(run);
  EXPECT_EQ(cell["verdict"], "timed-out") << cell.dump(2);
  EXPECT_NE(cell.dump().find("hanging as asked"), std::string::npos) << "console tail missing: " << cell.dump(2);
  EXPECT_FALSE(ProcessMentioning((out / "boot-arm64").string())) << "a QEMU process outlived the timeout";
}

// A kernel built without CONFIG_DEBUG_INFO_BTF: the guest has no /sys/kernel/btf/vmlinux. And
// that kernel checked against the BTF build's vmlinux is a stale image.
TEST(E2E, KernelWithoutBtfIsBtfFileMissing) {
  REQUIRE_TOOLS();
  const fs::path out = kOut / "nobtf";
  HarnessRun run = RunHarness({"run", "--arch", "arm64", "--fragment",
                               std::string(HARNESS_SOURCE_DIR) + "/configs/kconfig/no-btf.config"}, out);
  EXPECT_EQ(run.exit_code, 1) << run.output;
  const json& cell = OnlyCell(run);
  EXPECT_EQ(cell["verdict"], "btf-file-missing") << cell.dump(2);

  HarnessRun stale = RunHarness({"boot", "--arch", "arm64", "--kernel", Image("arm64", out).string(),
                                 "--vmlinux", Vmlinux("arm64").string()}, out / "stale", 600);
  EXPECT_EQ(stale.exit_code, 1) << stale.output;
  EXPECT_EQ(OnlyCell(stale)["verdict"], "stale-image") << OnlyCell(stale).dump(2);
}

// A series that breaks arm64 alone, at the link: it names the .BTF input sections in arm64's
// linker script, where the preprocessor expands "BTF" as vmlinux.lds.h's BTF macro, so ld
// rejects the script ("vmlinux.lds:12: syntax error", build failed). An arch-only link-script
// change of the kind the harness is for; the other arches' makes find nothing to do.
constexpr char kArm64DropsBtf[] =
    "From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\n"
    "From: harness e2e <e2e@harness.invalid>\n"
    "Date: Wed, 2 Dec 2026 04:00:00 +0000\n"
    "Subject: [PATCH] arm64: vmlinux.lds: discard .BTF\n"
    "\n"
    "---\n"
    " arch/arm64/kernel/vmlinux.lds.S | 1 +\n"
    " 1 file changed, 1 insertion(+)\n"
    "\n"
    "diff --git a/arch/arm64/kernel/vmlinux.lds.S b/arch/arm64/kernel/vmlinux.lds.S\n"
    "--- a/arch/arm64/kernel/vmlinux.lds.S\n"
    "+++ b/arch/arm64/kernel/vmlinux.lds.S\n"
    "@@ -150,4 +150,5 @@\n"
    " \t\t*(.interp .dynamic)\n"
    " \t\t*(.dynsym .dynstr .hash .gnu.hash)\n"
    " \t\t*(.ARM.attributes)\n"
    "+\t\t*(.BTF)\n"
    " \t}\n";

// Issue 14's night over night: the default matrix kept in a history, then again with a series
// that breaks arm64. The second run's results, summary.md and report.html show arm64 as the one
// new failure, introduced by the series (re-checked without it), and the other arches passing.
// In the default matrix's output directory: the first run is a warm re-run, the second relinks
// arm64 twice (with the series, then without it for the re-check, which leaves it as it was).
TEST(E2E, HistoryShowsTheSeriesBreakingArm64AsTheNewFailure) {
  REQUIRE_TOOLS();
  const fs::path history = kOut / "history", series = kOut / "arm64-drops-btf.patch";
  fs::remove_all(history);
  WriteFile(series, kArm64DropsBtf);
  HarnessRun first = RunHarness({"run", "-j", "2", "--history", history.string()}, kOut / "default");
  ASSERT_EQ(first.exit_code, 0) << first.output;
  HarnessRun second = RunHarness({"run", "-j", "2", "--history", history.string(), "--series", series.string()},
                                 kOut / "default");
  EXPECT_EQ(second.exit_code, 1) << second.output;
  ASSERT_EQ(second.results["cells"].size(), std::size(kArches)) << second.output;
  for (const auto& cell : second.results["cells"]) {
    SCOPED_TRACE(cell["cell"].get<std::string>());
    if (cell["arch"] == "arm64") {
      EXPECT_NE(cell["verdict"], "pass") << cell.dump(2);
      EXPECT_EQ(cell["history"]["class"], "new failure") << cell.dump(2);
      EXPECT_EQ(cell["baseline"]["class"], "introduced") << cell.dump(2);
      EXPECT_EQ(cell["baseline"]["detail"], "without the series: PASS") << cell.dump(2);
    } else {
      EXPECT_EQ(cell["verdict"], "pass") << cell.dump(2);
      EXPECT_EQ(cell["history"]["class"], "passing") << cell.dump(2);
      EXPECT_FALSE(cell.contains("baseline")) << cell.dump(2);
    }
  }
  const std::string md = ReadFile(kOut / "default" / "summary.md");
  EXPECT_NE(md.find("| debian-6.1/arm64-drops-btf/arm64/gcc | **"), std::string::npos) << md;
  EXPECT_NE(md.find("| new failure |"), std::string::npos) << md;
  EXPECT_NE(md.find("| debian-6.1/arm64-drops-btf/x86_64/gcc | PASS | verify |"), std::string::npos) << md;
  const std::string html = ReadFile(kOut / "default" / "report.html");
  EXPECT_NE(html.find("new failure"), std::string::npos);
  EXPECT_NE(html.find("series: introduced"), std::string::npos);
  fs::copy_file(kOut / "default" / "report.html", kOut / "history-report.html", fs::copy_options::overwrite_existing);
}

// Issue 15: the three-arch default matrix as 3 shards, run one after another as separate
// processes with their own --out and their own empty local ccache, sharing one redis-server,
// then merged: the merged verdicts are those of one run. Then shard 2 again as tomorrow's job on
// another runner (new --out, empty local cache, the same Redis): nearly every compilation is a
// remote hit. And the same shard with an empty cache and no Redis, for comparison. Every
// figure is printed (SHARD lines); only the hit rate is asserted. Three cold builds, one from
// Redis, one cold again: e2e-extended.
TEST(E2E, ShardsSharingRedisMergeToTheVerdictsOfOneRun) {
  REQUIRE_TOOLS();
  if (FindProgram("redis-server").empty()) GTEST_SKIP() << "redis-server is not installed (apt-get install redis-server)";
  const fs::path dir = kOut / "shards";
  fs::remove_all(dir);
  fs::create_directories(dir);
  RedisServer redis(FreeLoopbackPort(), dir / "redis.log");
  ASSERT_TRUE(redis.Answers());
  const std::vector<std::string> arches = {"--arch", "x86_64", "--arch", "arm64", "--arch", "s390x"};
  auto shard = [&](const std::string& k, const std::string& name, bool remote) {
    std::vector<std::string> args = {"run", "-j", "2", "--shard", k + "/3"};
    args.insert(args.end(), arches.begin(), arches.end());
    if (remote) args.insert(args.end(), {"--ccache-remote", redis.Url()});
    const auto start = std::chrono::steady_clock::now();
    HarnessRun run = RunHarness(args, dir / name, 3600, {{"CCACHE_DIR", (dir / ("ccache-" + name)).string()}});
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    for (const auto& cell : run.results["cells"]) {
      std::printf("SHARD %s %s: %s in %.0f s; ccache hits %s, misses %s, remote hits %s\n", name.c_str(),
                  cell["cell"].get<std::string>().c_str(), cell["verdict"].get<std::string>().c_str(), seconds,
                  cell["facts"].value("ccache_hits", "-").c_str(), cell["facts"].value("ccache_misses", "-").c_str(),
                  cell["facts"].value("ccache_remote_hits", "-").c_str());
    }
    return run;
  };
  for (const std::string k : {"1", "2", "3"}) {
    HarnessRun run = shard(k, k, true);
    EXPECT_EQ(run.exit_code, 0) << run.output;
  }
  // merge takes no --data-dir (RunHarness's): its own command line.
  ProcessResult merge = MakeRealRunner()->Run({.argv = {HARNESS_BIN, "merge", (dir / "1").string(), (dir / "2").string(),
                                                        (dir / "3").string(), "--out", (dir / "merged").string()},
                                               .timeout = std::chrono::seconds(300)});
  ASSERT_EQ(merge.exit_code, 0) << merge.output;
  HarnessRun merged{merge.exit_code, merge.output, json::parse(ReadFile(dir / "merged" / "results.json"))};
  std::vector<std::string> args = {"run", "-j", "2"};
  args.insert(args.end(), arches.begin(), arches.end());
  HarnessRun one = RunHarness(args, kOut / "default");  // the fixture's builds: make is skipped
  ASSERT_EQ(one.exit_code, 0) << one.output;
  std::map<std::string, std::string> merged_verdicts, one_verdicts;
  for (const auto& c : merged.results["cells"]) merged_verdicts[c["cell"]] = c["verdict"];
  for (const auto& c : one.results["cells"]) one_verdicts[c["cell"]] = c["verdict"];
  EXPECT_EQ(merged_verdicts, one_verdicts);
  EXPECT_EQ(merged_verdicts.size(), 3u);

  HarnessRun again = shard("2", "2-tomorrow", true);
  ASSERT_EQ(again.exit_code, 0) << again.output;
  ASSERT_EQ(again.results["cells"].size(), 1u);
  const json& facts = again.results["cells"][0]["facts"];
  ASSERT_TRUE(facts.contains("ccache_remote_hits")) << facts.dump(2);
  // Of the compilations the empty local cache could not serve, the share Redis served. The
  // others are local hits of the same build's repeated compilations (55 of 731 on arm64, as many
  // in the cold shard): they never ask the remote.
  const double remote = std::stod(facts["ccache_remote_hits"].get<std::string>());
  const double asked = remote + std::stod(facts["ccache_remote_misses"].get<std::string>());
  EXPECT_GE(remote / asked, 0.95) << facts.dump(2);
  HarnessRun alone = shard("2", "2-no-redis", false);
  EXPECT_EQ(alone.exit_code, 0) << alone.output;
}

// The seed's 2019 series against 6.1: a precise "does not apply" naming patch, file and hunk,
// at the apply stage, for every arch, without building anything.
TEST(E2E, SeedSeriesDoesNotApplyTo61) {
  REQUIRE_TOOLS();
  HarnessRun run = RunHarness({"run", "--series", std::string(HARNESS_SOURCE_DIR) + "/kernel-patches/sysfs-btf-v3"},
                              kOut / "seed");
  EXPECT_EQ(run.exit_code, 1) << run.output;
  ASSERT_EQ(run.results["cells"].size(), std::size(kArches)) << run.output;
  for (const auto& cell : run.results["cells"]) {
    EXPECT_EQ(cell["stage"], "apply");
    EXPECT_EQ(cell["verdict"], "series-does-not-apply") << cell.dump(2);
    EXPECT_NE(cell["detail"].get<std::string>().find("'btf: expose BTF info through sysfs'"), std::string::npos);
    EXPECT_EQ(cell["facts"]["failed_file"], "Documentation/ABI/testing/sysfs-kernel-btf");
    EXPECT_EQ(cell["facts"]["failed_hunk"], "@@ -0,0 +1,17 @@");
  }
}

// Issue 24: a series changing only scripts/pahole-flags.sh, after a passing build of the same tree.
// kbuild relinks vmlinux only when the link's command line or prerequisites change, and
// PAHOLE_FLAGS is in neither: without the harness's own relink, make prints "bzImage is ready",
// the old vmlinux is booted and passes. With pahole given an option it does not know, a clean
// build fails at BTF generation, and so must this one. Then the same run without the series puts
// the fixture's x86_64 build back (a relink).
constexpr char kPaholeFlagsBogus[] =
    "From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\n"
    "From: harness e2e <e2e@harness.invalid>\n"
    "Date: Mon, 7 Dec 2026 16:00:00 +0000\n"
    "Subject: [PATCH] kbuild: pass pahole an option it does not know\n"
    "\n"
    "---\n"
    " scripts/pahole-flags.sh | 2 +-\n"
    " 1 file changed, 1 insertion(+), 1 deletion(-)\n"
    "\n"
    "diff --git a/scripts/pahole-flags.sh b/scripts/pahole-flags.sh\n"
    "--- a/scripts/pahole-flags.sh\n"
    "+++ b/scripts/pahole-flags.sh\n"
    "@@ -1,7 +1,7 @@\n"
    " #!/bin/sh\n"
    " # SPDX-License-Identifier: GPL-2.0\n"
    " \n"
    "-extra_paholeopt=\n"
    "+extra_paholeopt=--harness-e2e-bogus-option\n"
    " \n"
    " if ! [ -x \"$(command -v ${PAHOLE})\" ]; then\n"
    " \texit 0\n";

TEST(E2E, PaholeFlagsOnlySeriesIsGradedAsACleanBuild) {
  REQUIRE_TOOLS();
  const fs::path series = kOut / "pahole-flags-bogus.patch";
  WriteFile(series, kPaholeFlagsBogus);
  HarnessRun run = RunHarness({"run", "--arch", "x86_64", "-j", "2", "--series", series.string()}, kOut / "default");
  EXPECT_EQ(run.exit_code, 1) << run.output;
  const json& cell = OnlyCell(run);
  EXPECT_EQ(cell["verdict"], "build-failed") << cell.dump(2);
  EXPECT_EQ(cell["facts"]["build_step"], "BTF") << cell.dump(2);
  // pahole itself refused the option: the link ran with the series' script.
  EXPECT_NE(ReadFile(kOut / "default" / "debian-6.1" / "pahole-flags-bogus" / "x86_64-gcc" / "build.log")
                .find("harness-e2e-bogus-option"),
            std::string::npos);
  HarnessRun back = RunHarness({"run", "--arch", "x86_64", "-j", "2"}, kOut / "default");
  EXPECT_EQ(back.exit_code, 0) << back.output;
}

// Issue 24: after a passing x86_64 run, the same run with KCFLAGS='-include /nonexistent.h'
// exported must run make with it (and fail), not skip make on a key that never saw KCFLAGS. The
// run after it, without KCFLAGS, passes again.
TEST(E2E, ExportedKcflagsReachMake) {
  REQUIRE_TOOLS();
  HarnessRun run = RunHarness({"run", "--arch", "x86_64", "-j", "2"}, kOut / "default", 3000,
                              {{"KCFLAGS", "-include /nonexistent.h"}});
  EXPECT_EQ(run.exit_code, 1) << run.output;
  const json& cell = OnlyCell(run);
  EXPECT_EQ(cell["verdict"], "build-failed") << cell.dump(2);
  EXPECT_EQ(cell["facts"]["make_env"], "KCFLAGS='-include /nonexistent.h'") << cell.dump(2);
  HarnessRun back = RunHarness({"run", "--arch", "x86_64", "-j", "2"}, kOut / "default");
  EXPECT_EQ(back.exit_code, 0) << back.output;
}

// Issue 24's invariant: the kernel graded is the kernel a clean build would give. Each corpus
// entry that changes the link step (gen_btf, the linker script, kconfig) is run on x86_64 twice:
// incrementally, in the fixture's build directory after its passing build (a relink), and from
// clean in an output directory of its own. Both must end at the same stage with the same
// verdict and build step, and build the same BTF: the same set of named types (facts
// btf_named_types). Not the bytes, the size or the type count: pahole 1.24's -j (6.1) varies all
// three from run to run (three runs on one vmlinux: 30120, 30111 and 30117 types, the same 15929
// named ones); this test's first version compared size and count and failed on not-alloc so.
// module-btf-no-base changes only the modules' BTF step (Makefile.modfinal): its incremental run
// must grade a .ko made by the new step, as the clean one does.
// Then a run without a series puts the fixture's build back. Six clean builds: extended.
TEST(E2E, LinkStepCorpusIncrementalEqualsClean) {
  REQUIRE_TOOLS();
  const fs::path corpus = fs::path(HARNESS_SOURCE_DIR) / "kernel-patches" / "regressions";
  for (const char* entry :
       {"no-et-rel", "not-alloc", "no-keep", "output-format", "btf-config-dropped", "module-btf-no-base"}) {
    SCOPED_TRACE(entry);
    const std::vector<std::string> args = {"run", "--arch", "x86_64", "-j", "2", "--series", (corpus / entry).string()};
    HarnessRun incremental = RunHarness(args, kOut / "default");
    HarnessRun clean = RunHarness(args, kOut / (std::string("clean-") + entry));
    const json& a = OnlyCell(incremental);
    const json& b = OnlyCell(clean);
    EXPECT_EQ(a["stage"], b["stage"]) << a.dump(2) << b.dump(2);
    EXPECT_EQ(a["verdict"], b["verdict"]) << a.dump(2) << b.dump(2);
    for (const char* fact : {"build_step", "btf_named_types"}) {
      EXPECT_EQ(a["facts"].value(fact, ""), b["facts"].value(fact, "")) << fact;
    }
    EXPECT_EQ(incremental.exit_code, clean.exit_code);
    fs::remove_all(kOut / (std::string("clean-") + entry));
  }
  HarnessRun back = RunHarness({"run", "--arch", "x86_64", "-j", "2"}, kOut / "default");
  EXPECT_EQ(back.exit_code, 0) << back.output;
}

// The whole regression corpus agrees with its expected verdicts on every arch.
TEST(E2E, CorpusAgreesWithExpectedVerdicts) {
  REQUIRE_TOOLS();
  const fs::path out = kOut / "corpus";
  HarnessRun run = RunHarness({"corpus", "-j", std::to_string(std::max(1u, std::thread::hardware_concurrency()))}, out);
  std::cout << run.output.substr(run.output.find("\nentry ") == std::string::npos ? 0 : run.output.find("\nentry "));
  EXPECT_EQ(run.exit_code, 0) << run.output;
  ASSERT_TRUE(fs::exists(out / "corpus.json"));
  json rows = json::parse(ReadFile(out / "corpus.json"));
  EXPECT_GE(rows.size(), 3u * 7);
  for (const auto& row : rows) EXPECT_TRUE(row["agree"].get<bool>()) << row.dump();
}

// The corpus entries only a 5.10 tree shows (kernel-patches/regressions-5.10), on its own matrix:
// a 5.10 download and a cold build per arch (x86_64, s390x), then a relink per entry.
TEST(E2E, Corpus510AgreesWithExpectedVerdicts) {
  REQUIRE_TOOLS();
  const fs::path out = kOut / "corpus-5.10";
  HarnessRun run = RunHarness({"corpus", "--dir", std::string(HARNESS_SOURCE_DIR) + "/kernel-patches/regressions-5.10",
                               "--matrix", std::string(HARNESS_SOURCE_DIR) + "/configs/corpus-5.10.yaml"},
                              out);
  EXPECT_EQ(run.exit_code, 0) << run.output;
  ASSERT_TRUE(fs::exists(out / "corpus.json"));
  json rows = json::parse(ReadFile(out / "corpus.json"));
  EXPECT_GE(rows.size(), 1u);
  for (const auto& row : rows) EXPECT_TRUE(row["agree"].get<bool>()) << row.dump();
}

// The 2019 local fix as a cell option: the output-format regression with a generated Kconfig
// patch defining CONFIG_OUTPUT_FORMAT passes on every arch (runs in the corpus's output
// directory, after the corpus, so each arch is a relink).
TEST(E2E, DefineOutputFormatFixesOutputFormat) {
  REQUIRE_TOOLS();
  HarnessRun run = RunHarness({"run", "--series", std::string(HARNESS_SOURCE_DIR) + "/kernel-patches/regressions/output-format",
                               "--define-output-format", "--arch", "x86_64", "--arch", "arm64", "--arch", "s390x"},
                              kOut / "corpus");
  EXPECT_EQ(run.exit_code, 0) << run.output;
  ASSERT_EQ(run.results["cells"].size(), 3u) << run.output;
  for (const auto& cell : run.results["cells"]) EXPECT_EQ(cell["verdict"], "pass") << cell.dump(2);
  const std::string log = ReadFile(kOut / "corpus" / "debian-6.1" / "output-format" / "apply.log");
  EXPECT_NE(log.find("harness: define CONFIG_OUTPUT_FORMAT for arm64, s390x, riscv64, ppc64"), std::string::npos);
}

// A host whose KVM makes QEMU abort at once (seen on a fresh machine of this kind: "failed to set
// MSR", then kvm_buf_set_msrs: Assertion failed, SIGABRT): a qemu-system-x86_64 on PATH that
// does exactly that under -accel kvm. The x86_64 cell must still PASS, booted under TCG, with
// one note about KVM, and KVM marked broken in the cache.
TEST(E2E, KvmThatAbortsFallsBackToTcg) {
  REQUIRE_TOOLS();
  if (::access("/dev/kvm", R_OK | W_OK) != 0) GTEST_SKIP() << "no usable /dev/kvm here: the harness never tries KVM";
  const fs::path dir = kOut / "kvm-abort";
  fs::remove_all(dir);
  const fs::path bin = dir / "bin";
  WriteFile(bin / "qemu-system-x86_64",
            "#!/bin/sh\n"
            "for a in \"$@\"; do\n"
            "  if [ \"$a\" = kvm ]; then\n"
            "    echo 'error: failed to set MSR 0x10a to 0x69' >&2\n"
            "    echo 'qemu-system-x86_64: ../../target/i386/kvm/kvm.c:2893: kvm_buf_set_msrs: Assertion failed.' >&2\n"
            "    kill -ABRT $$\n"
            "  fi\n"
            "done\n"
            "exec " + FindProgram("qemu-system-x86_64").string() + " \"$@\"\n");
  fs::permissions(bin / "qemu-system-x86_64", fs::perms::owner_all);
  auto runner = MakeRealRunner();
  ProcessResult r = runner->Run(
      {.argv = {HARNESS_BIN, "boot", "--arch", "x86_64", "--kernel", Image("x86_64").string(), "--vmlinux",
                Vmlinux("x86_64").string(), "--out", (dir / "out").string(), "--cache", (dir / "cache").string(),
                "--data-dir", HARNESS_SOURCE_DIR},
       .env = {{"PATH", bin.string() + ":" + std::getenv("PATH")}},
       .log_path = dir / "harness-output.log",
       .timeout = std::chrono::seconds(600)});
  if (r.output.find("accelerator kvm") == std::string::npos) {
    GTEST_SKIP() << "this host's /dev/kvm fails the one-instruction vCPU check, so KVM is never tried:\n" << r.output;
  }
  EXPECT_EQ(r.exit_code, 0) << r.output;
  const json results = json::parse(ReadFile(dir / "out" / "results.json"));
  ASSERT_EQ(results["cells"].size(), 1u);
  EXPECT_EQ(results["cells"][0]["verdict"], "pass") << results.dump(2);
  EXPECT_EQ(results["cells"][0]["facts"]["accel"], "tcg");
  std::size_t notes = 0;
  for (std::size_t at = r.output.find("KVM does not work on this host"); at != std::string::npos;
       at = r.output.find("KVM does not work on this host", at + 1)) {
    ++notes;
  }
  EXPECT_EQ(notes, 1u) << r.output;
  EXPECT_NE(r.output.find("killed by signal"), std::string::npos) << r.output;
  bool marked = false;
  for (const auto& entry : fs::directory_iterator(dir / "cache")) {
    marked |= entry.path().filename().string().rfind("kvm-broken-", 0) == 0;
  }
  EXPECT_TRUE(marked) << "KVM must be marked broken for this host boot";
}

// --- bisect on the real tree ----------------------------------------------------------------

const fs::path kBisectOut = kOut / "bisect";

// A git command for the bisect history, with a fixed identity and date so the commit ids come
// out the same every time (and a re-run reuses the bisects' builds).
std::string HistoryGit(const fs::path& repo, std::vector<std::string> args) {
  auto runner = MakeRealRunner();
  args.insert(args.begin(), {"git", "-C", repo.string()});
  const std::string date = "2026-11-30T12:00:00+0000";
  ProcessResult r = runner->Run({.argv = args,
                                 .env = {{"GIT_AUTHOR_NAME", "e2e"}, {"GIT_AUTHOR_EMAIL", "e2e@harness.invalid"},
                                         {"GIT_COMMITTER_NAME", "e2e"}, {"GIT_COMMITTER_EMAIL", "e2e@harness.invalid"},
                                         {"GIT_AUTHOR_DATE", date}, {"GIT_COMMITTER_DATE", date}},
                                 .timeout = std::chrono::minutes(5)});
  EXPECT_TRUE(r.ok()) << ShellJoin(args) << ": " << r.output;
  return std::string(Trim(r.output));
}

// Appends `line` to `path` in the index of a repository without a checkout.
void AppendInIndex(const fs::path& repo, const std::string& path, const std::string& line) {
  const fs::path scratch = repo / ".git" / "e2e-blob";
  WriteFile(scratch, HistoryGit(repo, {"show", "HEAD:" + path}) + "\n" + line + "\n");
  const std::string mode = HistoryGit(repo, {"ls-files", "-s", path}).substr(0, 6);
  const std::string blob = HistoryGit(repo, {"hash-object", "-w", scratch.string()});
  HistoryGit(repo, {"update-index", "--cacheinfo", mode + "," + blob + "," + path});
}

// Eight commits on top of the Debian 6.1 import (a --shared clone of the harness's own import,
// made without a checkout: only the index is edited). Commits 1-4 and 6-8 are harmless: notes
// appended to the BTF documentation, or comments to scripts/link-vmlinux.sh (a relink). The 5th
// is the regression corpus's output-format patch: the 2019 gen_btf that wraps the raw BTF with
// `objcopy -O ${CONFIG_OUTPUT_FORMAT}`, which only x86 defines. Returns the import commit then
// the eight.
// Made once and kept (its list in .git/e2e-commits): the bisects' work trees are work trees
// of this repository, and a new one would make every build start again.
std::vector<std::string> BisectHistory(const fs::path& repo) {
  const fs::path work_tree = kOut / "default" / "debian-6.1" / "src";
  const std::string import_git =
      HistoryGit(work_tree, {"rev-parse", "--path-format=absolute", "--git-common-dir"});
  if (import_git.empty()) return {};
  const fs::path list = repo / ".git" / "e2e-commits";
  if (fs::exists(list)) {
    std::vector<std::string> kept = SplitLines(ReadFile(list));
    if (kept.size() == 9 && kept[0] == HistoryGit(work_tree, {"rev-parse", "HEAD"})) return kept;
  }
  fs::remove_all(repo);
  HistoryGit(fs::current_path(), {"clone", "-q", "--shared", "--no-checkout", import_git, repo.string()});
  std::vector<std::string> commits = {HistoryGit(repo, {"rev-parse", "HEAD"})};
  HistoryGit(repo, {"read-tree", "HEAD"});
  const std::string patch = std::string(HARNESS_SOURCE_DIR) +
      "/kernel-patches/regressions/output-format/0001-kbuild-wrap-raw-BTF-with-objcopy-O-CONFIG_OUTPUT_FOR.patch";
  for (int i = 1; i <= 8; ++i) {
    std::string subject;
    if (i == 5) {
      HistoryGit(repo, {"apply", "--cached", patch});
      subject = "kbuild: wrap raw BTF with objcopy -O CONFIG_OUTPUT_FORMAT again";
    } else if (i % 2 == 0) {
      AppendInIndex(repo, "scripts/link-vmlinux.sh", "# bisect e2e: change " + std::to_string(i));
      subject = "kbuild: link-vmlinux.sh comment " + std::to_string(i);
    } else {
      AppendInIndex(repo, "Documentation/bpf/btf.rst", ".. bisect e2e: change " + std::to_string(i));
      subject = "docs: btf.rst note " + std::to_string(i);
    }
    const std::string tree = HistoryGit(repo, {"write-tree"});
    const std::string commit = HistoryGit(repo, {"commit-tree", tree, "-p", "HEAD", "-m", subject});
    HistoryGit(repo, {"update-ref", "HEAD", commit});
    commits.push_back(commit);
  }
  std::string text;
  for (const auto& commit : commits) text += commit + "\n";
  WriteFile(list, text);
  return commits;
}

// The bisect's steps: "role at exit build" per line of its state file.
std::vector<std::vector<std::string>> BisectSteps(const fs::path& out) {
  std::vector<std::vector<std::string>> steps;
  for (const auto& line : SplitLines(ReadFile(out / "bisect-state.txt"))) {
    if (!StartsWith(line, "step\t")) continue;
    std::vector<std::string> fields;
    std::size_t start = 0;
    for (std::size_t tab = line.find('\t'); ; tab = line.find('\t', start)) {
      fields.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
      if (tab == std::string::npos) break;
      start = tab + 1;
    }
    steps.push_back(fields);
  }
  return steps;
}

// A bisect left unfinished by an earlier, failed run would refuse a new one: start afresh, but
// keep the directory's builds (an ended bisect is kept by the harness itself).
void ForgetUnfinishedBisect(const fs::path& out) {
  const fs::path state = out / "bisect-state.txt";
  if (fs::exists(state) && ReadFile(state).find("\nend ") == std::string::npos) fs::remove(state);
}

// `harness bisect` of the history on `arch`, in build/e2e-out/bisect/<arch>.
HarnessRun RunBisect(const std::string& arch, std::vector<std::string> args) {
  const fs::path out = kBisectOut / arch;
  ForgetUnfinishedBisect(out);
  args.insert(args.begin(), {"bisect", "--tree", (kBisectOut / "linux").string()});
  args.insert(args.end(), {"--arch", arch, "-j", "2"});
  return RunHarness(args, out);
}

// The issue's own case: 8 commits, the 5th reintroduces the 2019 gen_btf. On s390x the bisect
// names the 5th with at most ceil(log2 8) + 2 = 5 builds, every one after the first
// incremental, and says what failed there and that its parent passed.
TEST(E2E, BisectNamesTheCommitThatBreaksS390x) {
  REQUIRE_TOOLS();
  const auto c = BisectHistory(kBisectOut / "linux");
  ASSERT_EQ(c.size(), 9u);
  const fs::path out = kBisectOut / "s390x";
  const double start = NowSeconds();
  HarnessRun run = RunBisect("s390x", {"--good", c[0], "--bad", c[8]});
  std::cerr << "bisect of 8 commits on s390x: " << NowSeconds() - start << " s\n" << run.output;
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("the first bad commit is commit " + c[5].substr(0, 12) +
                            " \"kbuild: wrap raw BTF with objcopy -O CONFIG_OUTPUT_FORMAT again\""),
            std::string::npos) << run.output;
  EXPECT_NE(run.output.find("there:   build failed at build (BTF generation)"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("parent:  " + c[4].substr(0, 12) + ": PASS"), std::string::npos) << run.output;
  const auto steps = BisectSteps(out);
  EXPECT_LE(steps.size(), 5u) << run.output;
  for (std::size_t i = 1; i < steps.size(); ++i) EXPECT_EQ(steps[i][6], "incremental") << run.output;
  // The user's repository was never checked out.
  EXPECT_FALSE(fs::exists(kBisectOut / "linux" / "Makefile"));
}

// On x86_64, where CONFIG_OUTPUT_FORMAT is defined, the same history passes at both ends:
// nothing to bisect, said as a harness error (the --bad given is not bad), after two builds.
TEST(E2E, BisectOnX86_64SaysNothingToBisect) {
  REQUIRE_TOOLS();
  const auto c = BisectHistory(kBisectOut / "linux");
  ASSERT_EQ(c.size(), 9u);
  const fs::path out = kBisectOut / "x86_64";
  HarnessRun run = RunBisect("x86_64", {"--good", c[0], "--bad", c[8]});
  std::cerr << run.output;
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_NE(run.output.find("nothing to bisect: both pass on x86_64"), std::string::npos) << run.output;
  const auto steps = BisectSteps(out);
  ASSERT_EQ(steps.size(), 2u) << run.output;
  EXPECT_EQ(steps[0][4], "pass@verify");
  EXPECT_EQ(steps[1][4], "pass@verify");
}

// A 4-patch series (commits 3-6 of the history as patches on commit 2) whose 3rd patch is the
// regression: --series names patch 3. It runs in the s390x bisect's directory after that one
// has ended, so it keeps that log and reuses its build directory.
TEST(E2E, BisectSeriesNamesPatch3OnS390x) {
  REQUIRE_TOOLS();
  const fs::path repo = kBisectOut / "linux";
  const auto c = BisectHistory(repo);
  ASSERT_EQ(c.size(), 9u);
  const fs::path series = kBisectOut / "series";
  fs::remove_all(series);
  HistoryGit(repo, {"format-patch", "-q", "-o", series.string(), c[2] + ".." + c[6]});
  const fs::path out = kBisectOut / "s390x";
  HarnessRun run = RunBisect("s390x", {"--good", c[2], "--series", series.string()});
  std::cerr << run.output;
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("the first bad patch is patch 3 of 4"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("\"kbuild: wrap raw BTF with objcopy -O CONFIG_OUTPUT_FORMAT again\""), std::string::npos);
  const auto steps = BisectSteps(out);
  EXPECT_LE(steps.size(), 4u) << run.output;  // both endpoints, then K=2 and K=3 (log2 4 = 2)
  // After the commit bisect (ctest runs it first) the directory held an ended bisect: its log is
  // kept and its build directory makes even this bisect's first build incremental.
  if (run.output.find("had ended: its log is kept as") != std::string::npos) {
    ASSERT_FALSE(steps.empty());
    EXPECT_EQ(steps[0][6], "incremental") << run.output;
  }
}

// --- the nightly matrix's other trees and toolchains -------------------------------------------

// One cell of configs/nightly.yaml, run into build/e2e-out/nightly (its build directories kept
// for the next run). Debian 5.10 and 6.12 come from bullseye and trixie through the harness's
// private apt configuration: the first run downloads them from Debian's archive.
HarnessRun NightlyCell(const std::string& tree, const std::string& arch, const std::string& toolchain) {
  return RunHarness({"run", std::string(HARNESS_SOURCE_DIR) + "/configs/nightly.yaml", "--tree", tree, "--arch", arch,
                     "--toolchain", toolchain, "-j", std::to_string(std::max(1u, std::thread::hardware_concurrency()))},
                    kOut / "nightly");
}

// What the clang cells need beyond the default matrix's tools.
std::string MissingClang() {
  for (const char* tool : {"/usr/lib/llvm-16/bin/clang", "/usr/lib/llvm-16/bin/ld.lld", "/usr/lib/llvm-16/bin/llvm-objcopy"}) {
    if (!fs::exists(tool)) return std::string(tool) + " is not installed (run ./scripts/setup.sh)";
  }
  return "";
}

// PASS, with the facts that say what was really built: the tree's Debian version and suite,
// the kernel version, and the toolchain's own version line.
void ExpectNightlyPass(const HarnessRun& run, const std::string& kernel_prefix, const std::string& compiler) {
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const json& cell = OnlyCell(run);
  EXPECT_EQ(cell["verdict"], "pass") << cell.dump(2);
  EXPECT_EQ(cell["facts"]["section_size"], cell["facts"]["guest_size"]);
  EXPECT_TRUE(StartsWith(cell["facts"].value("kernel_version", ""), kernel_prefix)) << cell.dump(2);
  EXPECT_NE(cell["facts"].value("toolchain_version", "").find(compiler), std::string::npos) << cell.dump(2);
  EXPECT_FALSE(cell["facts"].value("tree_version", "").empty()) << cell.dump(2);
}

// Debian 12's newest tree with LLVM: LLVM=1 builds with clang 16, links with ld.lld and makes
// .BTF with pahole and llvm-objcopy in gen_btf; the guest serves those bytes.
TEST(E2E, NightlyDebian612X86_64ClangPasses) {
  REQUIRE_TOOLS();
  if (const std::string missing = MissingClang(); !missing.empty()) GTEST_SKIP() << missing;
  const HarnessRun run = NightlyCell("debian-6.12", "x86_64", "clang");
  ExpectNightlyPass(run, "6.12.", "clang version 16");
  const json& cell = OnlyCell(run);
  EXPECT_EQ(cell["facts"].value("tree_suite", ""), "trixie");
  EXPECT_NE(cell["facts"].value("make_command", "").find("LLVM=1"), std::string::npos) << cell.dump(2);
}

// 6.1 on arm64 with clang: LLVM's arm64 objcopy and linker on the host's own tree.
TEST(E2E, NightlyDebian61Arm64ClangPasses) {
  REQUIRE_TOOLS();
  if (const std::string missing = MissingClang(); !missing.empty()) GTEST_SKIP() << missing;
  const HarnessRun run = NightlyCell("debian-6.1", "arm64", "clang");
  ExpectNightlyPass(run, "6.1.", "clang version 16");
  EXPECT_NE(OnlyCell(run)["facts"].value("make_command", "").find("LLVM=1"), std::string::npos);
}

// The oldest tree, on the arch the 2019 bug broke, with gcc: 5.10's own kconfig fragment
// (CONFIG_DEBUG_INFO=y, DWARF4 off) keeps BTF through olddefconfig, and big-endian .BTF matches.
TEST(E2E, NightlyDebian510S390xGccPasses) {
  REQUIRE_TOOLS();
  const HarnessRun run = NightlyCell("debian-5.10", "s390x", "gcc");
  ExpectNightlyPass(run, "5.10.", "gcc");
  EXPECT_EQ(OnlyCell(run)["facts"].value("tree_suite", ""), "bullseye");
}

}  // namespace
}  // namespace harness
