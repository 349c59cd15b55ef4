#pragma once
// The probe's report, written by images/probe.c to the guest's /dev/vda and read back from the
// raw disk file on the host. The guest is untrusted: Decode never reads out of bounds and turns
// every malformation into an error message.
//
// Wire format (all integers little-endian, whatever the guest's byte order):
//   "HBTFREC1"                        8-byte magic
//   repeated TLV: u32 tag, u32 length, length bytes
//   TLV kTagEnd with length 4 holding the CRC-32 (IEEE, as zlib) of every byte before this TLV
// Bytes after the end TLV (the rest of the disk) are ignored.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace harness {

inline constexpr std::string_view kRecordMagic = "HBTFREC1";

enum RecordTag : std::uint32_t {
  kTagFlags = 1,        // u32 bit set of RecordFlag
  kTagMode = 2,         // u32 st_mode of /sys/kernel/btf/vmlinux
  kTagSize = 3,         // u64 st_size
  kTagBlob = 4,         // bytes read with large reads until EOF (may be shorter than st_size)
  kTagSmallReads = 5,   // (retired: the first 64 bytes; replaced by kTagRanges)
  kTagEofRead = 6,      // i64 result of a read() at offset st_size (0 means EOF, as it should)
  kTagVersion = 7,      // /proc/version
  kTagNotes = 8,        // raw /sys/kernel/notes
  kTagErrors = 9,       // text: one "step: strerror" line per failed step
  kTagRanges = 10,      // 1-byte reads: repeated {u64 offset, u32 count, count bytes}
  kTagReadCap = 11,     // u64 the most the large reads would take (expected size + a page)
  kTagPastCap = 12,     // i64 a 1-byte read() once the large reads reached the cap: 0 is EOF
                        // right there (the file has an end), 1 it went on, < 0 -errno.
                        // Absent: the cap was not reached, or the probe predates this field.
  kTagProgLoad = 13,    // the kernel's verdict on its own BTF: BPF_PROG_LOAD of r0 = 0; exit,
                        // {u32 program type, i32 result (0, or -errno), the head of the log}
  kTagBtfLoad = 14,     // BPF_BTF_LOAD of the bytes read: {u32 log level of the call whose log
                        // is kept (0: none; 1: the failed call was repeated with a log), i32
                        // result of the first call, the end of the log}
  // The test module (module BTF, 5.11+). All absent: the initramfs carried no module.
  kTagModuleLoad = 15,  // i32 result of finit_module of /btfmod.ko (0, or -errno)
  kTagModuleStat = 16,  // {u32 st_mode, u64 st_size} of /sys/kernel/btf/btfmod (absent: no file)
  kTagModuleBlob = 17,  // its bytes, read with large reads until EOF (absent: it could not be opened)
  kTagModuleBtfId = 18, // {i32 result, u32 id}: the kernel's BTF object named btfmod, found by
                        // walking BPF_BTF_GET_NEXT_ID; result 0 found, -ENOENT none of that
                        // name, another -errno a call that failed
  kTagEnd = 0xffffffff, // u32 CRC-32
};

enum RecordFlag : std::uint32_t {
  kFlagProcMounted = 1u << 0,
  kFlagSysfsMounted = 1u << 1,
  kFlagDevtmpfsMounted = 1u << 2,
  kFlagBtfDirIsDir = 1u << 3,
  kFlagVmlinuxExists = 1u << 4,
  kFlagVmlinuxRegular = 1u << 5,
  kFlagReadError = 1u << 6,   // a large read failed before EOF
  kFlagReadCapped = 1u << 7,  // the large reads reached the cap and the read past it returned more
                              // (probes before kTagPastCap set it at the cap, whatever came next)
};

// Bytes read again one byte per read() from `offset`.
struct ByteRange {
  std::uint64_t offset = 0;
  std::vector<std::uint8_t> bytes;
  bool operator==(const ByteRange&) const = default;
};

// Where the probe does its 1-byte reads in a file of `size` bytes: {offset, length} pairs over
// the header and spread over the file. images/probe.c computes the same (ProbeRanges).
std::vector<std::pair<std::uint64_t, std::uint32_t>> ProbeRanges(std::uint64_t size);

// One bpf(2) call the probe made and what the kernel answered.
struct BpfCall {
  std::uint32_t kind = 0;  // program type (kTagProgLoad), log level (kTagBtfLoad)
  std::int32_t result = 0; // 0, or -errno
  std::string log;         // what the kernel wrote to the call's log (cut to 4 KiB)
  bool operator==(const BpfCall&) const = default;
};

// What the probe saw of the test module and its BTF (the fields of tags 15-18).
struct ModuleRecord {
  std::int32_t load = 0;              // finit_module: 0, or -errno
  std::optional<std::uint32_t> mode;  // /sys/kernel/btf/<module>: absent when lstat failed
  std::optional<std::uint64_t> size;
  std::optional<std::vector<std::uint8_t>> blob;  // absent: the file could not be opened
  std::optional<std::int32_t> btf_id_result;      // absent: no lookup was made
  std::uint32_t btf_id = 0;
  bool operator==(const ModuleRecord&) const = default;
};

struct ProbeRecord {
  std::uint32_t flags = 0;
  std::optional<std::uint32_t> mode;
  std::optional<std::uint64_t> size;
  std::vector<std::uint8_t> blob;
  std::vector<ByteRange> small_reads;
  std::optional<std::uint64_t> read_cap;
  std::optional<std::int64_t> past_cap;
  std::optional<std::int64_t> eof_read;
  std::optional<BpfCall> prog_load;  // absent: the probe made no such call (or predates it)
  std::optional<BpfCall> btf_load;
  std::optional<ModuleRecord> module;  // absent: no module was loaded (none in the initramfs)
  std::string version;
  std::vector<std::uint8_t> notes;
  std::string errors;
};

struct DecodeResult {
  std::optional<ProbeRecord> record;
  std::string error;  // why there is no record: "no record magic", "CRC mismatch", ...
};

// max_blob bounds every TLV length (a corrupt length must not make us allocate gigabytes).
DecodeResult DecodeRecord(std::span<const std::uint8_t> disk, std::size_t max_blob = 64u << 20);

std::uint32_t Crc32(const std::uint8_t* data, std::size_t size);

}  // namespace harness
