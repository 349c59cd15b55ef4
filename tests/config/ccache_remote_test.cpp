#include "harness/config/ccache_remote.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/core/error.h"
#include "tests/support/error_of.h"

namespace harness {
namespace {

using ::testing::HasSubstr;

std::string ErrorOf(const std::string& url) {
  try {
    ParseRedisUrl(url, "--ccache-remote");
  } catch (const HarnessError& e) {
    return e.what();
  }
  return "no error";
}

TEST(RedisUrlTest, HostPortAndDatabase) {
  RedisUrl url = ParseRedisUrl("redis://cache.lan:7000/2", "--ccache-remote");
  EXPECT_EQ(url.url, "redis://cache.lan:7000/2");
  EXPECT_EQ(url.host, "cache.lan");
  EXPECT_EQ(url.port, 7000);
}

TEST(RedisUrlTest, PortDefaultsToRedissOwn) {
  EXPECT_EQ(ParseRedisUrl("redis://10.1.2.3", "x").port, 6379);
  EXPECT_EQ(ParseRedisUrl("redis://10.1.2.3/", "x").host, "10.1.2.3");
}

TEST(RedisUrlTest, BracketedIpv6) {
  RedisUrl url = ParseRedisUrl("redis://[::1]:6380", "x");
  EXPECT_EQ(url.host, "::1");
  EXPECT_EQ(url.port, 6380);
}

// Given anything but plain redis://HOST[:PORT][/DB], the error should quote the input, say
// what is wrong with it and what is accepted.
TEST(RedisUrlTest, RejectsWithTheAcceptedForm) {
  EXPECT_THAT(ErrorOf("rediss://cache:6379"), HasSubstr("--ccache-remote 'rediss://cache:6379' has scheme 'rediss'"));
  EXPECT_THAT(ErrorOf("http://cache/ccache"), HasSubstr("has scheme 'http'"));
  EXPECT_THAT(ErrorOf("cache:6379"), HasSubstr("'cache:6379' is not a URL"));
  EXPECT_THAT(ErrorOf("redis://"), HasSubstr("has no host"));
  EXPECT_THAT(ErrorOf("redis://:6379"), HasSubstr("has no host"));
  EXPECT_THAT(ErrorOf("redis://cache:"), HasSubstr("no port from 1 to 65535"));
  EXPECT_THAT(ErrorOf("redis://cache:0"), HasSubstr("no port from 1 to 65535"));
  EXPECT_THAT(ErrorOf("redis://cache:65536"), HasSubstr("no port from 1 to 65535"));
  EXPECT_THAT(ErrorOf("redis://cache:63x9"), HasSubstr("no port from 1 to 65535"));
  EXPECT_THAT(ErrorOf("redis://cache/db"), HasSubstr("database that is not a number"));
  EXPECT_THAT(ErrorOf("redis://user:secret@cache"), HasSubstr("carries credentials"));
  EXPECT_THAT(ErrorOf("redis://cache|connect-timeout=500"), HasSubstr("characters past the address"));
  EXPECT_THAT(ErrorOf("redis://[::1"), HasSubstr("unclosed or empty IPv6"));
  EXPECT_THAT(ErrorOf("redis://[::1]x"), HasSubstr("characters past the address"));
  EXPECT_EQ(ErrorOf("redis://cache:6379"), "no error");
  EXPECT_THAT(ErrorOf("ftp://x"), HasSubstr("expected redis://HOST[:PORT][/DB]"));
}

// Given a password (from HARNESS_CCACHE_REDIS_PASSWORD), ccache's URL should carry it and the
// shown one should say *** in its place; without one both are the URL as given.
TEST(RedisUrlTest, PasswordOnlyInTheUrlForCcache) {
  RedisUrl url = ParseRedisUrl("redis://cache.lan:7000/2", "x");
  EXPECT_EQ(RedisUrlForCcache(url), "redis://cache.lan:7000/2");
  EXPECT_EQ(RedisUrlShown(url), "redis://cache.lan:7000/2");
  SetRedisPassword(url, "s3cret~!");
  EXPECT_EQ(RedisUrlForCcache(url), "redis://:s3cret~!@cache.lan:7000/2");
  EXPECT_EQ(RedisUrlShown(url), "redis://:***@cache.lan:7000/2");
  EXPECT_EQ(url.url, "redis://cache.lan:7000/2");
  SetRedisPassword(url, "");  // set but empty: none
  EXPECT_EQ(RedisUrlForCcache(url), "redis://cache.lan:7000/2");
}

// Given a password a URL cannot hold as it is, the error should say so without quoting it.
TEST(RedisUrlTest, BadPasswordIsNeverQuoted) {
  RedisUrl url = ParseRedisUrl("redis://cache.lan", "x");
  for (const char* bad : {"pa:ss", "pa@ss", "pa/ss", "pa ss", "pa%41"}) {
    const std::string error = testing::HarnessErrorOf([&] { SetRedisPassword(url, bad); });
    EXPECT_THAT(error, HasSubstr("HARNESS_CCACHE_REDIS_PASSWORD (5 characters, not shown) holds a character")) << bad;
    EXPECT_THAT(error, ::testing::Not(HasSubstr(bad)));
  }
  EXPECT_TRUE(url.password.empty());
}

}  // namespace
}  // namespace harness
