#pragma once
// A fresh directory under the system's temp dir for one test, removed when the test is done.
// Named by mkdtemp, so two test processes (ctest -j) or two tests of one never share one; the
// prefix only says whose it is in /tmp. A test that failed leaves it, for a look at what it
// wrote (its path is in the failure's output when the test prints it).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

namespace harness::testing {

class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "harness-test") {
    std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp " + pattern + " failed");
    path_ = pattern;
  }
  ~TempDir() {
    if (::testing::Test::HasFailure()) return;
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  operator const std::filesystem::path&() const { return path_; }  // NOLINT: a directory, used as one
  std::filesystem::path operator/(const std::filesystem::path& rest) const { return path_ / rest; }
  std::string string() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace harness::testing
