#pragma once
// The shared compiler cache's address (--ccache-remote, HARNESS_CCACHE_REMOTE, the matrix's
// ccache_remote:): a Redis server that ccache (>= 4.4) uses as its remote storage, behind the
// local cache. Only plain redis://HOST[:PORT][/DB] is accepted: ccache's Redis backend has no
// TLS (so no rediss://), and a password in the URL would land in every echoed make command,
// results.json and the report. A password comes from its own environment variable
// (kRedisPasswordEnv) and is only ever shown as *** (RedisUrlShown).
#include <string>
#include <string_view>

namespace harness {

// The shared cache server's password, kept out of the URL (and of CI files: a secret).
inline constexpr std::string_view kRedisPasswordEnv = "HARNESS_CCACHE_REDIS_PASSWORD";

struct RedisUrl {
  std::string url;       // as given: never holds a password
  std::string host;      // a name, an IPv4 address or an IPv6 address without its brackets
  int port = 6379;       // Redis's default, as ccache's
  std::string password;  // from kRedisPasswordEnv; empty: none. Never printed
};

// Throws HarnessError naming `url` and the form accepted; `what` says where it came from
// ("--ccache-remote", "HARNESS_CCACHE_REMOTE", "ccache_remote").
RedisUrl ParseRedisUrl(std::string_view url, std::string_view what);

// Gives `url` the password (the value of kRedisPasswordEnv; empty: none). Throws HarnessError,
// never quoting the password, when it holds a character a URL's password cannot hold as it is.
void SetRedisPassword(RedisUrl& url, std::string_view password);

// What ccache's remote_storage gets: redis://:PASSWORD@HOST... (the URL as given without one).
std::string RedisUrlForCcache(const RedisUrl& url);
// What every log, fact and echoed command shows: redis://:***@HOST... (as given without one).
std::string RedisUrlShown(const RedisUrl& url);

}  // namespace harness
