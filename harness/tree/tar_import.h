#pragma once
// A tarball into git without unpacking it: a tar stream (ustar, GNU long names, pax) becomes a
// `git fast-import` stream of one commit holding what `tar -x --strip-components=N` followed by
// `git add -A -f` would have recorded: regular files (mode 100755 when the owner may execute,
// else 100644), symlinks, hard links as copies of their target; directories, devices and fifos
// are not recorded (git does not track them), nor anything inside a `.git` directory.
//
// The import pipes `xz -dc | harness import-tar | git fast-import --done`: the decompressor, this
// conversion and git's hashing and compression run side by side, and no file is written but
// git's pack. The stream ends with `done` only after the whole archive was read, so a converter
// that dies half way makes fast-import fail instead of committing part of a tree.
#include <cstdint>
#include <istream>
#include <ostream>
#include <string>

namespace harness {

struct ImportCommit {
  std::string ref;             // e.g. refs/tags/linux-source-6.1-6.1.158-1
  std::string message;         // the commit message, without the final newline
  std::string ident;           // author and committer: "name <email> <epoch> <tz>"
  int strip_components = 1;    // leading path components dropped, as tar's --strip-components
};

struct TarImportCounts {
  std::uint64_t files = 0;     // regular files and hard links
  std::uint64_t symlinks = 0;
  std::uint64_t bytes = 0;     // of file contents
};

// Reads the whole archive from `tar` and writes the fast-import stream to `out`: the commit on
// `commit.ref`, then `refs/heads/master` set to it (the repository's HEAD), then `done`.
// Throws HarnessError naming the byte offset when the archive is corrupt (bad header checksum,
// truncated entry, a path with `..`) or holds what git cannot (a sparse file).
TarImportCounts TarToFastImport(std::istream& tar, std::ostream& out, const ImportCommit& commit);

// `path` as fast-import reads it: as is, or C-quoted when it starts with '"', holds a newline
// or (with `always`, as a copy's source path needs when it holds a space) at all.
std::string FastImportPath(const std::string& path, bool always = false);

}  // namespace harness
