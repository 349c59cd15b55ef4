#include "harness/build/kbuild.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <limits>
#include <set>

#include "harness/core/error.h"
#include "harness/core/util.h"

namespace harness {
namespace {

constexpr const char* kConfigKeyFile = ".harness-config-key";
// Written after a successful build: its BuiltKey and the SHA-256 of its vmlinux and image; later
// a third line, the outputs' OutputsStat, once their hashes were checked at a time when that
// stat could no longer change without the content changing too (see UpToDate).
constexpr const char* kBuiltKeyFile = ".harness-built";
// How much older than now an output's mtime must be before its stat stands for its content:
// file systems stamp mtimes with a coarse clock, so a file rewritten within the same tick (of
// the same size, on the same inode) keeps its stat. git's index calls this "racily clean".
constexpr std::chrono::seconds kStatSettled{2};
// Written after a successful build from nothing: how many kbuild step lines it printed, the next
// build's estimate for a share done.
constexpr const char* kStepsFile = ".harness-build-steps";
// Steps per built-in option when no build ran here yet: Linux 6.1 tinyconfig+BTF builds printed
// 2.4 (arm64) to 3.3 (riscv64) step lines per "=y" line of their .config on the six arches.
constexpr std::size_t kStepsPerBuiltinOption = 3;

// What the .config depends on besides the commit: tree, arch, kconfig asked for, the
// toolchain's make variables and version (Kconfig asks the compiler what it supports).
std::string ConfigInputs(const BuildRequest& request) {
  std::string make_vars;
  for (auto var : ToolchainOf(request).make_vars) make_vars += std::string(var) + "\n";
  return request.source.string() + "\n" + std::string(request.arch->name) + "\n" + request.kconfig_base + "\n" +
         RenderFragment(request.options) + "\n" + make_vars + request.toolchain_version + "\n";
}

// What the build depends on that the harness chooses: the .config's inputs and the commit.
std::string SourceKey(const BuildRequest& request) {
  return Sha256Hex(request.source.string() + "\n" + request.revision + "\n" + ConfigInputs(request));
}

// Whether a change of the tree between two commits can change what kconfig makes of the same
// request: a Kconfig file, kconfig itself, a defconfig or fragment, or a Makefile that sets
// what Kconfig sees (the top one, an arch's). Anything else (link-vmlinux.sh, C files) cannot.
bool ConfigRelevant(std::string_view path) {
  const std::string_view base = path.substr(path.rfind('/') == std::string_view::npos ? 0 : path.rfind('/') + 1);
  return base.starts_with("Kconfig") || base.ends_with(".config") || path.starts_with("scripts/kconfig/") ||
         path.find("configs/") != std::string_view::npos || path == "Makefile" ||
         (path.starts_with("arch/") && base == "Makefile" && std::count(path.begin(), path.end(), '/') == 2);
}

// What goes before the host's PATH: the ccache links, then the toolchain's own directory.
std::string PathPrefix(const BuildRequest& request) {
  std::string prefix;
  if (!request.ccache_dir.empty()) prefix += request.ccache_dir.string() + ":";
  if (!ToolchainOf(request).bin_dir.empty()) prefix += std::string(ToolchainOf(request).bin_dir) + ":";
  return prefix;
}

// The config key file holds the key of the .config's inputs, then the commit it was made at.
std::string ConfigKey(const BuildRequest& request, int pahole_version) {
  return Sha256Hex(ConfigInputs(request) + "pahole " + std::to_string(pahole_version) + "\n");
}

// The built stamp: the SourceKey with pahole's version, then each output's SHA-256.
std::string BuiltKey(const BuildRequest& request) {
  return Sha256Hex(SourceKey(request) + "pahole " + std::to_string(request.pahole_version) + "\n");
}

std::vector<std::filesystem::path> Outputs(const BuildRequest& request) {
  std::vector<std::filesystem::path> outputs = {request.build_dir / "vmlinux"};
  if (request.arch->boot_image != "vmlinux") outputs.push_back(request.build_dir / request.arch->boot_image);
  return outputs;
}

// Inode, size and mtime (ns) of each output: what make itself goes by. Empty when an output is
// missing or was modified within kStatSettled of now (its stat may not tell a rewrite yet).
std::string OutputsStat(const BuildRequest& request) {
  std::string signature;
  const auto now = std::chrono::system_clock::now();
  for (const auto& path : Outputs(request)) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return {};
    const auto mtime = std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::seconds(st.st_mtim.tv_sec) + std::chrono::nanoseconds(st.st_mtim.tv_nsec)));
    if (now - mtime < kStatSettled) return {};
    signature += (signature.empty() ? "" : " ") + std::to_string(st.st_ino) + ":" + std::to_string(st.st_size) + ":" +
                 std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec);
  }
  return signature;
}

std::optional<std::string> OutputsHash(const BuildRequest& request) {
  std::string hashes;
  for (const auto& path : Outputs(request)) {  // vmlinux once when it is what boots (x86_64, ppc64)
    const auto hash = Sha256OfFile(path);
    if (!hash) return std::nullopt;
    hashes += (hashes.empty() ? "" : " ") + *hash;
  }
  return hashes;
}

}  // namespace

const Toolchain& ToolchainOf(const BuildRequest& request) {
  return request.toolchain ? *request.toolchain : *FindToolchain("gcc");
}

std::vector<std::string> KernelBuilder::MakeArgv(const BuildRequest& request,
                                                 const std::vector<std::string>& targets) {
  std::vector<std::string> argv = {"make",
                                   "-C", request.source.string(),
                                   "O=" + request.build_dir.string(),
                                   "ARCH=" + std::string(request.arch->linux_arch),
                                   "CROSS_COMPILE=" + std::string(request.arch->cross_prefix)};
  for (auto var : ToolchainOf(request).make_vars) argv.emplace_back(var);
  argv.push_back("-j" + std::to_string(request.jobs));
  argv.insert(argv.end(), targets.begin(), targets.end());
  return argv;
}

std::map<std::string, std::string> KernelBuilder::MakeEnv(const BuildRequest& request, const Host& host) {
  std::map<std::string, std::string> env;
  if (const std::string prefix = PathPrefix(request); !prefix.empty()) {
    env["PATH"] = prefix + host.Env("PATH").value_or("/usr/bin:/bin");
  }
  for (auto& [name, value] : CcacheEnv(request)) env[name] = value;
  // Not in the pasteable command: bookkeeping of the harness's, not part of the build.
  if (!request.ccache_dir.empty()) env["CCACHE_STATSLOG"] = CcacheStatsLog(request).string();
  return env;
}

std::vector<std::pair<std::string, std::string>> KernelBuilder::CcacheEnv(const BuildRequest& request) {
  if (request.ccache_dir.empty()) return {};
  // Cache hits across build directories and work trees: with debug info ccache otherwise
  // hashes the cwd, and absolute source paths differ from one output directory to the next
  // (the layout <out>/<tree>/{src,build-*} makes the relative paths the same everywhere).
  // Entries stored with hash_dir on never serve a build with it off, so a shared remote only
  // helps builds made this way.
  std::vector<std::pair<std::string, std::string>> env = {
      {"CCACHE_NOHASHDIR", "true"},
      {"CCACHE_BASEDIR", "/"},
      // base_dir does not reach inside -Wa,: s390 passes -Wa,-I<srctree>/arch/s390/include, which
      // would otherwise make every output directory a cold cache for s390x.
      {"CCACHE_IGNOREOPTIONS", "-Wa,-I*"},
      // Depend mode: a miss runs only the compiler, and the lookup key is the list of headers
      // from the compiler's own dependency file (kbuild passes -Wp,-MMD,...), so ccache never
      // runs the preprocessor. Measured on s390x with an empty cache, the build cost 1.14x a
      // build without ccache against 1.61x in the default mode. Its price: no fallback to
      // comparing preprocessed text, so a changed .config (a new autoconf.h) misses every
      // object instead of hitting those whose preprocessed text did not change, and so do
      // s390x's objects in a work tree at another path (see s390x.cpp).
      {"CCACHE_DEPEND", "true"},
  };
  if (!request.ccache_remote.empty()) {
    // The remote is the second level: a local miss asks it, a result is stored in both. A
    // ccache.conf's remote_only would skip the local cache, so it is turned off here.
    env.emplace_back("CCACHE_REMOTE_STORAGE", request.ccache_remote);
    env.emplace_back("CCACHE_NOREMOTE_ONLY", "true");
  }
  return env;
}

std::filesystem::path KernelBuilder::CcacheStatsLog(const BuildRequest& request) {
  return request.log_dir / "ccache-stats.log";
}

std::string KernelBuilder::PasteableCommand(const BuildRequest& request,
                                            const std::vector<std::string>& targets) {
  std::string prefix;
  if (const std::string path = PathPrefix(request); !path.empty()) prefix = "PATH=" + ShellQuote(path) + "$PATH ";
  for (const auto& [name, value] : CcacheEnv(request)) prefix += name + "=" + ShellQuote(value) + " ";
  return prefix + ShellJoin(MakeArgv(request, targets));
}

ProcessResult KernelBuilder::RunMake(const BuildRequest& request,
                                     const std::vector<std::string>& targets,
                                     const std::filesystem::path& log, Stage stage) {
  const std::string command = PasteableCommand(request, targets);
  sink_.OnEvent({.kind = Event::Kind::kCommand, .cell = request.cell, .stage = stage, .text = command});
  std::filesystem::create_directories(request.build_dir);
  ProcessSpec spec{.argv = MakeArgv(request, targets),
                   .cwd = {},
                   .env = MakeEnv(request, host_),
                   .log_path = log,
                   .timeout = request.timeout,
                   .on_line = [&](std::string_view line) {
                     sink_.OnEvent({.kind = Event::Kind::kOutput, .cell = request.cell,
                                    .stage = stage, .text = std::string(line)});
                     return true;
                   },
                   .capture_limit = 1 << 20};
  return runner_.Run(spec);
}

ConfigOutcome KernelBuilder::Configure(const BuildRequest& request) {
  ConfigOutcome outcome;
  const int pahole = request.pahole_version >= 0 ? request.pahole_version : PaholeVersion(runner_, host_);
  const std::string key = ConfigKey(request, pahole);
  const auto dot_config = request.build_dir / ".config";
  const auto key_file = request.build_dir / kConfigKeyFile;
  const auto log = request.log_dir / "config.log";
  std::filesystem::create_directories(request.log_dir);

  // "<key>\n<commit>\n" from the last configure of this build directory.
  std::vector<std::string> last;
  if (std::filesystem::exists(dot_config) && std::filesystem::exists(key_file)) last = SplitLines(ReadFile(key_file));
  const bool same_inputs = last.size() == 2 && last[0] == key;
  if (same_inputs && last[1] == request.revision) {
    outcome.reused = true;
    sink_.OnEvent({.kind = Event::Kind::kNote, .cell = request.cell, .stage = Stage::kConfig,
                   .text = ".config unchanged since the last run: not regenerated"});
  } else if (same_inputs && KconfigUnchangedBetween(request, last[1])) {
    outcome.reused = true;
    outcome.reused_from = last[1];
    sink_.OnEvent({.kind = Event::Kind::kNote, .cell = request.cell, .stage = Stage::kConfig,
                   .text = ".config kept: nothing kconfig reads changed since " + last[1].substr(0, 12) +
                           " (no Kconfig, defconfig or Makefile in the diff)"});
  } else {
    std::filesystem::remove(key_file);
    ProcessResult base = RunMake(request, {request.kconfig_base}, log, Stage::kConfig);
    if (!base.ok()) {
      outcome.error = "make " + request.kconfig_base + " failed (" + base.Describe() + "); see " + log.string();
      return outcome;
    }
    // Append the fragments, as merge_config.sh does, and let olddefconfig resolve them.
    std::string config = ReadFile(dot_config);
    WriteFile(request.log_dir / "fragment.config", RenderFragment(request.options));
    WriteFile(dot_config, config + "\n# harness fragments\n" + RenderFragment(request.options));
    ProcessResult old = RunMake(request, {"olddefconfig"}, request.log_dir / "olddefconfig.log", Stage::kConfig);
    if (!old.ok()) {
      outcome.error = "make olddefconfig failed (" + old.Describe() + "); see " +
                      (request.log_dir / "olddefconfig.log").string();
      return outcome;
    }
  }
  outcome.dropped = CheckConfig(request.options, ParseDotConfig(ReadFile(dot_config)), pahole);
  if (outcome.dropped.empty() && (!outcome.reused || !outcome.reused_from.empty())) {
    WriteFile(key_file, key + "\n" + request.revision + "\n");
  }
  return outcome;
}

bool KernelBuilder::KconfigUnchangedBetween(const BuildRequest& request, const std::string& from) {
  if (from.empty() || request.revision.empty()) return false;
  ProcessResult diff = runner_.Run({.argv = {"git", "-C", request.source.string(), "diff", "--name-only", from,
                                             request.revision, "--"},
                                    .capture_limit = 1 << 22});
  if (!diff.ok() || diff.output.size() >= (std::size_t{1} << 22)) return false;  // a tail: unknown
  for (const auto& path : SplitLines(diff.output)) {
    if (ConfigRelevant(Trim(path))) return false;
  }
  return true;
}

std::optional<std::string> KernelBuilder::UpToDate(const BuildRequest& request) {
  if (request.revision.empty() || request.pahole_version < 0) return std::nullopt;
  std::vector<std::string> stamp;
  try {
    stamp = SplitLines(ReadFile(request.build_dir / kBuiltKeyFile));
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (stamp.size() < 2 || stamp.size() > 3 || stamp[0] != BuiltKey(request)) return std::nullopt;
  // Clean: no tracked file edited and no untracked file added since the commit was made.
  ProcessResult status = runner_.Run({.argv = {"git", "-C", request.source.string(), "status", "--porcelain"},
                                      .capture_limit = 1 << 16});
  if (!status.ok() || !Trim(status.output).empty()) return std::nullopt;
  // The outputs' stat as recorded after their hashes last matched: unchanged, so is their
  // content (saves hashing a 40-60 MB vmlinux on every warm run). Otherwise hash them; when they
  // match and their stat has settled, record it for the next run.
  const std::string settled = OutputsStat(request);
  if (stamp.size() == 3 && !settled.empty() && stamp[2] == settled) return request.revision;
  if (OutputsHash(request) != stamp[1]) return std::nullopt;
  if (!settled.empty()) WriteFile(request.build_dir / kBuiltKeyFile, stamp[0] + "\n" + stamp[1] + "\n" + settled + "\n");
  return request.revision;
}

BuildOutcome KernelBuilder::Build(const BuildRequest& request) {
  BuildOutcome outcome;
  std::vector<std::string> targets(request.arch->make_targets.begin(), request.arch->make_targets.end());
  outcome.command = PasteableCommand(request, targets);
  outcome.log = request.log_dir / "build.log";
  WriteFile(request.log_dir / "make-command.txt", outcome.command + "\n");
  outcome.vmlinux = request.build_dir / "vmlinux";
  outcome.image = request.build_dir / request.arch->boot_image;
  if (const auto commit = UpToDate(request)) {
    outcome.ok = outcome.skipped = true;
    sink_.OnEvent({.kind = Event::Kind::kNote, .cell = request.cell, .stage = Stage::kBuild,
                   .text = "make skipped: same commit " + commit->substr(0, 12) + " (work tree clean), .config, " +
                           "toolchain and pahole as the last build, whose vmlinux and " +
                           std::string(request.arch->boot_image) + " are unchanged (SHA-256)"});
    return outcome;
  }
  // A build that fails or is killed must not look finished to the next run's scheduler.
  std::filesystem::remove(request.build_dir / kBuiltKeyFile);
  std::filesystem::remove(CcacheStatsLog(request));  // this build's counters only
  const StepEstimate estimate = EstimateBuildSteps(request.build_dir);
  // Only a build from nothing counts every step; a relink's dozen would under-estimate the next.
  const bool from_nothing = !HasEarlierBuild(request);
  sink_.OnEvent({.kind = Event::Kind::kEstimate, .cell = request.cell, .stage = Stage::kBuild,
                 .text = estimate.source, .count = estimate.steps});
  ProcessResult result = RunMake(request, targets, outcome.log, Stage::kBuild);
  outcome.seconds = result.seconds;
  if (!request.ccache_dir.empty()) outcome.ccache = ReadCcacheStatsLog(CcacheStatsLog(request));
  if (result.timed_out) {
    outcome.failure = result.Describe();
    outcome.diagnosis.first_error = "make " + result.Describe();
    return outcome;
  }
  if (!result.ok()) {
    outcome.failure = result.Describe();
    // Diagnose from the whole log file, not the captured tail.
    outcome.diagnosis = DiagnoseBuildLog(ReadFile(outcome.log));
    return outcome;
  }
  if (!std::filesystem::exists(outcome.vmlinux) || !std::filesystem::exists(outcome.image)) {
    outcome.failure = "make succeeded but " +
                      (std::filesystem::exists(outcome.vmlinux) ? outcome.image : outcome.vmlinux).string() +
                      " is missing";
    outcome.diagnosis.first_error = outcome.failure;
    return outcome;
  }
  outcome.ok = true;
  if (const auto hashes = OutputsHash(request); hashes && request.pahole_version >= 0) {
    WriteFile(request.build_dir / kBuiltKeyFile, BuiltKey(request) + "\n" + *hashes + "\n");
  }
  if (std::error_code ec; (from_nothing || !std::filesystem::exists(request.build_dir / kStepsFile, ec)) &&
                          std::filesystem::exists(outcome.log, ec)) {
    WriteFile(request.build_dir / kStepsFile, std::to_string(CountStepLines(ReadFile(outcome.log))) + "\n");
  }
  return outcome;
}

StepEstimate EstimateBuildSteps(const std::filesystem::path& build_dir) {
  std::error_code ec;
  try {
    if (std::filesystem::exists(build_dir / kStepsFile, ec)) {
      const std::string text(Trim(ReadFile(build_dir / kStepsFile)));
      std::size_t steps = 0;
      const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), steps);
      if (error == std::errc() && end == text.data() + text.size() && steps > 0) {
        return {steps, "the last build here"};
      }
    }
    if (std::filesystem::exists(build_dir / ".config", ec)) {
      std::size_t builtin = 0;
      for (const auto& line : SplitLines(ReadFile(build_dir / ".config"))) builtin += line.ends_with("=y");
      if (builtin > 0) return {builtin * kStepsPerBuiltinOption, ".config"};
    }
  } catch (const HarnessError&) {
    // An unreadable estimate only costs the share done.
  }
  return {};
}

bool KernelBuilder::HasEarlierBuild(const BuildRequest& request) {
  std::error_code ec;
  return std::filesystem::exists(request.build_dir / "vmlinux", ec);
}

bool KernelBuilder::LooksUpToDate(const BuildRequest& request) {
  const auto stamp = request.build_dir / kBuiltKeyFile;
  std::error_code ec;
  if (!std::filesystem::exists(stamp, ec) || !std::filesystem::exists(request.build_dir / "vmlinux", ec) ||
      !std::filesystem::exists(request.build_dir / request.arch->boot_image, ec)) {
    return false;
  }
  try {
    const auto lines = SplitLines(ReadFile(stamp));
    return !lines.empty() && lines[0] == BuiltKey(request);
  } catch (const std::exception&) {
    return false;
  }
}

void CheckBuildTools(const Arch& arch, const Host& host, const Toolchain* toolchain) {
  struct Tool {
    std::string program;
    std::string package;
  };
  const std::vector<Tool> tools = {
      {"make", "make"},
      {std::string(arch.cross_prefix) + "gcc", std::string(arch.compiler_package)},
      {std::string(arch.cross_prefix) + "ld", std::string(arch.compiler_package)},
      {"gcc", "gcc"},  // host tools (fixdep, kconfig, resolve_btfids)
      {"pahole", "dwarves"},
      {"flex", "flex"},
      {"bison", "bison"},
      {"bc", "bc"},
  };
  for (const auto& tool : tools) {
    if (host.FindProgram(tool.program).empty()) {
      throw HarnessError("'" + tool.program + "' is not installed: apt-get install " + tool.package);
    }
  }
  if (toolchain) {
    for (const auto& tool : toolchain->tools) {
      const std::string program = ToolchainProgram(tool.program, arch);
      // The arch's cross tools ("%as") are the host's, on PATH; the toolchain's own are in its bin_dir.
      const bool in_bin_dir = !toolchain->bin_dir.empty() && !tool.program.starts_with('%');
      const bool found = in_bin_dir ? host.Exists(std::filesystem::path(toolchain->bin_dir) / program)
                                    : !host.FindProgram(program).empty();
      if (!found) {
        throw HarnessError("'" + program + "'" + (in_bin_dir ? " (in " + std::string(toolchain->bin_dir) + ")" : "") +
                           " is not installed, toolchain " + std::string(toolchain->name) +
                           " needs it: apt-get install " + ToolchainPackage(tool.package, arch));
      }
    }
  }
  if (!host.Exists("/usr/include/gelf.h")) {
    throw HarnessError("libelf headers are missing (resolve_btfids needs them): apt-get install libelf-dev");
  }
}

std::string ToolchainVersion(ProcessRunner& runner, const Arch& arch, const Toolchain& toolchain, const Host& host) {
  std::map<std::string, std::string> env;
  if (!toolchain.bin_dir.empty()) {
    env["PATH"] = std::string(toolchain.bin_dir) + ":" + host.Env("PATH").value_or("/usr/bin:/bin");
  }
  ProcessResult result = runner.Run(
      {.argv = {ToolchainProgram(toolchain.version_program, arch), "--version"}, .env = env, .capture_limit = 1 << 16});
  if (!result.ok()) return {};
  const auto lines = SplitLines(result.output);
  return lines.empty() ? std::string() : Printable(Trim(lines.front()));
}

int PaholeVersion(ProcessRunner& runner, const Host& host) {
  if (host.FindProgram("pahole").empty()) return 0;
  ProcessResult result = runner.Run({.argv = {"pahole", "--version"}});
  if (!result.ok()) return 0;
  // The first "MAJOR.MINOR" (digits, a dot, digits) in "v1.24"; scanned by hand, as a regex
  // search recurses once per character of its input.
  const std::string_view out = result.output;
  auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  for (std::size_t at = 0; at < out.size();) {
    if (!is_digit(out[at])) {
      ++at;
      continue;
    }
    const std::size_t dot = out.find_first_not_of("0123456789", at);
    if (dot == std::string_view::npos || out[dot] != '.' || dot + 1 == out.size() || !is_digit(out[dot + 1])) {
      at = dot == std::string_view::npos ? out.size() : dot;
      continue;
    }
    std::size_t end = out.find_first_not_of("0123456789", dot + 1);
    if (end == std::string_view::npos) end = out.size();
    int major = 0, minor = 0;
    const bool fits =
        std::from_chars(out.data() + at, out.data() + dot, major).ec == std::errc() &&
        std::from_chars(out.data() + dot + 1, out.data() + end, minor).ec == std::errc() &&
        major <= (std::numeric_limits<int>::max() - minor) / 100;
    if (!fits) {
      throw HarnessError("pahole version '" + Printable(out.substr(at, end - at)) +
                         "' (from 'pahole --version') is out of range");
    }
    return major * 100 + minor;
  }
  return 0;
}

std::filesystem::path PrepareCcacheDir(const std::filesystem::path& cache_dir, const Host& host) {
  const std::filesystem::path ccache = host.FindProgram("ccache");
  if (ccache.empty()) return {};
  const std::filesystem::path dir = cache_dir / "ccache-bin";
  std::filesystem::create_directories(dir);
  std::set<std::string> names;
  for (const Toolchain* toolchain : AllToolchains()) {
    for (const Arch* arch : AllArches()) {
      for (auto compiler : toolchain->cached_compilers) names.insert(ToolchainProgram(compiler, *arch));
    }
  }
  for (const std::string& name : names) {
    const std::filesystem::path link = dir / name;
    std::error_code ec;
    if (std::filesystem::read_symlink(link, ec) == ccache) continue;
    // Made under a name of its own and renamed over the old one: two harness processes sharing
    // a cache never see a missing link or an "exists" error.
    const std::filesystem::path partial = link.string() + ".partial." + std::to_string(::getpid());
    std::filesystem::remove(partial, ec);
    std::filesystem::create_symlink(ccache, partial, ec);
    if (!ec) std::filesystem::rename(partial, link, ec);
    if (ec) throw HarnessError("cannot create ccache link '" + link.string() + "': " + ec.message());
  }
  return dir;
}

}  // namespace harness
