// `quiver serve`: an HTTP server in front of one database. It answers
// Quiver's own JSON API (/tables, /search, /health, /metrics, /openapi.json)
// and LanceDB's remote protocol (/v1/table/...), so LanceDB's clients work
// against it with a host override.
//
//   quiver::server::ServerOptions options;
//   options.db_uri = "data/db";
//   QUIVER_ASSIGN_OR_RETURN(auto server, quiver::server::Server::Create(options));
//   QUIVER_RETURN_NOT_OK(server->Bind());   // port() is known from here on
//   server->Run();                          // until Stop() (e.g. from a signal thread)
//
// Thread-safety: Stop() may be called from any thread; the rest from the
// thread that owns the server.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "quiver/status.h"
#include "server/auth.h"

namespace quiver::server {

struct ServerOptions {
  std::string db_uri = "quiver-data";
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: any free port (see Server::port())
  int threads = 0;  // request workers; 0: 4 per hardware thread, at least 64
  std::vector<ApiKey> api_keys;
  // Serving a non-loopback address with no API key is refused unless this
  // is set: anyone who can reach the port could then change every table.
  bool allow_unauthenticated = false;
  uint64_t max_body_bytes = uint64_t{256} << 20;    // larger request bodies get 413
  int64_t max_rows_per_request = 10'000'000;        // rows of one create/add/merge request (413)
  int64_t max_result_rows = 1'000'000;              // rows one search or scan may return (400)
  double rate_limit = 0;                            // requests per second per key; 0: unlimited
  double rate_burst = 0;                            // bucket size; 0: max(1, rate_limit)
  std::chrono::milliseconds query_timeout{30'000};  // 0: none; x-request-timeout-ms may shorten it
  // Checked before reads: versions committed by other processes (or other
  // servers on the same store) become visible at most this long after.
  std::chrono::milliseconds read_consistency_interval{0};
  std::string tls_cert_file;  // both set: HTTPS
  std::string tls_key_file;
  bool durable_writes = true;
  // s3:// databases: storage options by name (io/s3_config.h; they win over
  // the AWS environment variables) and the read cache (memory bytes, and
  // an optional directory kept across restarts).
  std::map<std::string, std::string> storage_options;
  uint64_t read_cache_bytes = 256ull << 20;
  std::string read_cache_dir;
  // Access log lines (method, path, status, milliseconds) on stderr.
  bool access_log = false;
};

class Server {
 public:
  // Opens the database and checks the options (keys on a public address,
  // TLS files). Does not listen yet.
  static Result<std::unique_ptr<Server>> Create(ServerOptions options);
  ~Server();

  // Binds the listening socket. IOError naming the address when it fails.
  Status Bind();
  // The port bound (useful with options.port = 0).
  int port() const;
  // Serves until Stop(); returns after in-flight requests have finished and
  // idle keep-alive connections have closed (they time out after 5 s).
  void Run();
  // Stops accepting connections and lets in-flight requests finish. Safe
  // from any thread, any number of times.
  void Stop();

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// True for 127.0.0.0/8, ::1 and "localhost".
bool IsLoopbackHost(const std::string& host);

}  // namespace quiver::server
