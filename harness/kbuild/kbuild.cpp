#include "harness/kbuild/kbuild.h"

#include <sys/stat.h>
#include <unistd.h>

#include <csignal>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <limits>
#include <set>

#include "harness/core/error.h"
#include "harness/core/util.h"
#include "harness/core/version.h"

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

// kbuild's variables a user sets to change a build: given to make and keyed (UserBuildEnv).
constexpr std::string_view kUserBuildVars[] = {
    "KCFLAGS",     "KCPPFLAGS",    "KAFLAGS",     "KRUSTFLAGS",           "USERCFLAGS",       "USERLDFLAGS",
    "HOSTCFLAGS",  "HOSTCXXFLAGS", "HOSTLDFLAGS", "HOSTLDLIBS",           "KBUILD_BUILD_TIMESTAMP",
    "KBUILD_BUILD_USER", "KBUILD_BUILD_HOST", "KBUILD_BUILD_VERSION", "SOURCE_DATE_EPOCH"};
// Variables kbuild reads that the cell decides: never given to make (WithheldBuildEnv). Any other
// KBUILD_* or KCONFIG_* variable is withheld too.
constexpr std::string_view kCellBuildVars[] = {
    "ARCH",    "SUBARCH", "SRCARCH", "CROSS_COMPILE", "LLVM",    "LLVM_IAS", "CC",       "LD",
    "AR",      "NM",      "OBJCOPY", "OBJDUMP",       "READELF", "STRIP",    "AS",       "CPP",
    "HOSTCC",  "HOSTCXX", "HOSTLD",  "HOSTAR",        "PAHOLE",  "RESOLVE_BTFIDS",     "MAKEFLAGS",
    "MFLAGS",  "GNUMAKEFLAGS",       "MAKEFILES",     "O",       "V",        "W",        "C", "M"};
// The host's variables make gets as they are: where to find programs and home, the locale and
// terminal for messages, and ccache's own settings, none of which changes what is built.
constexpr std::string_view kPassedHostVars[] = {
    "HOME",           "LANG",           "LANGUAGE",       "LC_ALL",           "LC_CTYPE",      "LC_MESSAGES",
    "TERM",           "TMPDIR",         "USER",           "LOGNAME",          "CCACHE_DIR",    "CCACHE_CONFIGPATH",
    "CCACHE_TEMPDIR", "CCACHE_MAXSIZE", "CCACHE_DISABLE", "CCACHE_RECACHE",   "CCACHE_READONLY",
    "CCACHE_LOGFILE", "CCACHE_DEBUG"};

// What kconfig read for this .config, as recorded after a make (RecordKconfigInputs).
constexpr const char* kKconfigInputsFile = ".harness-config-inputs";

std::string ReadFileOrEmpty(const std::filesystem::path& path) {
  std::error_code ec;
  return std::filesystem::exists(path, ec) ? ReadFile(path) : std::string();
}

std::string RenderUserEnv(const BuildRequest& request) {
  std::string text;
  for (const auto& [name, value] : request.user_env) text += name + "=" + value + "\n";
  return text;
}

// What the .config depends on besides the tree's files: tree, arch, kconfig asked for, the
// toolchain's make variables and version (Kconfig asks the compiler, linker and pahole what they
// support), the user's make variables.
std::string ConfigInputs(const BuildRequest& request) {
  std::string make_vars;
  for (auto var : ToolchainOf(request).make_vars) make_vars += std::string(var) + "\n";
  return request.source.string() + "\n" + std::string(request.arch->name) + "\n" + request.kconfig_base + "\n" +
         RenderFragment(request.options) + "\n" + make_vars + request.toolchain_version + "\n" +
         request.binutils_version + "\n" + request.pahole_version_line + "\n" + RenderUserEnv(request);
}

// What the build depends on that the harness chooses: the .config's inputs and the commit.
std::string SourceKey(const BuildRequest& request) {
  return Sha256Hex(request.source.string() + "\n" + request.revision + "\n" + ConfigInputs(request));
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

// The built stamp: the SourceKey with pahole's version, the .config as it is (a hand edit in the
// build directory counts) and the harness's version (what it asks of make may change), then each
// output's SHA-256.
// The test module's source as the harness ships it: each file's name and SHA-256 ("none" when
// the request builds no module).
std::string ModuleSourceDigest(const BuildRequest& request) {
  if (request.module_source.empty()) return "none";
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(request.module_source, ec)) {
    if (entry.is_regular_file(ec)) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  std::string digest;
  for (const auto& file : files) digest += file.filename().string() + " " + Sha256OfFile(file).value_or("?") + "\n";
  return Sha256Hex(digest);
}

// The built stamp: the SourceKey with pahole's version, the .config as it is (a hand edit in the
// build directory counts), the test module's source and the harness's version (what it asks of
// make may change), then each output's SHA-256.
std::string BuiltKey(const BuildRequest& request) {
  return Sha256Hex(SourceKey(request) + "pahole " + std::to_string(request.pahole_version) + "\n.config " +
                   Sha256OfFile(request.build_dir / ".config").value_or("none") + "\nmodule " +
                   ModuleSourceDigest(request) + "\nharness " + std::string(HarnessVersion()) + "\n");
}

std::filesystem::path ModuleKo(const BuildRequest& request) {
  return KernelBuilder::ModuleDir(request) / (std::string(kTestModuleName) + ".ko");
}

std::vector<std::filesystem::path> Outputs(const BuildRequest& request) {
  std::vector<std::filesystem::path> outputs = {request.build_dir / "vmlinux"};
  if (request.arch->boot_image != "vmlinux") outputs.push_back(request.build_dir / request.arch->boot_image);
  if (KernelBuilder::BuildsModule(request)) outputs.push_back(ModuleKo(request));
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
  for (auto name : kPassedHostVars) {
    if (auto value = host.Env(name)) env[std::string(name)] = *value;
  }
  env["PATH"] = PathPrefix(request) + host.Env("PATH").value_or("/usr/bin:/bin");
  for (const auto& [name, value] : request.user_env) env[name] = value;
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
  for (const auto& [name, value] : CcacheEnv(request)) {
    // A password in the remote's URL is never echoed: the command, its log line and results.json
    // show the redacted URL; make's environment has the real one.
    const bool redact = name == "CCACHE_REMOTE_STORAGE" && !request.ccache_remote_shown.empty();
    prefix += name + "=" + ShellQuote(redact ? request.ccache_remote_shown : value) + " ";
  }
  for (const auto& [name, value] : request.user_env) prefix += name + "=" + ShellQuote(value) + " ";
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
                   .inherit_env = false,
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
  if (const auto withheld = WithheldBuildEnv(host_); !withheld.empty()) {
    std::string names;
    for (const auto& v : withheld) names += (names.empty() ? "" : ", ") + v;
    sink_.OnEvent({.kind = Event::Kind::kNote, .cell = request.cell, .stage = Stage::kConfig,
                   .text = "not given to make (the cell decides these): " + names});
  }

  // "<key>\n<commit>\n<SHA-256 of the .config written>\n" from the last configure here.
  std::vector<std::string> last;
  if (std::filesystem::exists(dot_config) && std::filesystem::exists(key_file)) last = SplitLines(ReadFile(key_file));
  std::string why_regenerate;
  if (last.size() != 3 || last[0] != key) {
    why_regenerate = last.empty()      ? ""
                     : last.size() != 3 ? "its record here was written by an older harness"
                                        : "the kconfig asked for, the toolchain, the tools or the make variables changed";
  } else if (Sha256OfFile(dot_config).value_or("") != last[2]) {
    why_regenerate = ".config was changed since the harness wrote it";
  } else {
    why_regenerate = KconfigInputsChanged(request);
  }
  if (why_regenerate.empty() && last.size() == 3) {
    outcome.reused = true;
    if (last[1] != request.revision) outcome.reused_from = last[1];
    sink_.OnEvent({.kind = Event::Kind::kNote, .cell = request.cell, .stage = Stage::kConfig,
                   .text = ".config kept: nothing kconfig read for it changed (include/config/auto.conf.cmd)" +
                           (outcome.reused_from.empty() ? std::string() : " since " + last[1].substr(0, 12))});
  } else {
    if (!why_regenerate.empty()) {
      sink_.OnEvent({.kind = Event::Kind::kNote, .cell = request.cell, .stage = Stage::kConfig,
                     .text = "regenerating .config: " + why_regenerate});
    }
    std::filesystem::remove(key_file);
    // Something the .config depends on changed, so make must run: the built stamp goes too.
    std::filesystem::remove(request.build_dir / kBuiltKeyFile);
    // The record and kconfig's own list belong to the old .config: the next make writes both anew.
    std::filesystem::remove(request.build_dir / kKconfigInputsFile);
    std::filesystem::remove(request.build_dir / "include/config/auto.conf.cmd");
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
    WriteFile(key_file, key + "\n" + request.revision + "\n" + Sha256OfFile(dot_config).value_or("") + "\n");
  }
  return outcome;
}

namespace {

// kconfig's list of the files it read, from include/config/auto.conf.cmd ("deps_config := \"
// then one path a line, each ending in " \"); empty when there is none.
std::vector<std::string> KconfigDeps(const std::filesystem::path& build_dir) {
  std::vector<std::string> deps;
  std::error_code ec;
  const auto cmd = build_dir / "include/config/auto.conf.cmd";
  if (!std::filesystem::exists(cmd, ec)) return deps;
  bool in_list = false;
  for (const auto& line : SplitLines(ReadFile(cmd))) {
    std::string_view text = Trim(line);
    if (!in_list) {
      in_list = text.starts_with("deps_config :=");
      continue;
    }
    if (text.empty() || !text.ends_with('\\')) break;
    text = Trim(text.substr(0, text.size() - 1));
    if (!text.empty()) deps.emplace_back(text);
  }
  return deps;
}

std::filesystem::path InSource(const BuildRequest& request, const std::string& path) {
  return std::filesystem::path(path).is_absolute() ? std::filesystem::path(path) : request.source / path;
}

// Every file whose change can change what kconfig makes of the request: kconfig's own list, the
// files those Kconfig files name as $(srctree)/... (the scripts run through $(shell,...) and
// $(success,...): pahole-version.sh, cc-version.sh, gcc-check-*.sh, ...), kconfig's sources, and
// the Makefiles that set the variables Kconfig sees (top, the arches' and Makefile.clang).
std::set<std::string> KconfigInputFiles(const BuildRequest& request, const std::vector<std::string>& deps) {
  std::set<std::string> files(deps.begin(), deps.end());
  files.insert("Makefile");
  files.insert("scripts/Makefile.clang");
  constexpr std::string_view kSrctree = "$(srctree)/";
  for (const auto& dep : deps) {
    if (dep.starts_with("arch/") && dep.find('/', 5) != std::string::npos) {
      files.insert(dep.substr(0, dep.find('/', 5)) + "/Makefile");
    }
    std::string text;
    try {
      text = ReadFile(InSource(request, dep));
    } catch (const HarnessError&) {
      continue;  // hashed as missing below
    }
    for (std::size_t at = text.find(kSrctree); at != std::string::npos; at = text.find(kSrctree, at + 1)) {
      const std::size_t begin = at + kSrctree.size();
      const std::size_t end = text.find_first_of(" \t\n,)\"'$", begin);
      const std::string path = text.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
      if (!path.empty()) files.insert(path);
    }
  }
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(request.source / "scripts/kconfig", ec)) {
    if (entry.is_regular_file(ec)) files.insert("scripts/kconfig/" + entry.path().filename().string());
  }
  return files;
}

}  // namespace

void KernelBuilder::RecordKconfigInputs(const BuildRequest& request) {
  const auto deps = KconfigDeps(request.build_dir);
  if (deps.empty()) return;  // make stopped before kconfig wrote its list: the next run regenerates
  std::string record;
  for (const auto& path : KconfigInputFiles(request, deps)) {
    record += Sha256OfFile(InSource(request, path)).value_or("missing") + " " + path + "\n";
  }
  WriteFile(request.build_dir / kKconfigInputsFile, record);
}

std::string KernelBuilder::KconfigInputsChanged(const BuildRequest& request) {
  std::vector<std::string> lines;
  try {
    lines = SplitLines(ReadFile(request.build_dir / kKconfigInputsFile));
  } catch (const HarnessError&) {
    return "no record of what kconfig read for it (no build got past its configuration here yet)";
  }
  if (lines.empty()) return "the record of what kconfig read is empty";
  for (const auto& line : lines) {
    const auto space = line.find(' ');
    if (space == std::string::npos) return "the record of what kconfig read is damaged";
    const std::string path = line.substr(space + 1);
    if (Sha256OfFile(InSource(request, path)).value_or("missing") != line.substr(0, space)) {
      return path + " changed (kconfig read it for this .config)";
    }
  }
  return {};
}

std::vector<std::string> KernelBuilder::ForgetLink(const std::filesystem::path& build_dir) {
  std::vector<std::string> removed;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(build_dir, ec)) {
    const std::string name = entry.path().filename().string();
    const bool link_output = name == "vmlinux" || name == "vmlinux.o" || name == "System.map" ||
                             name.starts_with(".tmp_vmlinux") || name.starts_with(".btf.vmlinux") ||
                             name.starts_with(".tmp_System.map");
    if (link_output && std::filesystem::remove(entry.path(), ec)) removed.push_back(name);
  }
  std::sort(removed.begin(), removed.end());
  return removed;
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

bool KernelBuilder::BuildsModule(const BuildRequest& request) {
  if (request.module_source.empty()) return false;
  std::error_code ec;
  if (!std::filesystem::exists(request.build_dir / ".config", ec)) return false;
  const DotConfig config = ParseDotConfig(ReadFile(request.build_dir / ".config"));
  auto enabled = [&](const char* name) {
    const auto it = config.find(name);
    return it != config.end() && it->second == "y";
  };
  return enabled("CONFIG_MODULES") && enabled("CONFIG_DEBUG_INFO_BTF_MODULES");
}

std::filesystem::path KernelBuilder::ModuleDir(const BuildRequest& request) {
  return request.build_dir / ("harness-" + std::string(kTestModuleName));
}

bool KernelBuilder::BuildModule(const BuildRequest& request, BuildOutcome& outcome) {
  const std::filesystem::path dir = ModuleDir(request);
  std::filesystem::create_directories(dir);
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(request.module_source, ec)) {
    if (!entry.is_regular_file(ec)) continue;
    // Written only when it differs: kbuild goes by mtimes, and an unchanged source stays built.
    const std::string text = ReadFile(entry.path());
    const auto target = dir / entry.path().filename();
    if (ReadFileOrEmpty(target) != text) WriteFile(target, text);
  }
  if (ec) throw HarnessError("cannot read the test module's source '" + request.module_source.string() + "': " + ec.message());
  // Makefile.modfinal's BTF step reads vmlinux, which an external module's .ko does not depend
  // on: without this a relinked vmlinux would leave the old module BTF in place.
  std::filesystem::remove(ModuleKo(request), ec);
  if (std::filesystem::exists(ModuleKo(request))) {
    throw HarnessError("cannot remove the test module's old '" + ModuleKo(request).string() + "' (" + ec.message() +
                       "): it may be built against another vmlinux");
  }
  const std::vector<std::string> targets = {"M=" + dir.string(), "modules"};
  outcome.module_command = PasteableCommand(request, targets);
  outcome.module_log = request.log_dir / "module.log";
  ProcessResult result = RunMake(request, targets, outcome.module_log, Stage::kBuild);
  outcome.seconds += result.seconds;
  if (result.ok() && std::filesystem::exists(ModuleKo(request), ec)) {
    outcome.module = ModuleKo(request);
    return true;
  }
  outcome.log = outcome.module_log;
  outcome.command = outcome.module_command;
  if (!result.ok()) {
    outcome.failure = result.Describe() + " (the test module's make)";
    const std::string log_text = ReadFileOrEmpty(outcome.module_log);
    outcome.diagnosis = DiagnoseBuildLog(log_text);
    if (outcome.diagnosis.first_error.empty()) outcome.diagnosis.first_error = "the test module's make " + result.Describe();
    if (result.signal == SIGKILL && !result.timed_out && outcome.diagnosis.machine_failure.empty()) {
      // As for the kernel's make: only the OOM killer or a person kills make without a timeout.
      outcome.diagnosis.machine_failure = "the test module's make was killed by SIGKILL (out of memory?)";
      outcome.diagnosis.machine_failure_line = static_cast<int>(SplitLines(log_text).size());
    }
  } else {
    outcome.failure = "the test module's make succeeded but " + ModuleKo(request).string() + " is missing";
    outcome.diagnosis.first_error = outcome.failure;
  }
  return false;
}

BuildOutcome KernelBuilder::Build(const BuildRequest& request) {
  BuildOutcome outcome;
  std::vector<std::string> targets(request.arch->make_targets.begin(), request.arch->make_targets.end());
  // modpost over vmlinux writes Module.symvers, which the test module's build needs.
  const bool with_module = BuildsModule(request);
  if (with_module) targets.push_back("modules");
  outcome.command = PasteableCommand(request, targets);
  outcome.log = request.log_dir / "build.log";
  WriteFile(request.log_dir / "make-command.txt", outcome.command + "\n");
  outcome.vmlinux = request.build_dir / "vmlinux";
  outcome.image = request.build_dir / request.arch->boot_image;
  if (const auto commit = UpToDate(request)) {
    outcome.ok = outcome.skipped = true;
    if (with_module) outcome.module = ModuleKo(request);
    sink_.OnEvent({.kind = Event::Kind::kNote, .cell = request.cell, .stage = Stage::kBuild,
                   .text = "make skipped: same commit " + commit->substr(0, 12) + " (work tree clean), .config, " +
                           "toolchain, pahole and test module source as the last build, whose vmlinux, " +
                           std::string(request.arch->boot_image) + (with_module ? " and " + std::string(kTestModuleName) + ".ko" : std::string()) +
                           " are unchanged (SHA-256)"});
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
  outcome.relinked = ForgetLink(request.build_dir);
  if (!outcome.relinked.empty()) {
    std::string names;
    for (const auto& name : outcome.relinked) names += (names.empty() ? "" : " ") + name;
    sink_.OnEvent({.kind = Event::Kind::kNote, .cell = request.cell, .stage = Stage::kBuild,
                   .text = "removed " + names + ": the link runs again with this tree's scripts and tools, "
                           "as in a clean build (kbuild does not track PAHOLE_FLAGS or the tools "
                           "link-vmlinux.sh runs)"});
  }
  ProcessResult result = RunMake(request, targets, outcome.log, Stage::kBuild);
  RecordKconfigInputs(request);
  // kbuild's syncconfig may rewrite the .config it was given; that is not a hand edit.
  if (auto key = SplitLines(ReadFileOrEmpty(request.build_dir / kConfigKeyFile)); key.size() == 3) {
    WriteFile(request.build_dir / kConfigKeyFile,
              key[0] + "\n" + key[1] + "\n" + Sha256OfFile(request.build_dir / ".config").value_or("") + "\n");
  }
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
    const std::string log_text = ReadFile(outcome.log);
    outcome.diagnosis = DiagnoseBuildLog(log_text);
    if (result.signal == SIGKILL && outcome.diagnosis.machine_failure.empty()) {
      // make itself was killed (we send SIGKILL only on a timeout, reported above): the OOM
      // killer or a person, never the kernel's doing, and it leaves no "Killed" line to find.
      outcome.diagnosis.machine_failure = "make itself was killed by SIGKILL (out of memory?)";
      outcome.diagnosis.machine_failure_line = static_cast<int>(SplitLines(log_text).size());
    }
    return outcome;
  }
  if (!std::filesystem::exists(outcome.vmlinux) || !std::filesystem::exists(outcome.image)) {
    outcome.failure = "make succeeded but " +
                      (std::filesystem::exists(outcome.vmlinux) ? outcome.image : outcome.vmlinux).string() +
                      " is missing";
    outcome.diagnosis.first_error = outcome.failure;
    return outcome;
  }
  if (with_module && !BuildModule(request, outcome)) return outcome;
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

std::map<std::string, std::string> UserBuildEnv(const Host& host) {
  std::map<std::string, std::string> env;
  for (auto name : kUserBuildVars) {
    if (auto value = host.Env(name)) env[std::string(name)] = *value;
  }
  return env;
}

std::vector<std::string> WithheldBuildEnv(const Host& host) {
  std::vector<std::string> withheld;
  auto add = [&](std::string_view name) {
    if (auto value = host.Env(name)) withheld.push_back(std::string(name) + "=" + ShellQuote(*value));
  };
  for (auto name : kCellBuildVars) add(name);
  // Any other KBUILD_*/KCONFIG_* kbuild reads; the ones a user may set are in kUserBuildVars.
  for (auto name : {"KBUILD_OUTPUT", "KBUILD_EXTMOD", "KBUILD_VERBOSE", "KBUILD_KCONFIG", "KBUILD_DEFCONFIG",
                    "KBUILD_ABS_SRCTREE", "KBUILD_EXTRA_WARN", "KBUILD_MODPOST_WARN", "KBUILD_CHECKSRC",
                    "KCONFIG_CONFIG", "KCONFIG_ALLCONFIG", "KCONFIG_OVERWRITECONFIG", "KCONFIG_AUTOCONFIG",
                    "KCONFIG_AUTOHEADER", "KCONFIG_NOSILENTUPDATE", "KCONFIG_SEED", "KCONFIG_PROBABILITY"}) {
    add(name);
  }
  return withheld;
}

namespace {
// The first line of `program --version` on the toolchain's PATH, or why there is none.
std::string FirstVersionLine(ProcessRunner& runner, const std::string& program, const Toolchain& toolchain,
                             const Host& host) {
  std::map<std::string, std::string> env;
  if (!toolchain.bin_dir.empty()) {
    env["PATH"] = std::string(toolchain.bin_dir) + ":" + host.Env("PATH").value_or("/usr/bin:/bin");
  }
  try {
    ProcessResult result = runner.Run({.argv = {program, "--version"}, .env = env, .capture_limit = 1 << 16});
    const auto lines = SplitLines(result.output);
    if (!result.ok() || lines.empty()) return "'" + program + " --version' failed (" + result.Describe() + ")";
    return Printable(Trim(lines.front()));
  } catch (const HarnessError&) {
    return "'" + program + "' not found";
  }
}
}  // namespace

std::string BinutilsVersion(ProcessRunner& runner, const Arch& arch, const Toolchain& toolchain, const Host& host) {
  std::string text;
  for (auto program : toolchain.binutils_programs) {
    const std::string name = ToolchainProgram(program, arch);
    text += (text.empty() ? "" : "; ") + name + ": " + FirstVersionLine(runner, name, toolchain, host);
  }
  return text;
}

std::string PaholeVersionLine(ProcessRunner& runner, const Host& host) {
  const std::filesystem::path pahole = host.FindProgram("pahole");
  if (pahole.empty()) return "none";
  // By name, as make runs it (PAHOLE=pahole on make's PATH).
  std::string line = FirstVersionLine(runner, "pahole", Toolchain{}, host) + " (" + pahole.string();
  // Debian's own pahole: its package version tells a patched rebuild (1.24-4 vs 1.24-4.1) that
  // --version does not.
  try {
    ProcessResult package = runner.Run({.argv = {"dpkg-query", "-S", pahole.string()}, .capture_limit = 1 << 12});
    if (package.ok() && package.output.find(':') != std::string::npos) {
      const std::string name(Trim(package.output.substr(0, package.output.find(':'))));
      ProcessResult version =
          runner.Run({.argv = {"dpkg-query", "-W", "-f=${Version}", name}, .capture_limit = 1 << 12});
      if (version.ok()) line += ", " + name + " " + Printable(Trim(version.output));
    }
  } catch (const HarnessError&) {
    // No dpkg: the path and --version are all there is to tell.
  }
  return line + ")";
}

int PaholeVersion(ProcessRunner& runner, const Host& host) {
  if (host.FindProgram("pahole").empty()) return 0;
  ProcessResult result = runner.Run({.argv = {"pahole", "--version"}});
  if (!result.ok()) return 0;
  return ParsePaholeVersion(result.output);
}

int ParsePaholeVersion(std::string_view out) {
  // The first "MAJOR.MINOR" (digits, a dot, digits) in "v1.24"; scanned by hand, as a regex
  // search recurses once per character of its input.
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
