#include "harness/kbuild/ccache.h"

#include <map>

#include "harness/core/util.h"

namespace harness {

std::string CheckCcacheRemote(const RedisUrl& url, const Host& host) {
  // Inline commands: Redis takes "PING\r\n" as well as the array form. With a password the one
  // request is AUTH (a PING before it only gets -NOAUTH); SetRedisPassword allows no space or
  // line break in it. The reply never quotes the request, so the password is not in any message.
  const bool auth = !url.password.empty();
  const ServerReply reply =
      host.AskServer(url.host, url.port, auth ? "AUTH " + url.password + "\r\n" : std::string("PING\r\n"), kCcacheRemoteTimeout);
  if (!reply.error.empty()) return reply.error;
  if (reply.line == (auth ? "+OK" : "+PONG")) return {};
  return "answered '" + Printable(reply.line.substr(0, 80)) + "' instead of " + (auth ? "+OK to AUTH" : "+PONG");
}

std::optional<CcacheStats> ReadCcacheStatsLog(const std::filesystem::path& log) {
  std::error_code ec;
  if (!std::filesystem::exists(log, ec)) return std::nullopt;
  std::map<std::string, int, std::less<>> count;
  for (const std::string& line : SplitLines(ReadFile(log))) {
    if (!line.empty() && line[0] != '#') ++count[std::string(Trim(line))];
  }
  return CcacheStats{.hits = count["direct_cache_hit"] + count["preprocessed_cache_hit"],
                     .misses = count["cache_miss"],
                     .remote_hits = count["remote_storage_hit"],
                     .remote_misses = count["remote_storage_miss"]};
}

std::string DescribeCcacheStats(const CcacheStats& stats, bool remote) {
  std::string text = "ccache " + std::to_string(stats.hits) + "/" + std::to_string(stats.hits + stats.misses) + " hits";
  if (remote) text += ", " + std::to_string(stats.remote_hits) + " from the remote";
  return text;
}

}  // namespace harness
