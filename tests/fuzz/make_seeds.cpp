// Writes the seed corpus of every fuzz target into OUT/<target>/: the text fixtures of
// tests/data, configs/ and kernel-patches/ as they are, plus inputs generated here (probe
// records, vmlinux-like ELF files in both byte orders, mails in each transfer encoding), so no
// binary seed is checked in. Usage: harness_fuzz_seeds OUT
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "harness/boot/record.h"
#include "harness/core/util.h"
#include "tests/support/elf_writer.h"
#include "tests/support/record_writer.h"
#include "tests/support/tar_writer.h"

namespace harness {
namespace {

namespace fs = std::filesystem;

void Write(const fs::path& file, std::string_view bytes) {
  fs::create_directories(file.parent_path());
  WriteFile(file, bytes);
}

std::string_view AsText(const std::vector<std::uint8_t>& bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// Every file under `dir` (recursively) whose name ends with `suffix`, into out/<target>/.
void CopyFixtures(const fs::path& dir, std::string_view suffix, const fs::path& out) {
  if (!fs::is_directory(dir)) return;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file() || !name.ends_with(suffix)) continue;
    const std::string flat = fs::relative(entry.path(), dir).string();
    std::string seed;
    for (char c : flat) seed += c == '/' ? '_' : c;
    Write(out / seed, ReadFile(entry.path()));
  }
}

std::vector<std::uint8_t> GnuBuildIdNote(Endian endian, const std::vector<std::uint8_t>& id) {
  std::vector<std::uint8_t> note;
  auto put32 = [&](std::uint32_t v) {
    for (int i = 0; i < 4; ++i) {
      const int shift = endian == Endian::kLittle ? 8 * i : 8 * (3 - i);
      note.push_back(static_cast<std::uint8_t>(v >> shift));
    }
  };
  put32(4);
  put32(static_cast<std::uint32_t>(id.size()));
  put32(3);  // NT_GNU_BUILD_ID
  for (char c : std::string_view("GNU\0", 4)) note.push_back(static_cast<std::uint8_t>(c));
  note.insert(note.end(), id.begin(), id.end());
  return note;
}

void RecordSeeds(const fs::path& out) {
  const std::vector<std::uint8_t> id = {0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4};
  for (Endian endian : {Endian::kLittle, Endian::kBig}) {
    ProbeRecord r;
    r.flags = kFlagProcMounted | kFlagSysfsMounted | kFlagBtfDirIsDir | kFlagVmlinuxExists | kFlagVmlinuxRegular;
    r.mode = 0100444;
    r.blob = MakeBtfBlob(endian, 3);
    r.size = r.blob.size();
    for (auto [offset, length] : ProbeRanges(r.blob.size())) {
      r.small_reads.push_back({offset, {r.blob.begin() + offset, r.blob.begin() + offset + length}});
    }
    r.read_cap = r.blob.size() + 4096;
    r.eof_read = 0;
    r.prog_load = BpfCall{.kind = 31, .result = 0, .log = "processed 2 insns (limit 1000000)\n"};
    r.btf_load = BpfCall{};
    r.version = "Linux version 6.1.0 (fuzz@seed) #1 SMP\n";
    r.notes = GnuBuildIdNote(endian, id);
    const std::string name = endian == Endian::kLittle ? "le" : "be";
    Write(out / ("full-" + name), AsText(EncodeRecord(r)));
    std::vector<std::uint8_t> disk = EncodeRecord(r);
    disk.resize(disk.size() + 512);  // the rest of the disk, ignored
    Write(out / ("full-on-disk-" + name), AsText(disk));
    disk.resize(disk.size() / 3);
    Write(out / ("truncated-" + name), AsText(disk));
  }
  ProbeRecord failed;
  failed.flags = kFlagProcMounted | kFlagReadError;
  failed.errors = "open /sys/kernel/btf/vmlinux: No such file or directory\n";
  failed.eof_read = -5;
  Write(out / "errors-only", AsText(EncodeRecord(failed)));
  Write(out / "empty", AsText(EncodeRecord({})));
}

void ElfSeeds(const fs::path& out) {
  struct Machine {
    const char* name;
    unsigned machine;
    Endian endian;
  };
  const Machine machines[] = {{"x86_64", 62, Endian::kLittle}, {"arm64", 183, Endian::kLittle},
                              {"s390x", 22, Endian::kBig}, {"arm64-be", 183, Endian::kBig}};
  fs::create_directories(out);
  for (const Machine& m : machines) {
    FakeVmlinuxSpec good;
    good.endian = m.endian;
    good.machine = m.machine;
    good.btf = MakeBtfBlob(m.endian, 4);
    good.build_id = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20};
    const std::string base = m.name;
    WriteFakeVmlinux(out / (base + "-good"), good);
    FakeVmlinuxSpec spec = good;
    spec.elf_class = 32;
    WriteFakeVmlinux(out / (base + "-elf32"), spec);
    spec = good;
    spec.btf_alloc = false;
    spec.btf_in_load = false;
    spec.start_symbol.clear();
    WriteFakeVmlinux(out / (base + "-not-loaded"), spec);
    spec = good;
    spec.btf_sh_size = 1u << 30;
    spec.stop_delta = -4;
    WriteFakeVmlinux(out / (base + "-lying-size"), spec);
    spec = good;
    spec.btf_nobits = true;
    WriteFakeVmlinux(out / (base + "-nobits"), spec);
    spec = good;
    spec.with_btf = false;
    spec.build_id.clear();
    WriteFakeVmlinux(out / (base + "-no-btf"), spec);
    Write(out / (base + "-notes"), AsText(GnuBuildIdNote(m.endian, good.build_id)));
  }
}

// Pairs of BTF blobs as btf_diff_fuzz reads them: the first blob's length (2 bytes, little-endian),
// the first blob, the second. Both byte orders, a member offset apart, a type apart.
void BtfDiffSeeds(const fs::path& out) {
  auto task = [](Endian endian, std::uint32_t pid_offset, bool extra) {
    BtfBuilder btf(endian);
    const auto int_id = btf.Int("int", 4);
    const auto task_id = btf.Struct("task_struct", 16, {{"state", int_id, 0}, {"pid", int_id, pid_offset}});
    btf.Ptr(task_id);
    btf.Enum("pid_type", {{"PIDTYPE_PID", 0}, {"PIDTYPE_TGID", 1}});
    btf.Func("do_fork", int_id, {{"flags", int_id, 0}});
    if (extra) btf.Int("long", 8);
    return btf.Blob();
  };
  auto pair = [](const std::vector<std::uint8_t>& a, const std::vector<std::uint8_t>& b) {
    std::string bytes = {static_cast<char>(a.size() & 0xff), static_cast<char>(a.size() >> 8)};
    bytes.append(a.begin(), a.end());
    bytes.append(b.begin(), b.end());
    return bytes;
  };
  fs::create_directories(out);
  for (Endian endian : {Endian::kLittle, Endian::kBig}) {
    const std::string base = EndianName(endian);
    Write(out / (base + "-offset"), pair(task(endian, 64, false), task(endian, 96, false)));
    Write(out / (base + "-extra-type"), pair(task(endian, 64, false), task(endian, 64, true)));
  }
  Write(out / "byte-orders", pair(task(Endian::kBig, 64, false), task(Endian::kLittle, 64, false)));
}

void MailSeeds(const fs::path& out) {
  const std::string diff =
      "diff --git a/kernel/bpf/btf.c b/kernel/bpf/btf.c\n"
      "index 1111111..2222222 100644\n"
      "--- a/kernel/bpf/btf.c\n"
      "+++ b/kernel/bpf/btf.c\n"
      "@@ -10,3 +10,4 @@ int btf_init(void)\n"
      " one\n"
      "-two\n"
      "+2\n"
      "+2.5\n"
      " three\n";
  const std::string head =
      "From 1234567890abcdef1234567890abcdef12345678 Mon Sep 17 00:00:00 2001\n"
      "From: Dev Eloper <dev@example.org>\n"
      "Date: Tue, 2 Jan 2024 10:00:00 +0100\n";
  Write(out / "format-patch",
        head + "Subject: [PATCH v2 1/2] =?UTF-8?q?bpf:=20caf=C3=A9?=\n\nWhy.\n---\n" + diff + "-- \n2.39.5\n\n");
  Write(out / "quoted-printable",
        head + "Subject: [RFC PATCH 2/2] qp\nContent-Transfer-Encoding: quoted-printable\n\n" +
            "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a=3D1\n+a=3D=\n2\n");
  Write(out / "base64", head + "Subject: [PATCH] b64\nContent-Transfer-Encoding: base64\n\n" +
                            "LS0tIGEveAorKysgYi94CkBAIC0xICsxIEBACi1hCitiCg==\n");
  Write(out / "mbox-with-cover",
        "From 0 Mon Sep 17 00:00:00 2001\nSubject: [PATCH 0/1] cover\n\nText.\n\n" + head +
            "Subject: [PATCH 1/1] one\n\n" + diff + "\nFrom 1 Mon Sep 17 00:00:00 2001\nSubject: Re: x\n\nok\n");
  Write(out / "rename-quoted",
        "diff --git \"a/dir/t\\tab\" \"b/dir/new name\"\nsimilarity index 90%\n"
        "rename from \"dir/t\\tab\"\nrename to dir/new name\n--- /dev/null\n+++ b/new\n@@ -0,0 +1 @@\n+x\n");
  std::string crlf;
  for (char c : head + "Subject: [PATCH] crlf\n\n" + diff) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  Write(out / "crlf", crlf);
}

// Archives as the kernel tarball has them: files, a symlink, a hard link, long names in each
// format's way.
void TarSeeds(const fs::path& out) {
  const std::string deep = "linux/" + std::string(110, 'd');
  const std::string pax_record = "path=" + deep + "/pax\n";
  Write(out / "files", TarEntry({.name = "linux/", .type = '5', .mode = 0755}) +
                           TarEntry({.name = "linux/Makefile", .data = "VERSION = 6\n"}) +
                           TarEntry({.name = "linux/run.sh", .data = "#!/bin/sh\n", .mode = 0755}) +
                           TarEntry({.name = "linux/dts", .type = '2', .link = "../arm/dts"}) +
                           TarEntry({.name = "linux/copy", .type = '1', .link = "linux/Makefile"}) + TarEnd());
  Write(out / "long-names",
        TarEntry({.name = "ustar", .data = "u", .prefix = deep}) +
            TarEntry({.name = "././@LongLink", .type = 'L', .data = deep + "/gnu"}) +
            TarEntry({.name = "gnu", .data = "g"}) +
            TarEntry({.name = "x", .type = 'x', .data = std::to_string(pax_record.size() + 4) + " " + pax_record}) +
            TarEntry({.name = "pax", .data = "p"}) + TarEnd());
}

}  // namespace
}  // namespace harness

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  using namespace harness;
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT\n", argv[0]);
    return 2;
  }
  const fs::path out = argv[1];
  const fs::path source = HARNESS_SOURCE_DIR;
  try {
    RecordSeeds(out / "record");
    ElfSeeds(out / "elf");
    BtfDiffSeeds(out / "btf_diff");
    MailSeeds(out / "series");
    TarSeeds(out / "tar");
    CopyFixtures(source / "kernel-patches", ".patch", out / "series");
    CopyFixtures(source / "tests/data/console", ".log", out / "console");
    CopyFixtures(source / "tests/data/kbuild-logs", ".log", out / "diagnose");
    CopyFixtures(source / "configs", ".yaml", out / "matrix");
    CopyFixtures(source / "kernel-patches", "expected.yaml", out / "expected");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "harness_fuzz_seeds: %s\n", e.what());
    return 1;
  }
  return 0;
}
