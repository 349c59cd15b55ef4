#pragma once
// Patch series as people hand them over: a quilt directory (`series` file), a directory of
// `git format-patch` files, one mbox (format-patch --stdout, lore, patchwork) or one .patch
// file. Loading checks what can be checked without a tree (every patch has a diff, no path
// leaves the tree) so a bad series is a harness error before any build starts.
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace harness {

struct Patch {
  std::string subject;   // the Subject with any "[PATCH ...]" / "[RFC ...]" prefix removed
  std::string origin;    // "kernel-patches/x/0001-foo.patch" or "series.mbox#3" (1-based message number)
  std::string text;      // the patch in mail form, LF line endings, as `git am`/`git apply` take
  std::vector<std::string> files;  // paths touched, from "diff --git a/X b/Y" (and ---/+++ lines)
};

struct Series {
  std::string name;                 // directory name or file stem
  std::filesystem::path source;     // what LoadSeries was given
  std::vector<Patch> patches;
};

// Throws HarnessError naming the file (and the line where useful) when the path does not exist,
// a series entry is missing or leaves the directory, a patch has no diff, a diff path leaves the
// tree, or there are no patches at all.
Series LoadSeries(const std::filesystem::path& path);

// Splits mail text (CRLF or LF) into patches. With several messages each origin is
// "<origin>#<n>" (n counts every message, 1-based); a lone message keeps `origin`. Cover letters
// ("[PATCH 0/N]", or in a multi-message mbox an unnumbered message without a diff) and replies
// ("Re: ...") are skipped. Line numbers in errors count lines of `text`.
std::vector<Patch> SplitMbox(std::string_view text, std::string_view origin);

// One file's section of a unified diff, as far as naming a failing hunk needs.
struct DiffHunk {
  std::size_t old_start = 0;  // the "-A" of "@@ -A,B +C,D @@"
  std::string header;         // the whole "@@ ... @@ context" line
};
struct DiffFile {
  std::string old_path;       // without the a/ prefix; "/dev/null" for a new file
  std::string new_path;       // without the b/ prefix; "/dev/null" for a deleted file
  std::vector<DiffHunk> hunks;
};

// Parses the diff part of a patch (mail text before the first diff is ignored). Throws
// HarnessError "'<origin>': path 'P' escapes the kernel tree (line N)" for absolute paths or
// ".." components; `first_line` is the line number of text's first line.
std::vector<DiffFile> ParseDiff(std::string_view text, std::string_view origin,
                                std::size_t first_line = 1);

}  // namespace harness
