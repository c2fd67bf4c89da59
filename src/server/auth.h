// API keys and per-key rate limits.
//
// A request names its key in `x-api-key: KEY` or `Authorization: Bearer KEY`.
// Keys are read-only (searches, counts, listings) or read-write (everything).
// With no keys configured every request is allowed with read-write scope;
// the server refuses that on a non-loopback address unless told otherwise.
//
// Rate limits are token buckets per key (or per client address when there
// are no keys): `rate` requests per second on average, bursts of `burst`.
//
// Thread-safety: Authenticator and RateLimiter are safe to share.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "quiver/status.h"

namespace quiver::server {

// kPublic routes (/health, /openapi.json) need no key at all.
enum class Scope { kPublic, kRead, kWrite };

struct ApiKey {
  std::string key;
  Scope scope = Scope::kWrite;
};

// Parses "KEY" (read-write) or "KEY:ro" / "KEY:rw". InvalidArgument for an
// empty key or an unknown scope suffix.
Result<ApiKey> ParseApiKey(std::string_view spec);

class Authenticator {
 public:
  explicit Authenticator(std::vector<ApiKey> keys);
  bool enabled() const { return !keys_.empty(); }

  struct Decision {
    int status = 200;     // 200, 401 (no or unknown key) or 403 (read-only key, write route)
    std::string message;  // why, for 401 and 403
    std::string key;      // the key used ("" when keys are disabled)
  };
  // `x_api_key` and `authorization` are the header values ("" when absent).
  Decision Check(std::string_view x_api_key, std::string_view authorization, Scope needed) const;

 private:
  std::unordered_map<std::string, Scope> keys_;
};

class RateLimiter {
 public:
  // rate <= 0 disables limiting. burst < 1 means max(1, rate).
  RateLimiter(double rate, double burst);
  bool enabled() const { return rate_ > 0; }
  // Takes one token from `who`'s bucket. Returns nullopt when allowed, or
  // the whole seconds to wait before a token is available (for Retry-After).
  std::optional<int> Acquire(const std::string& who);
  // Buckets held. Buckets that have refilled completely are forgotten when
  // there are more than kMaxIdleBuckets, so that many client addresses do
  // not grow memory without bound.
  size_t buckets() const;
  static constexpr size_t kMaxIdleBuckets = 10'000;

 private:
  struct Bucket {
    double tokens;
    std::chrono::steady_clock::time_point updated;
  };
  double rate_;
  double burst_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
  size_t prune_at_ = kMaxIdleBuckets;
};

}  // namespace quiver::server
