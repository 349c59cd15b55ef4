// fake-vmlinux: writes a small vmlinux-like ELF for the fake kernel tree (tests/data/fakelinux),
// whose link step calls it the way link-vmlinux.sh calls the linker. The ELF carries what the
// harness's inspector checks: a .BTF section in the arch's byte order and class, inside a
// PT_LOAD, between __start_BTF and __stop_BTF, and a GNU build-id note.
//
//   fake-vmlinux --machine 62 --class 64 --endian little [--btf-types N] [--no-btf]
//                [--build-id-from FILE] [--stop-delta N] [--module] OUTPUT
//
// --module writes a module-like ELF instead: its .BTF is split BTF on top of the vmlinux that
// the same --btf-types gives (not allocated, no delimiting symbols, no build ID).
//
// The build ID is derived from FILE's bytes (the tree passes .config), so the same
// configuration gives the same ID run after run and a different one gives a different ID.
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "harness/core/error.h"
#include "harness/core/util.h"
#include "tests/support/elf_writer.h"

namespace harness {
namespace {

constexpr const char* kUsage =
    "usage: fake-vmlinux --machine N --class 32|64 --endian little|big [--btf-types N] [--no-btf] "
    "[--build-id-from FILE] [--stop-delta N] [--module] OUTPUT";

struct Options {
  FakeVmlinuxSpec spec;
  int btf_types = 8;
  bool module = false;
  std::filesystem::path build_id_from;
  std::filesystem::path output;
};

unsigned long ParseNumber(const std::string& flag, const std::string& value) {
  char* end = nullptr;
  const unsigned long n = std::strtoul(value.c_str(), &end, 0);
  if (value.empty() || *end != '\0') throw HarnessError(flag + " wants a number, got '" + value + "'");
  return n;
}

Options ParseArgs(const std::vector<std::string>& args) {
  Options options;
  bool have_machine = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    auto value = [&]() -> const std::string& {
      if (i + 1 >= args.size()) throw HarnessError(arg + " needs a value");
      return args[++i];
    };
    if (arg == "--machine") {
      options.spec.machine = static_cast<unsigned>(ParseNumber(arg, value()));
      have_machine = true;
    } else if (arg == "--class") {
      const std::string& v = value();
      if (v != "32" && v != "64") throw HarnessError("--class wants 32 or 64, got '" + v + "'");
      options.spec.elf_class = v == "32" ? 32 : 64;
    } else if (arg == "--endian") {
      const std::string& v = value();
      if (v != "little" && v != "big") throw HarnessError("--endian wants little or big, got '" + v + "'");
      options.spec.endian = v == "little" ? Endian::kLittle : Endian::kBig;
    } else if (arg == "--btf-types") {
      options.btf_types = static_cast<int>(ParseNumber(arg, value()));
    } else if (arg == "--no-btf") {
      options.spec.with_btf = false;
      options.spec.start_symbol.clear();
      options.spec.stop_symbol.clear();
    } else if (arg == "--module") {
      options.module = true;
      options.spec.btf_alloc = options.spec.btf_in_load = false;
      options.spec.start_symbol.clear();
      options.spec.stop_symbol.clear();
    } else if (arg == "--build-id-from") {
      options.build_id_from = value();
    } else if (arg == "--stop-delta") {  // __stop_BTF moved by N bytes: a linker script gone wrong
      const std::string& v = value();
      char* end = nullptr;
      options.spec.stop_delta = std::strtoll(v.c_str(), &end, 0);
      if (v.empty() || *end != '\0') throw HarnessError("--stop-delta wants a number, got '" + v + "'");
    } else if (!arg.empty() && arg[0] == '-') {
      throw HarnessError("unknown option '" + arg + "'");
    } else if (options.output.empty()) {
      options.output = arg;
    } else {
      throw HarnessError("more than one output file ('" + options.output.string() + "', '" + arg + "')");
    }
  }
  if (!have_machine) throw HarnessError("--machine is required");
  if (options.output.empty()) throw HarnessError("no output file");
  return options;
}

// 20 bytes, like ld's --build-id=sha1, taken from the SHA-256 of the input file.
std::vector<std::uint8_t> BuildIdFrom(const std::filesystem::path& path) {
  const std::string hex = Sha256Hex(ReadFile(path));
  std::vector<std::uint8_t> id;
  for (std::size_t i = 0; i + 1 < hex.size() && id.size() < 20; i += 2) {
    id.push_back(static_cast<std::uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
  }
  return id;
}

int Main(int argc, char** argv) {
  try {
    Options options = ParseArgs({argv + 1, argv + argc});
    if (options.spec.with_btf) {
      options.spec.btf = options.module ? MakeModuleBtfBlob(options.spec.endian, options.btf_types)
                                        : MakeBtfBlob(options.spec.endian, options.btf_types);
    }
    if (!options.module) {
      options.spec.build_id = options.build_id_from.empty() ? std::vector<std::uint8_t>(20, 0x42)
                                                            : BuildIdFrom(options.build_id_from);
    }
    WriteFakeVmlinux(options.output, options.spec);
    return 0;
  } catch (const HarnessError& e) {
    std::cerr << "fake-vmlinux: error: " << e.what() << "\n" << kUsage << "\n";
    return 2;
  }
}

}  // namespace
}  // namespace harness

int main(int argc, char** argv) { return harness::Main(argc, argv); }
