// AWS Signature Version 4 for S3 requests: the canonical request, the string
// to sign and the Authorization header, as
// https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html
// specifies. Pure functions over OpenSSL's SHA-256 and HMAC, so the test can
// check them against AWS's published examples.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace quiver::sigv4 {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // "" when none
};

// One request to sign. Header names may be in any case; values are trimmed.
struct Request {
  std::string method;  // "GET", "PUT", ...
  // The path exactly as sent, already URI-encoded ("/bucket/a%20b").
  std::string encoded_path;
  // Query parameters, not encoded (the signer encodes and sorts them).
  std::vector<std::pair<std::string, std::string>> query;
  // Every header to sign, including "host" and "x-amz-content-sha256".
  std::vector<std::pair<std::string, std::string>> headers;
};

// Lower-case hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);
// Base64 of the MD5 of `data` (S3's Content-MD5 header).
std::string Md5Base64(std::string_view data);

// Percent-encodes every byte but A-Z a-z 0-9 - _ . ~ (and '/' when
// `keep_slash`), as SigV4 requires.
std::string UriEncode(std::string_view in, bool keep_slash);

// "20130524T000000Z" for the given Unix time (seconds, UTC).
std::string AmzDate(int64_t unix_seconds);

// The canonical query string: parameters encoded, sorted, joined with '&'.
std::string CanonicalQuery(const std::vector<std::pair<std::string, std::string>>& query);

// The canonical request (for tests and error messages).
std::string CanonicalRequest(const Request& request, std::string_view payload_sha256);

// The value of the Authorization header. `amz_date` must equal the request's
// x-amz-date header; `payload_sha256` its x-amz-content-sha256 header.
std::string Authorization(const Request& request, const Credentials& credentials, std::string_view region,
                          std::string_view service, std::string_view amz_date,
                          std::string_view payload_sha256);

// x-amz-content-sha256 of an empty body.
inline constexpr std::string_view kEmptySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

}  // namespace quiver::sigv4
