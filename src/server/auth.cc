#include "server/auth.h"

#include <algorithm>
#include <cmath>

namespace quiver::server {

Result<ApiKey> ParseApiKey(std::string_view spec) {
  ApiKey key;
  size_t colon = spec.rfind(':');
  std::string_view suffix = colon == std::string_view::npos ? "" : spec.substr(colon + 1);
  if (suffix == "ro" || suffix == "rw") {
    key.scope = suffix == "ro" ? Scope::kRead : Scope::kWrite;
    spec = spec.substr(0, colon);
  }
  if (spec.empty()) return Status::InvalidArgument("empty API key");
  for (char c : spec) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) {
      return Status::InvalidArgument("API keys may not contain spaces or control characters");
    }
  }
  key.key = std::string(spec);
  return key;
}

Authenticator::Authenticator(std::vector<ApiKey> keys) {
  for (ApiKey& k : keys) keys_[std::move(k.key)] = k.scope;
}

Authenticator::Decision Authenticator::Check(std::string_view x_api_key, std::string_view authorization,
                                             Scope needed) const {
  if (keys_.empty() || needed == Scope::kPublic) return {};
  std::string_view key = x_api_key;
  constexpr std::string_view kBearer = "Bearer ";
  if (key.empty() && authorization.size() > kBearer.size() &&
      std::equal(kBearer.begin(), kBearer.end(), authorization.begin(),
                 [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
    key = authorization.substr(kBearer.size());
  }
  if (key.empty()) {
    return {401, "missing API key: send it in the x-api-key header or as Authorization: Bearer <key>", ""};
  }
  auto it = keys_.find(std::string(key));
  if (it == keys_.end()) return {401, "invalid API key", ""};
  if (needed == Scope::kWrite && it->second == Scope::kRead) {
    return {403, "this API key is read-only; the request changes data", it->first};
  }
  return {200, "", it->first};
}

RateLimiter::RateLimiter(double rate, double burst)
    : rate_(rate), burst_(burst < 1 ? std::max(1.0, rate) : burst) {}

std::optional<int> RateLimiter::Acquire(const std::string& who) {
  if (rate_ <= 0) return std::nullopt;
  auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mu_);
  if (buckets_.size() >= prune_at_ && !buckets_.contains(who)) {
    // A full bucket is the same as none. The next pass waits until the map
    // has doubled, so that buckets still in use cost O(1) per request.
    std::erase_if(buckets_, [&](const auto& entry) {
      const Bucket& b = entry.second;
      return b.tokens + std::chrono::duration<double>(now - b.updated).count() * rate_ >= burst_;
    });
    prune_at_ = std::max(kMaxIdleBuckets, 2 * buckets_.size());
  }
  auto [it, inserted] = buckets_.try_emplace(who, Bucket{burst_, now});
  Bucket& b = it->second;
  double elapsed = std::chrono::duration<double>(now - b.updated).count();
  b.tokens = std::min(burst_, b.tokens + elapsed * rate_);
  b.updated = now;
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return std::nullopt;
  }
  // At least 1 s, and never past what an int holds (tiny rates).
  return static_cast<int>(std::clamp(std::ceil((1 - b.tokens) / rate_), 1.0, 1e9));
}

size_t RateLimiter::buckets() const {
  std::lock_guard lock(mu_);
  return buckets_.size();
}

}  // namespace quiver::server
