#pragma once
// The shared compiler cache's address (--ccache-remote, HARNESS_CCACHE_REMOTE, the matrix's
// ccache_remote:): a Redis server that ccache (>= 4.4) uses as its remote storage, behind the
// local cache. Only plain redis://HOST[:PORT][/DB] is accepted: ccache's Redis backend has no
// TLS (so no rediss://), and a password in the URL would land in every echoed make command,
// results.json and the report.
#include <string>
#include <string_view>

namespace harness {

struct RedisUrl {
  std::string url;   // as given, which is what ccache's remote_storage gets
  std::string host;  // a name, an IPv4 address or an IPv6 address without its brackets
  int port = 6379;   // Redis's default, as ccache's
};

// Throws HarnessError naming `url` and the form accepted; `what` says where it came from
// ("--ccache-remote", "HARNESS_CCACHE_REMOTE", "ccache_remote").
RedisUrl ParseRedisUrl(std::string_view url, std::string_view what);

}  // namespace harness
