// Where an s3:// store lives and how to reach it: bucket, prefix, endpoint,
// addressing style, region, credentials, timeouts and retries, resolved from
// (first wins) the storage options given to Connect, the environment, and
// the AWS shared credentials and config files.
//
// Storage option names follow LanceDB's `storage_options` (and the AWS
// environment variables they mirror):
//   aws_access_key_id / access_key_id         AWS_ACCESS_KEY_ID
//   aws_secret_access_key / secret_access_key AWS_SECRET_ACCESS_KEY
//   aws_session_token / session_token         AWS_SESSION_TOKEN
//   aws_region / region                       AWS_REGION, AWS_DEFAULT_REGION
//   aws_endpoint / endpoint / endpoint_url    AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL
//   aws_profile / profile                     AWS_PROFILE (section of ~/.aws/credentials
//                                             and ~/.aws/config; AWS_SHARED_CREDENTIALS_FILE
//                                             and AWS_CONFIG_FILE move them)
//   virtual_hosted_style_request (true/false) path-style by default with a custom
//                                             endpoint, virtual-hosted on AWS
//   skip_signature (true/false)               anonymous requests (public buckets)
//   connect_timeout ("5s", "500ms")           5 s
//   timeout ("30s")                           no data for this long aborts a request: 30 s
//   max_retries                               5 (timeouts, 5xx, 429)
//   single_writer (true/false)                accept a store without conditional writes
//   multipart_part_size (bytes)               8 MiB; larger writes go up in parallel parts
//   upload_concurrency                        4 parts in flight per writer
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "io/sigv4.h"
#include "quiver/status.h"

namespace quiver {

using StorageOptions = std::map<std::string, std::string>;

struct S3Config {
  std::string bucket;
  std::string prefix;    // "" or ending with '/': "db/" for s3://bucket/db
  std::string endpoint;  // "https://s3.us-east-1.amazonaws.com" or an override, no trailing '/'
  std::string region = "us-east-1";
  bool path_style = false;
  bool anonymous = false;
  sigv4::Credentials credentials;
  std::string credentials_source;  // "storage options", "environment", "profile default", for messages
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds timeout{30000};
  int max_retries = 5;
  std::chrono::milliseconds retry_base_delay{50};
  bool single_writer = false;
  uint64_t multipart_part_size = 8ull << 20;
  int upload_concurrency = 4;
};

// Looks up an environment variable; the default reads the process's.
using EnvLookup = std::function<std::optional<std::string>(const char* name)>;
std::optional<std::string> ProcessEnv(const char* name);

// Resolves `uri` ("s3://bucket" or "s3://bucket/prefix/...") with `options`.
// InvalidArgument for a malformed URI, an unknown option or a bad value;
// NotFound when no credentials are found anywhere (unless skip_signature).
Result<S3Config> ResolveS3Config(std::string_view uri, const StorageOptions& options,
                                 const EnvLookup& env = ProcessEnv);

// "30s", "500ms", "2m" or a plain number of seconds.
Result<std::chrono::milliseconds> ParseDuration(std::string_view text);

}  // namespace quiver
