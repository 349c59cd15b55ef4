#pragma once
// The shared compiler cache behind the local one: whether its Redis server answers before a run
// relies on it, and what ccache says each build got from the caches (its stats log).
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "harness/config/ccache_remote.h"
#include "harness/core/host.h"

namespace harness {

// How long the server has to answer PING: a cache that slow would cost every compilation more.
inline constexpr std::chrono::milliseconds kCcacheRemoteTimeout{2000};

// Empty when the Redis server at `url` answers PING with +PONG within kCcacheRemoteTimeout;
// otherwise why it is of no use ("Connection refused", "answered '-NOAUTH ...'").
std::string CheckCcacheRemote(const RedisUrl& url, const Host& host);

// One build's ccache counters, from the file CCACHE_STATSLOG names (ccache appends one line
// per counter it bumps, so builds running side by side each keep their own).
struct CcacheStats {
  int hits = 0;           // direct and preprocessed, from either level
  int misses = 0;         // compiled and stored
  int remote_hits = 0;    // of the local misses, found in the remote storage
  int remote_misses = 0;
};

// nullopt when the log does not exist (ccache not used, or nothing compiled through it).
std::optional<CcacheStats> ReadCcacheStatsLog(const std::filesystem::path& log);

// "ccache 412/420 hits, 400 from the remote" for the build's stage line.
std::string DescribeCcacheStats(const CcacheStats& stats, bool remote);

}  // namespace harness
