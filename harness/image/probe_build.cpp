#include "harness/image/probe_build.h"

#include <unistd.h>

#include <functional>
#include <thread>

#include "harness/core/error.h"
#include "harness/core/util.h"

namespace harness {

std::filesystem::path BuildProbe(ProcessRunner& runner, EventSink& sink, const Arch& arch,
                                 const std::filesystem::path& data_dir,
                                 const std::filesystem::path& cache_dir, const Host& host) {
  const std::filesystem::path source = data_dir / "images" / "probe.c";
  if (!std::filesystem::exists(source)) {
    throw HarnessError("probe source '" + source.string() + "' is missing (is --data-dir right?)");
  }
  const std::string compiler = std::string(arch.cross_prefix) + "gcc";
  if (host.FindProgram(compiler).empty()) {
    throw HarnessError("'" + compiler + "' is not installed: apt-get install " + std::string(arch.compiler_package));
  }
  ProcessResult version = runner.Run({.argv = {compiler, "--version"}});
  const std::string key = Sha256Hex(ReadFile(source) + version.output).substr(0, 16);
  const std::filesystem::path dir = cache_dir / "probe" / (std::string(arch.name) + "-" + key);
  const std::filesystem::path binary = dir / "probe";
  if (std::filesystem::exists(binary)) return binary;

  std::filesystem::create_directories(dir);
  // Unique per process and thread: two cells of one arch may build it at once; the rename
  // makes whichever finishes last the one that stays, and both are the same binary.
  const std::filesystem::path partial =
      dir / ("probe.partial." + std::to_string(::getpid()) + "." +
             std::to_string(std::hash<std::thread::id>{}(std::this_thread::get_id())));
  ProcessSpec spec{.argv = {compiler, "-static", "-Os", "-Wall", "-o", partial.string(), source.string()},
                   .log_path = dir / "compile.log",
                   .timeout = std::chrono::minutes(5)};
  sink.OnEvent({.kind = Event::Kind::kCommand, .cell = "", .stage = Stage::kImage, .text = ShellJoin(spec.argv)});
  ProcessResult result = runner.Run(spec);
  if (!result.ok()) {
    std::string hint;
    if (result.output.find("cannot find -lc") != std::string::npos ||
        result.output.find("stdio.h") != std::string::npos) {
      hint = ": the static C library is missing: apt-get install " + std::string(arch.libc_package);
    }
    throw HarnessError("compiling the guest probe for " + std::string(arch.name) + " failed (" +
                       result.Describe() + ")" + hint + "; see " + spec.log_path.string());
  }
  std::filesystem::rename(partial, binary);
  return binary;
}

}  // namespace harness
