#pragma once
// Configures and builds one kernel out of tree (O=) for one arch: tinyconfig + fragments,
// olddefconfig, the survived-options check, then make. Everything runs through ProcessRunner;
// every command is announced (Event::kCommand) exactly as a person could paste it.
#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "harness/arch/arch.h"
#include "harness/kbuild/ccache.h"
#include "harness/kbuild/diagnose.h"
#include "harness/config/kconfig.h"
#include "harness/core/host.h"
#include "harness/results/events.h"
#include "harness/proc/runner.h"
#include "harness/toolchain/toolchain.h"

namespace harness {

struct BuildRequest {
  std::string cell;
  const Arch* arch = nullptr;
  const Toolchain* toolchain = nullptr;  // null: gcc
  std::filesystem::path source;       // kernel tree
  std::string revision;               // the source's commit, when it is a git work tree
  std::filesystem::path build_dir;    // O=
  std::filesystem::path log_dir;      // config.log, build.log, make-command.txt
  std::string kconfig_base = "tinyconfig";
  std::vector<KconfigOption> options;  // merged fragments
  int jobs = 1;
  std::chrono::seconds timeout{3600};
  std::filesystem::path ccache_dir;   // masquerade dir for ccache, empty when not used
  // ccache's remote storage (a redis:// URL checked to answer), behind the local cache; empty:
  // the local cache only. Used only with ccache_dir.
  std::string ccache_remote;
  // What the pasteable make command shows for ccache_remote (its password as ***); empty: the URL
  // itself. make's environment gets ccache_remote.
  std::string ccache_remote_shown;
  // The compiler's first --version line and pahole's version (e.g. 124): inputs of the
  // .config (Kconfig asks the compiler) and of the build. Unset (-1): Configure asks pahole.
  std::string toolchain_version;
  int pahole_version = -1;
  // The first version lines of the toolchain's linker and objcopy (BinutilsVersion), and
  // pahole's whole version with where it comes from (PaholeVersionLine): inputs of the build
  // that kbuild itself never compares.
  std::string binutils_version;
  std::string pahole_version_line;
  // kbuild's own variables the user set in the harness's environment (KCFLAGS, ...; see
  // UserBuildEnv): given to make, shown in its pasteable command and part of the build's key.
  // Nothing else of the harness's environment reaches make (MakeEnv).
  std::map<std::string, std::string> user_env;
  // The harness's test module (images/btfmod: btfmod.c and its Kbuild), built as an external
  // module against this build when its .config has CONFIG_DEBUG_INFO_BTF_MODULES=y (see
  // BuildsModule); empty: no module.
  std::filesystem::path module_source;
};

// The test module's name: its .ko, the file /sys/kernel/btf/<name> and images/probe.c's.
inline constexpr std::string_view kTestModuleName = "btfmod";

struct ConfigOutcome {
  bool reused = false;                // .config already matched the request: no make run
  std::string reused_from;            // reused although the commit changed: the commit it was made at
  std::vector<DroppedOption> dropped; // empty when every option stuck
  std::string error;                  // the config make itself failed (a kernel failure)
};

struct BuildOutcome {
  bool ok = false;
  std::string command;                // the make command line, pasteable
  std::filesystem::path log;
  std::filesystem::path vmlinux;
  std::filesystem::path image;
  std::string failure;                // ProcessResult::Describe() when !ok
  BuildDiagnosis diagnosis;           // when !ok
  double seconds = 0;
  // make did not run: every input is as the last successful build left it (UpToDate).
  bool skipped = false;
  // make ran in a directory holding an earlier build, whose link outputs were removed first
  // (ForgetLink): the files removed.
  std::vector<std::string> relinked;
  std::optional<CcacheStats> ccache;  // what this build got from the caches, when ccache ran
  // The test module, when the request builds one (BuildsModule): its .ko, the make command that
  // built it (pasteable) and its log. Empty when no module was asked for.
  std::filesystem::path module;
  std::string module_command;
  std::filesystem::path module_log;
};

class KernelBuilder {
 public:
  KernelBuilder(ProcessRunner& runner, EventSink& sink, const Host& host)
      : runner_(runner), sink_(sink), host_(host) {}

  ConfigOutcome Configure(const BuildRequest& request);
  // After a make: records the SHA-256 of every file kconfig read for this .config (its own
  // list, include/config/auto.conf.cmd, plus the scripts those Kconfig files run through
  // $(shell,...) and the Makefiles that set what Kconfig sees), for the next Configure.
  static void RecordKconfigInputs(const BuildRequest& request);
  // Why the .config cannot be kept: the first input kconfig read that changed since
  // RecordKconfigInputs, or that there is no record; empty when none changed.
  static std::string KconfigInputsChanged(const BuildRequest& request);
  BuildOutcome Build(const BuildRequest& request);

  // The last build of this build directory succeeded for the same tree, commit, arch and
  // kconfig, and its vmlinux and image are there: make will most likely have nothing to do.
  // A guess for the scheduler (a cold build costs the whole CPU budget), never a reason to skip make.
  static bool LooksUpToDate(const BuildRequest& request);
  // Whether make can be skipped: the last successful build of this directory was of the same
  // tree, commit, arch, kconfig asked for and the same .config (its SHA-256: a hand edit counts),
  // toolchain (make variables, compiler, linker and objcopy versions), pahole (whole version and
  // package), user make variables (KCFLAGS, ...) and harness version; the git work tree is clean
  // (nothing edited by hand since); and the vmlinux and image are the files that build left (same
  // SHA-256). A tree that is not git is never skipped. Returns the commit when it can be skipped,
  // else nullopt.
  std::optional<std::string> UpToDate(const BuildRequest& request);
  // Whether the build makes the test module: the request has a module source and the .config
  // in its build directory has CONFIG_MODULES=y and CONFIG_DEBUG_INFO_BTF_MODULES=y (5.11+).
  static bool BuildsModule(const BuildRequest& request);
  // Where the module is built (M=): <build_dir>/harness-btfmod.
  static std::filesystem::path ModuleDir(const BuildRequest& request);

  // The build directory holds a vmlinux from an earlier build (of another series or commit):
  // make will rebuild what changed, usually a relink.
  static bool HasEarlierBuild(const BuildRequest& request);

  // Before a make in a directory that holds an earlier build: removes vmlinux and the link's
  // intermediate files, so link-vmlinux.sh runs again with this tree's scripts and tools.
  // kbuild relinks only when the link's command line or prerequisites changed; PAHOLE_FLAGS
  // (scripts/pahole-flags.sh), pahole itself, resolve_btfids and what link-vmlinux.sh calls
  // are neither, so without this a series changing one of them would be graded on the old
  // vmlinux. Returns the names removed.
  static std::vector<std::string> ForgetLink(const std::filesystem::path& build_dir);

  // make's argv for the given targets (the variables are the same for every call, so kbuild
  // and ccache see identical builds run after run).
  static std::vector<std::string> MakeArgv(const BuildRequest& request,
                                           const std::vector<std::string>& targets);
  // The ccache settings of every make, in the order the pasteable command shows them: hits
  // across build directories, and the remote storage when the request has one.
  static std::vector<std::pair<std::string, std::string>> CcacheEnv(const BuildRequest& request);
  // The whole environment every make gets, built here rather than inherited, so that nothing of
  // the host's reaches kbuild unseen: the host's PATH (the ccache masquerade dir and the
  // toolchain's bin dir first), HOME, locale, TERM and ccache's own settings (which never change
  // an output), the request's user_env, the CcacheEnv, and the stats log the build's counters
  // are read from.
  static std::map<std::string, std::string> MakeEnv(const BuildRequest& request, const Host& host);
  // Where ccache logs the counters of this request's makes (CCACHE_STATSLOG).
  static std::filesystem::path CcacheStatsLog(const BuildRequest& request);
  // "cd SRC && PATH=... make ..." for people.
  static std::string PasteableCommand(const BuildRequest& request,
                                      const std::vector<std::string>& targets);

 private:
  // Copies the module's source into ModuleDir, removes the .ko an earlier build left (its BTF
  // comes from this vmlinux, which kbuild does not track for an external module) and makes it.
  // Fills outcome.module*, or failure and diagnosis; false when it failed.
  bool BuildModule(const BuildRequest& request, BuildOutcome& outcome);
  ProcessResult RunMake(const BuildRequest& request, const std::vector<std::string>& targets,
                        const std::filesystem::path& log, Stage stage);

  ProcessRunner& runner_;
  EventSink& sink_;
  const Host& host_;
};

// How many kbuild step lines a build in `build_dir` will print (0: no idea), for a share done:
// what the last successful build there printed, else a guess from its .config (3 per "=y").
struct StepEstimate {
  std::size_t steps = 0;
  std::string source;  // "the last build here", ".config" or empty
};
StepEstimate EstimateBuildSteps(const std::filesystem::path& build_dir);

// The request's toolchain (gcc when none is set).
const Toolchain& ToolchainOf(const BuildRequest& request);

// Checks the host tools a build of `arch` with `toolchain` needs (gcc when null); throws
// HarnessError naming the Debian package of the first missing one.
void CheckBuildTools(const Arch& arch, const Host& host, const Toolchain* toolchain = nullptr);

// The first line of `<compiler> --version` as make would find it (e.g. "Debian clang version
// 16.0.6 (15~deb12u1)"); empty when it cannot be run.
std::string ToolchainVersion(ProcessRunner& runner, const Arch& arch, const Toolchain& toolchain,
                             const Host& host);

// kbuild's variables a user sets to change a build (KCFLAGS, KCPPFLAGS, KAFLAGS, USERCFLAGS,
// HOSTCFLAGS, KBUILD_BUILD_TIMESTAMP, ...) as set in the host's environment: make gets them.
std::map<std::string, std::string> UserBuildEnv(const Host& host);
// Variables kbuild would read that are set in the host's environment but are the cell's to
// decide (LLVM, CC, LD, CROSS_COMPILE, ARCH, KBUILD_OUTPUT, KCONFIG_*, MAKEFLAGS, ...), as
// "NAME=value": make never gets them.
std::vector<std::string> WithheldBuildEnv(const Host& host);

// "ld: <first line of --version>; objcopy: <...>" for the toolchain's binutils programs on
// `arch`; a program that cannot be run is named as such.
std::string BinutilsVersion(ProcessRunner& runner, const Arch& arch, const Toolchain& toolchain, const Host& host);

// pahole's whole `--version` line and where it comes from ("v1.24 (/usr/bin/pahole, dwarves
// 1.24-4.1)"); "none" when pahole is missing.
std::string PaholeVersionLine(ProcessRunner& runner, const Host& host);

// pahole's version as kconfig encodes it (v1.24 -> 124); 0 when pahole is missing.
int PaholeVersion(ProcessRunner& runner, const Host& host);
// The first MAJOR.MINOR of pahole's version text ("v1.24 (...)" -> 124); 0 when there is none.
int ParsePaholeVersion(std::string_view version_text);

// Creates (once) a ccache masquerade dir holding, for every arch and toolchain, a link to ccache
// named as each compiler the toolchain runs (<prefix>gcc, clang). Returns
// an empty path when ccache is not installed.
std::filesystem::path PrepareCcacheDir(const std::filesystem::path& cache_dir, const Host& host);

}  // namespace harness
