/* The guest's /init: reads /sys/kernel/btf/vmlinux the ways a BTF consumer would, writes what it
 * saw to /dev/vda as a record (format: harness/boot/record.h), prints one done line on the
 * console and powers the machine off.
 *
 * Built static for each target: <cross>gcc -static -Os -o probe probe.c
 *
 * Rules this file keeps:
 * - PID 1 must never exit (the kernel panics), so every failure is recorded as an error line and
 *   the probe carries on; it always ends in reboot(RB_POWER_OFF), or sleeps if even that fails.
 * - Every integer on the disk is little-endian, whatever the guest's byte order (s390x is big).
 * - Run as anything but PID 1 it refuses to start: it would mount over the host's /proc and
 *   write to the host's /dev/vda.
 * - With `harness.hang` on the kernel command line it does all its work but then, instead of
 *   printing the done marker and powering off, prints "HARNESS-PROBE: hanging as asked" and
 *   sleeps forever (an e2e test of the harness's timeout verdict uses this).
 * - `harness.btf_size=N` on the command line is the size of the vmlinux's .BTF section. The probe
 *   never reads more than N plus one page (an export without a bound would otherwise walk off
 *   the end of the section into unmapped memory and oops the guest before anything is recorded).
 *   At the cap it reads one more byte and records what that returned (TAG_PAST_CAP):
 *   EOF there is a file one page longer than the section, which has an end (a size mismatch);
 *   more bytes set FLAG_READ_CAPPED, an export with no end where it should have one.
 * - 1-byte reads cover the header and a few ranges spread over the file (ProbeRanges, which
 *   harness/boot/record.cpp mirrors), each range recorded with its offset.
 * - After the reads it asks the running kernel for its own verdict on its BTF, as every BPF user
 *   would meet it: the kernel parses vmlinux BTF lazily, on the first program load
 *   (bpf_check() -> bpf_get_btf_vmlinux()), so it loads the smallest program (r0 = 0; exit) of
 *   the first program type the kernel offers (SYSCALL from 5.14, CGROUP_DEVICE with
 *   CONFIG_CGROUP_BPF, SOCKET_FILTER with CONFIG_NET; one the kernel lacks is EINVAL before the
 *   verifier runs, with an empty log) and records the result and the verifier's log ("in-kernel
 *   BTF is malformed"). Then it loads the blob it read with BPF_BTF_LOAD, the same parser on
 *   the exported bytes: without a log first (a log the parser fills is ENOSPC), and only when
 *   that fails again with a log, whose end (where the parser stops: "[1234] Invalid kind") is
 *   recorded. The bpf(2) attributes are written out here, not taken from <linux/bpf.h>, so the
 *   probe builds with any libc headers; their layout is the kernel's stable ABI.
 * - When the initramfs carries /btfmod.ko (the harness's test module, images/btfmod, built only
 *   for kernels with module BTF), it loads it with finit_module (the kernel checks the module's
 *   split BTF against vmlinux's and refuses the module when it cannot parse it), then reads
 *   /sys/kernel/btf/btfmod (mode, size, bytes until EOF) and looks for the kernel's BTF object
 *   of that name by walking BPF_BTF_GET_NEXT_ID (the id bpftool and libbpf find module BTF by).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

/* Keep in sync with harness/boot/record.h. */
#define TAG_FLAGS 1u
#define TAG_MODE 2u
#define TAG_SIZE 3u
#define TAG_BLOB 4u
#define TAG_SMALL_READS 5u
#define TAG_EOF_READ 6u
#define TAG_VERSION 7u
#define TAG_NOTES 8u
#define TAG_ERRORS 9u
#define TAG_RANGES 10u
#define TAG_READ_CAP 11u
#define TAG_PAST_CAP 12u
#define TAG_PROG_LOAD 13u
#define TAG_BTF_LOAD 14u
#define TAG_MODULE_LOAD 15u
#define TAG_MODULE_STAT 16u
#define TAG_MODULE_BLOB 17u
#define TAG_MODULE_BTF_ID 18u
#define TAG_END 0xffffffffu

#define FLAG_PROC_MOUNTED (1u << 0)
#define FLAG_SYSFS_MOUNTED (1u << 1)
#define FLAG_DEVTMPFS_MOUNTED (1u << 2)
#define FLAG_BTF_DIR_IS_DIR (1u << 3)
#define FLAG_VMLINUX_EXISTS (1u << 4)
#define FLAG_VMLINUX_REGULAR (1u << 5)
#define FLAG_READ_ERROR (1u << 6)
#define FLAG_READ_CAPPED (1u << 7)

#define BTF_DIR "/sys/kernel/btf"
#define BTF_FILE "/sys/kernel/btf/vmlinux"
/* The test module (harness/kbuild/kbuild.h's kTestModuleName). */
#define MODULE_NAME "btfmod"
#define MODULE_KO "/" MODULE_NAME ".ko"
#define MODULE_BTF BTF_DIR "/" MODULE_NAME
#define MODULE_BLOB_CAP (16u << 20)
/* Overridable only for a host-side smoke test of the record writer. */
#ifndef HARNESS_PROBE_DISK
#define HARNESS_PROBE_DISK "/dev/vda"
#endif
#define DISK HARNESS_PROBE_DISK

#define CHUNK (1u << 20)          /* bytes asked for per large read() */
#define BLOB_CAP (64u << 20)      /* never hold more than this of the BTF file */
#define PAGE 4096u                /* what the probe keeps past the expected size, at most */
#define HEAD_RANGE 64u            /* 1-byte reads over the header and what follows it */
#define SPREAD_RANGE 32u          /* 1-byte reads at each spread offset */
#define MAX_RANGES 5
#define TEXT_CAP (64u << 10)      /* /proc/version, /sys/kernel/notes, /proc/cmdline */
#define ERRORS_CAP 4096
#define LOG_KEEP 4096u            /* bytes of a bpf(2) log kept in the record */
#define PROG_LOG_SIZE (64u << 10) /* the verifier's log for the tiny program */
#define BTF_LOG_SIZE (16u << 20)  /* BTF_LOAD's log when it is asked again with one */

/* bpf(2) commands and program types (include/uapi/linux/bpf.h). */
#define BPF_PROG_LOAD_CMD 5
#define BPF_BTF_LOAD_CMD 18
#define BPF_OBJ_GET_INFO_BY_FD_CMD 15
#define BPF_BTF_GET_FD_BY_ID_CMD 19
#define BPF_BTF_GET_NEXT_ID_CMD 23
#define PROG_TYPE_SOCKET_FILTER 1u
#define PROG_TYPE_CGROUP_DEVICE 15u
#define PROG_TYPE_SYSCALL 31u
#define BPF_F_SLEEPABLE (1u << 4) /* SYSCALL programs must be sleepable */

static char errors[ERRORS_CAP];
static size_t errors_len;

/* Appends one "step: message" line to the errors text; silently cut when full. */
static void AddError(const char *fmt, ...) {
  va_list ap;
  int n;
  if (errors_len + 2 >= sizeof errors) return;
  va_start(ap, fmt);
  n = vsnprintf(errors + errors_len, sizeof errors - errors_len - 1, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  errors_len += (size_t)n < sizeof errors - errors_len - 1 ? (size_t)n
                                                           : sizeof errors - errors_len - 2;
  errors[errors_len++] = '\n';
  errors[errors_len] = '\0';
}

static void WriteAll(int fd, const char *data, size_t size) {
  while (size > 0) {
    ssize_t n = write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    data += n;
    size -= (size_t)n;
  }
}

static void Say(const char *fmt, ...) {
  char line[512];
  va_list ap;
  int n;
  va_start(ap, fmt);
  n = vsnprintf(line, sizeof line - 1, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n > sizeof line - 2) n = (int)(sizeof line - 2);
  line[n++] = '\n';
  WriteAll(1, line, (size_t)n);
}

/* If the kernel could not give init a console (no /dev/console in the initramfs), take it from
 * devtmpfs so the done line still reaches the host. */
static void EnsureConsole(void) {
  int fd;
  if (fcntl(1, F_GETFD) >= 0) return;
  fd = open("/dev/console", O_RDWR | O_NOCTTY);
  if (fd < 0) {
    AddError("open /dev/console: %s", strerror(errno));
    return;
  }
  if (fd != 0) dup2(fd, 0);
  if (fd != 1) dup2(fd, 1);
  if (fd != 2) dup2(fd, 2);
  if (fd > 2) close(fd);
}

static int MountOne(const char *source, const char *target, const char *type, uint32_t flag,
                    uint32_t *flags) {
  if (mkdir(target, 0755) != 0 && errno != EEXIST) {
    AddError("mkdir %s: %s", target, strerror(errno));
  }
  if (mount(source, target, type, 0, NULL) == 0 || errno == EBUSY) {
    *flags |= flag;
    return 0;
  }
  AddError("mount %s: %s", type, strerror(errno));
  return -1;
}

static ssize_t ReadRetry(int fd, void *buf, size_t size) {
  ssize_t n;
  do {
    n = read(fd, buf, size);
  } while (n < 0 && errno == EINTR);
  return n;
}

/* Reads a small text or binary file whole (up to cap). Returns malloc'd bytes, or NULL with an
 * error line. *len gets the byte count; the buffer is NUL-terminated for convenience. */
static char *ReadSmallFile(const char *path, size_t cap, size_t *len) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  char *buf;
  *len = 0;
  if (fd < 0) {
    AddError("open %s: %s", path, strerror(errno));
    return NULL;
  }
  buf = malloc(cap + 1);
  if (!buf) {
    AddError("read %s: out of memory", path);
    close(fd);
    return NULL;
  }
  while (*len < cap) {
    ssize_t n = ReadRetry(fd, buf + *len, cap - *len);
    if (n < 0) {
      AddError("read %s: %s", path, strerror(errno));
      break;
    }
    if (n == 0) break;
    *len += (size_t)n;
  }
  buf[*len] = '\0';
  close(fd);
  return buf;
}

/* True when the whitespace-separated word (or word=value) appears in the command line. */
static int CmdlineHas(const char *cmdline, const char *word) {
  size_t wlen = strlen(word);
  const char *p = cmdline;
  while (*p) {
    const char *end;
    while (*p == ' ' || *p == '\t' || *p == '\n') p++;
    end = p;
    while (*end && *end != ' ' && *end != '\t' && *end != '\n') end++;
    if ((size_t)(end - p) >= wlen && memcmp(p, word, wlen) == 0 &&
        (p + wlen == end || p[wlen] == '=')) {
      return 1;
    }
    p = end;
  }
  return 0;
}

/* The value of word=NUMBER on the command line, or 0 when absent or not a number. */
static uint64_t CmdlineNumber(const char *cmdline, const char *word) {
  size_t wlen = strlen(word);
  const char *p = cmdline;
  while ((p = strstr(p, word)) != NULL) {
    if ((p == cmdline || p[-1] == ' ') && p[wlen] == '=') {
      uint64_t v = 0;
      const char *d = p + wlen + 1;
      if (*d < '0' || *d > '9') return 0;
      while (*d >= '0' && *d <= '9') {
        if (v > (UINT64_MAX - 9) / 10) return 0;
        v = v * 10 + (uint64_t)(*d++ - '0');
      }
      return v;
    }
    p += wlen;
  }
  return 0;
}

/* Where the 1-byte reads go for a file of `size` bytes: the header, then a range at a quarter,
 * half and three quarters, and the last bytes. Keep in sync with ProbeRanges in record.cpp. */
static int ProbeRanges(uint64_t size, uint64_t offsets[MAX_RANGES], uint32_t lengths[MAX_RANGES]) {
  int n = 0, k;
  if (size == 0) return 0;
  offsets[n] = 0;
  lengths[n++] = (uint32_t)(size < HEAD_RANGE ? size : HEAD_RANGE);
  if (size <= HEAD_RANGE + SPREAD_RANGE) return n;
  for (k = 1; k <= 3; k++) {
    offsets[n] = size / 4 * (uint64_t)k;
    lengths[n++] = SPREAD_RANGE;
  }
  offsets[n] = size - SPREAD_RANGE;
  lengths[n++] = SPREAD_RANGE;
  return n;
}

/* ---- the record writer: streams TLVs to the disk, keeping a running CRC-32 ---- */

static uint32_t crc_table[256];

static void CrcInit(void) {
  uint32_t i, j;
  for (i = 0; i < 256; i++) {
    uint32_t c = i;
    for (j = 0; j < 8; j++) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
    crc_table[i] = c;
  }
}

struct Out {
  int fd;
  uint32_t crc;      /* running, pre-inverted */
  uint64_t written;  /* bytes that reached write() successfully */
  int failed;
};

static void OutBytes(struct Out *out, const void *data, size_t size) {
  const unsigned char *p = data;
  size_t i;
  for (i = 0; i < size; i++) out->crc = crc_table[(out->crc ^ p[i]) & 0xff] ^ (out->crc >> 8);
  while (size > 0 && !out->failed) {
    ssize_t n = write(out->fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Say("HARNESS-PROBE: write %s: %s", DISK, n < 0 ? strerror(errno) : "short write");
      out->failed = 1;
      return;
    }
    p += n;
    size -= (size_t)n;
    out->written += (uint64_t)n;
  }
}

static void PutLe(unsigned char *b, uint64_t v, int bytes) {
  int i;
  for (i = 0; i < bytes; i++) b[i] = (unsigned char)(v >> (8 * i));
}

static void OutTlv(struct Out *out, uint32_t tag, const void *data, size_t size) {
  unsigned char head[8];
  PutLe(head, tag, 4);
  PutLe(head + 4, size, 4);
  OutBytes(out, head, sizeof head);
  OutBytes(out, data, size);
}

static void OutU32(struct Out *out, uint32_t tag, uint32_t v) {
  unsigned char b[4];
  PutLe(b, v, 4);
  OutTlv(out, tag, b, sizeof b);
}

static void OutU64(struct Out *out, uint32_t tag, uint64_t v) {
  unsigned char b[8];
  PutLe(b, v, 8);
  OutTlv(out, tag, b, sizeof b);
}

static void OutEnd(struct Out *out) {
  unsigned char head[12];
  uint32_t crc = out->crc ^ 0xffffffffu;
  PutLe(head, TAG_END, 4);
  PutLe(head + 4, 4, 4);
  PutLe(head + 8, crc, 4);
  OutBytes(out, head, sizeof head);
}

/* /dev/vda appears when virtio-blk has probed; allow a little time in case that is late. */
static int OpenDisk(void) {
  int tries, fd = -1;
  for (tries = 0; tries < 50; tries++) {
    fd = open(DISK, O_WRONLY | O_CLOEXEC);
    if (fd >= 0 || errno != ENOENT) break;
    usleep(100 * 1000);
  }
  return fd;
}

/* ---- the kernel's own verdict on its BTF ---- */

/* union bpf_attr as BPF_PROG_LOAD and BPF_BTF_LOAD read it; pointers travel as u64 on every
 * arch. 128 bytes, all zero past the fields used (the kernel requires that). */
union BpfAttr {
  struct {
    uint32_t prog_type, insn_cnt;
    uint64_t insns, license;
    uint32_t log_level, log_size;
    uint64_t log_buf;
    uint32_t kern_version, prog_flags;
  } prog;
  struct {
    uint64_t btf, btf_log_buf;
    uint32_t btf_size, btf_log_size, btf_log_level;
  } btf;
  struct {
    uint32_t start_id; /* BTF_GET_NEXT_ID; the btf_id of BTF_GET_FD_BY_ID */
    uint32_t next_id, open_flags;
  } id;
  struct {
    uint32_t bpf_fd, info_len;
    uint64_t info;
  } info;
  unsigned char bytes[128];
} __attribute__((aligned(8)));

/* struct bpf_btf_info as 5.11 and later fill it (name and kernel_btf are 5.11's). */
struct BtfInfo {
  uint64_t btf;
  uint32_t btf_size, id;
  uint64_t name;
  uint32_t name_len, kernel_btf;
} __attribute__((aligned(8)));

struct BpfOutcome {
  int recorded;
  uint32_t kind;   /* the program type; for BTF_LOAD, the log level of the call recorded */
  int32_t result;  /* 0, or -errno */
  char log[LOG_KEEP];
  size_t log_len;
};

static long Bpf(int cmd, union BpfAttr *attr) {
  long r;
  do {
    r = syscall(SYS_bpf, cmd, attr, sizeof *attr);
  } while (r < 0 && errno == EINTR);
  return r;
}

/* Keeps the head (from_end 0) or the end of a NUL-terminated log. */
static void KeepLog(struct BpfOutcome *o, const char *log, int from_end) {
  size_t len = strlen(log);
  if (len > LOG_KEEP) {
    if (from_end) log += len - LOG_KEEP;
    len = LOG_KEEP;
  }
  memcpy(o->log, log, len);
  o->log_len = len;
}

/* Loads r0 = 0; exit with a log, trying program types until one reaches the verifier. */
static void LoadProgram(struct BpfOutcome *o) {
  static const unsigned char insns[16] = {0xb7, 0, 0, 0, 0, 0, 0, 0, /* r0 = 0 */
                                          0x95, 0, 0, 0, 0, 0, 0, 0}; /* exit */
  static const uint32_t types[] = {PROG_TYPE_SYSCALL, PROG_TYPE_CGROUP_DEVICE, PROG_TYPE_SOCKET_FILTER};
  static char log[PROG_LOG_SIZE];
  size_t i;
  for (i = 0; i < sizeof types / sizeof types[0]; i++) {
    union BpfAttr attr;
    long fd;
    memset(&attr, 0, sizeof attr);
    memset(log, 0, sizeof log);
    attr.prog.prog_type = types[i];
    attr.prog.insn_cnt = 2;
    attr.prog.insns = (uint64_t)(uintptr_t)insns;
    attr.prog.license = (uint64_t)(uintptr_t) "GPL";
    attr.prog.log_level = 1;
    attr.prog.log_size = sizeof log;
    attr.prog.log_buf = (uint64_t)(uintptr_t)log;
    if (types[i] == PROG_TYPE_SYSCALL) attr.prog.prog_flags = BPF_F_SLEEPABLE;
    fd = Bpf(BPF_PROG_LOAD_CMD, &attr);
    o->recorded = 1;
    o->kind = types[i];
    o->result = fd < 0 ? -errno : 0;
    log[sizeof log - 1] = '\0';
    KeepLog(o, log, 0);
    if (fd >= 0) close((int)fd);
    /* EINVAL with nothing logged: this kernel has no such program type; try the next. */
    if (!(o->result == -EINVAL && log[0] == '\0')) return;
  }
  AddError("bpf(BPF_PROG_LOAD): the kernel offers none of the program types SYSCALL, "
           "CGROUP_DEVICE, SOCKET_FILTER, so it was not asked to parse its BTF");
}

/* Loads the exported bytes with BPF_BTF_LOAD: without a log, and on failure again with one. */
static void LoadBtf(struct BpfOutcome *o, const unsigned char *blob, size_t len) {
  union BpfAttr attr;
  long fd;
  char *log;
  memset(&attr, 0, sizeof attr);
  attr.btf.btf = (uint64_t)(uintptr_t)blob;
  attr.btf.btf_size = (uint32_t)len;
  fd = Bpf(BPF_BTF_LOAD_CMD, &attr);
  o->recorded = 1;
  o->kind = 0;
  o->result = fd < 0 ? -errno : 0;
  if (fd >= 0) {
    close((int)fd);
    return;
  }
  log = calloc(1, BTF_LOG_SIZE);
  if (!log) return; /* the result without a log is still the kernel's answer */
  memset(&attr, 0, sizeof attr);
  attr.btf.btf = (uint64_t)(uintptr_t)blob;
  attr.btf.btf_size = (uint32_t)len;
  attr.btf.btf_log_buf = (uint64_t)(uintptr_t)log;
  attr.btf.btf_log_size = BTF_LOG_SIZE;
  attr.btf.btf_log_level = 1;
  fd = Bpf(BPF_BTF_LOAD_CMD, &attr);
  if (fd >= 0) close((int)fd);
  log[BTF_LOG_SIZE - 1] = '\0';
  o->kind = 1; /* the result is the first call's, the log the second's */
  KeepLog(o, log, 1);
  free(log);
}

static void OutBpf(struct Out *out, uint32_t tag, const struct BpfOutcome *o) {
  unsigned char b[8 + LOG_KEEP];
  PutLe(b, o->kind, 4);
  PutLe(b + 4, (uint32_t)o->result, 4);
  memcpy(b + 8, o->log, o->log_len);
  OutTlv(out, tag, b, 8 + o->log_len);
}

/* ---- the test module and its BTF ---- */

struct ModuleOutcome {
  int present;             /* the initramfs carried MODULE_KO */
  int32_t load;            /* finit_module: 0, or -errno */
  int have_stat;
  uint32_t mode;
  uint64_t size;
  int opened;
  unsigned char *blob;
  size_t blob_len;
  int looked_up;
  int32_t id_result;       /* 0 found, -ENOENT no BTF object of the module's name, or -errno */
  uint32_t id;
};

/* Walks the kernel's BTF objects by id for the one named MODULE_NAME. */
static void FindModuleBtfId(struct ModuleOutcome *m) {
  uint32_t id = 0;
  m->looked_up = 1;
  for (;;) {
    union BpfAttr attr;
    struct BtfInfo info;
    char name[64];
    long fd, r;
    int saved;
    memset(&attr, 0, sizeof attr);
    attr.id.start_id = id;
    if (Bpf(BPF_BTF_GET_NEXT_ID_CMD, &attr) < 0) {
      m->id_result = -errno; /* ENOENT: past the last one */
      return;
    }
    id = attr.id.next_id;
    memset(&attr, 0, sizeof attr);
    attr.id.start_id = id;
    fd = Bpf(BPF_BTF_GET_FD_BY_ID_CMD, &attr);
    if (fd < 0) {
      if (errno == ENOENT) continue; /* freed since the walk saw it */
      m->id_result = -errno;
      return;
    }
    memset(&info, 0, sizeof info);
    memset(name, 0, sizeof name);
    info.name = (uint64_t)(uintptr_t)name;
    info.name_len = sizeof name - 1;
    memset(&attr, 0, sizeof attr);
    attr.info.bpf_fd = (uint32_t)fd;
    attr.info.info_len = sizeof info;
    attr.info.info = (uint64_t)(uintptr_t)&info;
    r = Bpf(BPF_OBJ_GET_INFO_BY_FD_CMD, &attr);
    saved = errno;
    close((int)fd);
    if (r < 0) {
      m->id_result = -saved;
      return;
    }
    if (strcmp(name, MODULE_NAME) == 0) {
      m->id_result = 0;
      m->id = info.id;
      return;
    }
  }
}

/* Loads MODULE_KO when there is one, then reads its BTF file and finds its BTF object. */
static void CheckModule(struct ModuleOutcome *m) {
  struct stat st;
  size_t alloc = 0, cap = MODULE_BLOB_CAP;
  int fd = open(MODULE_KO, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno != ENOENT) AddError("open " MODULE_KO ": %s", strerror(errno));
    return;
  }
  m->present = 1;
  m->load = syscall(SYS_finit_module, fd, "", 0) == 0 ? 0 : -errno;
  close(fd);
  if (m->load != 0) return; /* the verdict reads the result and the console */
  if (lstat(MODULE_BTF, &st) == 0) {
    m->have_stat = 1;
    m->mode = (uint32_t)st.st_mode;
    m->size = (uint64_t)st.st_size;
    /* As for vmlinux: never more than st_size and a page, so a file without an end reads as
     * a size mismatch instead of filling the record. */
    if (m->size + PAGE < cap) cap = (size_t)m->size + PAGE;
  } else if (errno != ENOENT) {
    AddError("lstat " MODULE_BTF ": %s", strerror(errno));
  }
  fd = open(MODULE_BTF, O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    m->opened = 1;
    for (;;) {
      ssize_t n;
      if (m->blob_len == alloc) {
        unsigned char *grown;
        if (alloc >= cap) break;
        alloc = alloc ? alloc * 2 : 64u << 10;
        if (alloc > cap) alloc = cap;
        grown = realloc(m->blob, alloc);
        if (!grown) {
          AddError("read " MODULE_BTF ": out of memory at %zu bytes", m->blob_len);
          break;
        }
        m->blob = grown;
      }
      n = ReadRetry(fd, m->blob + m->blob_len, alloc - m->blob_len);
      if (n < 0) {
        AddError("read " MODULE_BTF " at offset %zu: %s", m->blob_len, strerror(errno));
        break;
      }
      if (n == 0) break;
      m->blob_len += (size_t)n;
    }
    close(fd);
  } else if (errno != ENOENT) {
    AddError("open " MODULE_BTF ": %s", strerror(errno));
  }
  FindModuleBtfId(m);
}

static void OutModule(struct Out *out, const struct ModuleOutcome *m) {
  unsigned char b[12];
  if (!m->present) return;
  OutU32(out, TAG_MODULE_LOAD, (uint32_t)m->load);
  if (m->have_stat) {
    PutLe(b, m->mode, 4);
    PutLe(b + 4, m->size, 8);
    OutTlv(out, TAG_MODULE_STAT, b, 12);
  }
  if (m->opened) OutTlv(out, TAG_MODULE_BLOB, m->blob, m->blob_len);
  if (m->looked_up) {
    PutLe(b, (uint32_t)m->id_result, 4);
    PutLe(b + 4, m->id, 4);
    OutTlv(out, TAG_MODULE_BTF_ID, b, 8);
  }
}

static void SleepForever(void) {
  for (;;) pause();
}

int main(void) {
  uint32_t flags = 0;
  struct stat st;
  int have_stat = 0, hang = 0, fd;
  unsigned char *blob = NULL;
  size_t blob_len = 0, blob_alloc = 0;
  int blob_opened = 0;
  uint64_t expected = 0, cap = BLOB_CAP, range_off[MAX_RANGES];
  uint32_t range_len[MAX_RANGES];
  unsigned char *ranges = NULL; /* per range: u64 offset, u32 count, count bytes */
  size_t ranges_len = 0;
  int nranges = 0, small_opened = 0;
  int64_t eof_read = 0, past_cap = 0;
  int have_eof_read = 0, have_past_cap = 0;
  char *version, *notes, *cmdline;
  size_t version_len, notes_len, cmdline_len;
  struct Out out = {-1, 0xffffffffu, 0, 0};
  static struct BpfOutcome prog_load, btf_load;
  static struct ModuleOutcome module;

  if (getpid() != 1) {
    static const char msg[] =
        "HARNESS-PROBE: not PID 1; this is the guest's /init and must not run on a host\n";
    WriteAll(2, msg, sizeof msg - 1);
    return 2;
  }
  CrcInit();

  MountOne("proc", "/proc", "proc", FLAG_PROC_MOUNTED, &flags);
  MountOne("sysfs", "/sys", "sysfs", FLAG_SYSFS_MOUNTED, &flags);
  MountOne("devtmpfs", "/dev", "devtmpfs", FLAG_DEVTMPFS_MOUNTED, &flags);
  EnsureConsole();

  cmdline = ReadSmallFile("/proc/cmdline", TEXT_CAP, &cmdline_len);
  if (cmdline && CmdlineHas(cmdline, "harness.hang")) hang = 1;
  if (cmdline) expected = CmdlineNumber(cmdline, "harness.btf_size");
  free(cmdline);

  /* The file and its directory, as a BTF loader would find them. */
  if (lstat(BTF_DIR, &st) != 0) {
    AddError("lstat " BTF_DIR ": %s", strerror(errno));
  } else if (S_ISDIR(st.st_mode)) {
    flags |= FLAG_BTF_DIR_IS_DIR;
  } else {
    AddError("lstat " BTF_DIR ": not a directory (mode 0%o)", (unsigned)st.st_mode);
  }
  if (lstat(BTF_FILE, &st) != 0) {
    AddError("lstat " BTF_FILE ": %s", strerror(errno));
  } else {
    have_stat = 1;
    flags |= FLAG_VMLINUX_EXISTS;
    if (S_ISREG(st.st_mode)) {
      flags |= FLAG_VMLINUX_REGULAR;
    } else {
      AddError("lstat " BTF_FILE ": not a regular file (mode 0%o)", (unsigned)st.st_mode);
    }
  }

  /* The cap: the expected size (else st_size) plus one page. */
  {
    uint64_t base = expected ? expected : (have_stat && st.st_size > 0 ? (uint64_t)st.st_size : 0);
    if (base && base + PAGE < BLOB_CAP) cap = base + PAGE;
  }

  /* Large reads until EOF (sysfs hands out at most a page per read()). */
  fd = open(BTF_FILE, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (have_stat) AddError("open " BTF_FILE ": %s", strerror(errno));
  } else {
    blob_opened = 1;
    for (;;) {
      ssize_t n;
      if (blob_len == cap) {
        /* One byte past the cap tells a file that ends here from one that goes on, and reaches no
         * further into what follows the section. More is not an error of the probe: evidence
         * that the export has no end where it should. */
        unsigned char past;
        ssize_t more = ReadRetry(fd, &past, 1);
        have_past_cap = 1;
        past_cap = more < 0 ? -(int64_t)errno : (int64_t)more;
        if (more < 0) {
          AddError("read " BTF_FILE " at the cap, offset %zu: %s", blob_len, strerror(errno));
          flags |= FLAG_READ_ERROR;
        } else if (more > 0) {
          flags |= FLAG_READ_CAPPED;
        }
        break;
      }
      if (blob_alloc - blob_len < CHUNK && blob_alloc < cap) {
        size_t want = blob_alloc ? blob_alloc * 2 : 4 * CHUNK;
        unsigned char *grown;
        if (want > cap) want = cap;
        grown = realloc(blob, want);
        if (!grown) {
          AddError("read " BTF_FILE ": out of memory at %zu bytes", blob_len);
          flags |= FLAG_READ_ERROR;
          break;
        }
        blob = grown;
        blob_alloc = want;
      }
      n = ReadRetry(fd, blob + blob_len,
                    blob_alloc - blob_len < CHUNK ? blob_alloc - blob_len : CHUNK);
      if (n < 0) {
        AddError("read " BTF_FILE " at offset %zu: %s", blob_len, strerror(errno));
        flags |= FLAG_READ_ERROR;
        break;
      }
      if (n == 0) break;
      blob_len += (size_t)n;
    }
    close(fd);
  }

  /* The header and spread ranges again, one byte per read(), from a fresh open. */
  nranges = ProbeRanges(expected ? expected : (have_stat && st.st_size > 0 ? (uint64_t)st.st_size : 0),
                        range_off, range_len);
  fd = open(BTF_FILE, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (have_stat) AddError("open " BTF_FILE " for 1-byte reads: %s", strerror(errno));
  } else {
    int r;
    small_opened = 1;
    ranges = malloc((size_t)nranges * (12 + HEAD_RANGE) + 1);
    if (!ranges) {
      AddError("1-byte reads: out of memory");
      nranges = 0;
    }
    for (r = 0; r < nranges; r++) {
      unsigned char *entry = ranges + ranges_len;
      uint32_t got = 0;
      if (lseek(fd, (off_t)range_off[r], SEEK_SET) < 0) {
        AddError("lseek " BTF_FILE " to %llu: %s", (unsigned long long)range_off[r], strerror(errno));
        continue;
      }
      while (got < range_len[r]) {
        ssize_t n = ReadRetry(fd, entry + 12 + got, 1);
        if (n < 0) {
          AddError("1-byte read " BTF_FILE " at offset %llu: %s",
                   (unsigned long long)(range_off[r] + got), strerror(errno));
          break;
        }
        if (n == 0) break;
        got++;
      }
      PutLe(entry, range_off[r], 8);
      PutLe(entry + 8, got, 4);
      ranges_len += 12 + got;
    }
    /* A read at st_size must report EOF. */
    if (have_stat) {
      unsigned char extra[16];
      ssize_t n;
      do {
        n = pread(fd, extra, sizeof extra, st.st_size);
      } while (n < 0 && errno == EINTR);
      if (n < 0) AddError("read " BTF_FILE " at st_size: %s", strerror(errno));
      eof_read = n;
      have_eof_read = 1;
    }
    close(fd);
  }

  /* The kernel's own verdict: a program load makes it parse its BTF; then the exported bytes. */
  LoadProgram(&prog_load);
  if (blob_opened && blob_len > 0) LoadBtf(&btf_load, blob, blob_len);
  CheckModule(&module);

  version = ReadSmallFile("/proc/version", TEXT_CAP, &version_len);
  notes = ReadSmallFile("/sys/kernel/notes", TEXT_CAP, &notes_len);

  /* The record. */
  out.fd = OpenDisk();
  if (out.fd < 0) {
    Say("HARNESS-PROBE: open " DISK ": %s", strerror(errno));
  } else {
    static const char magic[8] = {'H', 'B', 'T', 'F', 'R', 'E', 'C', '1'};
    OutBytes(&out, magic, sizeof magic);
    OutU32(&out, TAG_FLAGS, flags);
    if (have_stat) {
      OutU32(&out, TAG_MODE, (uint32_t)st.st_mode);
      OutU64(&out, TAG_SIZE, (uint64_t)st.st_size);
    }
    if (blob_opened) OutTlv(&out, TAG_BLOB, blob, blob_len);
    if (small_opened) OutTlv(&out, TAG_RANGES, ranges, ranges_len);
    OutU64(&out, TAG_READ_CAP, cap);
    if (have_past_cap) OutU64(&out, TAG_PAST_CAP, (uint64_t)past_cap);
    if (have_eof_read) OutU64(&out, TAG_EOF_READ, (uint64_t)eof_read);
    if (prog_load.recorded) OutBpf(&out, TAG_PROG_LOAD, &prog_load);
    if (btf_load.recorded) OutBpf(&out, TAG_BTF_LOAD, &btf_load);
    OutModule(&out, &module);
    OutTlv(&out, TAG_VERSION, version, version_len);
    OutTlv(&out, TAG_NOTES, notes, notes_len);
    OutTlv(&out, TAG_ERRORS, errors, errors_len);
    OutEnd(&out);
    if (!out.failed && fsync(out.fd) != 0) {
      Say("HARNESS-PROBE: fsync " DISK ": %s", strerror(errno));
    }
    if (close(out.fd) != 0) Say("HARNESS-PROBE: close " DISK ": %s", strerror(errno));
  }

  /* The console: error lines first, then exactly one done line. */
  {
    const char *line = errors;
    while (line < errors + errors_len) {
      const char *nl = memchr(line, '\n', (size_t)(errors + errors_len - line));
      if (!nl) nl = errors + errors_len;
      Say("HARNESS-PROBE: %.*s", (int)(nl - line), line);
      line = nl + 1;
    }
  }
  sync();
  if (hang) {
    Say("HARNESS-PROBE: hanging as asked");
    SleepForever();
  }
  Say("HARNESS-PROBE-DONE flags=0x%02x size=%lld read=%llu record=%llu", (unsigned)flags,
      have_stat ? (long long)st.st_size : -1LL, (unsigned long long)blob_len,
      (unsigned long long)out.written);
  reboot(RB_POWER_OFF);
  Say("HARNESS-PROBE: reboot(RB_POWER_OFF): %s", strerror(errno));
  SleepForever();
  return 0;
}
