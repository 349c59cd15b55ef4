#include "harness/config/ccache_remote.h"

#include <charconv>
#include <optional>

#include "harness/core/error.h"
#include "harness/core/util.h"

namespace harness {
namespace {

constexpr std::string_view kScheme = "redis://";
constexpr std::string_view kAccepted =
    "expected redis://HOST[:PORT][/DB], e.g. redis://cache.example:6379 (ccache's Redis remote storage; "
    "no rediss://, no password in the URL)";

// A port or database number: digits only, within [low, high]; nullopt otherwise.
std::optional<int> Number(std::string_view text, int low, int high) {
  int value = 0;
  if (text.empty() || text.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < low || value > high) return std::nullopt;
  return value;
}

}  // namespace

RedisUrl ParseRedisUrl(std::string_view url, std::string_view what) {
  auto fail = [&](std::string_view problem) -> RedisUrl {
    throw HarnessError(std::string(what) + " '" + Printable(url) + "' " + std::string(problem) + ": " +
                       std::string(kAccepted));
  };
  if (!url.starts_with(kScheme)) {
    const auto colon = url.find("://");
    return fail(colon == std::string_view::npos ? "is not a URL"
                                                : "has scheme '" + std::string(url.substr(0, colon)) + "'");
  }
  if (url.find_first_of(" \t\r\n|?#@") != std::string_view::npos) {
    return fail(url.find('@') != std::string_view::npos ? "carries credentials" : "has characters past the address");
  }
  std::string_view rest = url.substr(kScheme.size());
  RedisUrl parsed{.url = std::string(url)};
  if (rest.starts_with('[')) {
    const auto close = rest.find(']');
    if (close == std::string_view::npos || close == 1) return fail("has an unclosed or empty IPv6 address");
    parsed.host = std::string(rest.substr(1, close - 1));
    rest.remove_prefix(close + 1);
  } else {
    const auto end = rest.find_first_of(":/");
    parsed.host = std::string(rest.substr(0, end));
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
  }
  if (parsed.host.empty()) return fail("has no host");
  if (rest.starts_with(':')) {
    const auto end = rest.find('/');
    const auto port = Number(rest.substr(1, end == std::string_view::npos ? end : end - 1), 1, 65535);
    if (!port) return fail("has no port from 1 to 65535 after ':'");
    parsed.port = *port;
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
  }
  if (rest.starts_with('/') && rest.size() > 1 && !Number(rest.substr(1), 0, 1 << 20)) {
    return fail("has a database that is not a number");
  }
  if (!rest.empty() && !rest.starts_with('/')) return fail("has characters past the address");
  return parsed;
}

void SetRedisPassword(RedisUrl& url, std::string_view password) {
  // RFC 3986's unreserved characters and sub-delimiters: a URL's userinfo holds them as they are.
  constexpr std::string_view kAllowed =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=";
  if (password.find_first_not_of(kAllowed) != std::string_view::npos) {
    throw HarnessError(std::string(kRedisPasswordEnv) + " (" + std::to_string(password.size()) +
                       " characters, not shown) holds a character a URL's password cannot hold as it is: use "
                       "letters, digits and - . _ ~ ! $ & ' ( ) * + , ; =");
  }
  url.password = std::string(password);
}

namespace {

// The URL as given with `userinfo` after its scheme.
std::string WithUserinfo(const RedisUrl& url, std::string_view userinfo) {
  if (url.password.empty()) return url.url;
  return std::string(kScheme) + ":" + std::string(userinfo) + "@" + url.url.substr(kScheme.size());
}

}  // namespace

std::string RedisUrlForCcache(const RedisUrl& url) { return WithUserinfo(url, url.password); }

std::string RedisUrlShown(const RedisUrl& url) { return WithUserinfo(url, "***"); }

}  // namespace harness
