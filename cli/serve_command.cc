// quiver serve: the HTTP server (src/server) in front of one database.
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <iostream>
#include <thread>

#include "command.h"
#include "server/server.h"

namespace quiver::cli {

namespace {

// SIGINT and SIGTERM write a byte to this pipe; a thread waiting on it stops
// the server. (A handler works whichever thread the signal lands on: the
// library's worker threads exist before the server starts.)
int stop_pipe[2] = {-1, -1};

void OnStopSignal(int) {
  char byte = 1;
  (void)!write(stop_pipe[1], &byte, 1);
}

}  // namespace

void RegisterServe(VerbList& verbs) {
  struct Args {
    server::ServerOptions options;
    std::vector<std::string> keys;
    int64_t max_body_mb = 256;
    int64_t query_timeout_ms = 30'000;
    int64_t consistency_ms = 0;
    std::vector<std::string> storage_options;
    int64_t cache_mb = 256;
  };
  auto args = std::make_shared<Args>();
  Verb& verb = verbs.Add(
      "serve", "Serve a database over HTTP: Quiver's JSON API and LanceDB's remote protocol.",
      "quiver serve ./db --port 8080 --api-key secret",
      "Routes: GET /health, GET /metrics (Prometheus), GET /openapi.json, /tables/... (Quiver's API),\n"
      "/v1/table/... (LanceDB's protocol: connect a LanceDB client with\n"
      "  lancedb.connect(\"db://name\", {apiKey, region: \"local\", hostOverride: \"http://HOST:PORT\"})).\n"
      "Stops on SIGTERM or Ctrl-C after in-flight requests finish.\n"
      "Flags may also come from a config file: quiver serve --config FILE, where FILE (TOML) has a\n"
      "[serve] section of `flag = value` lines, e.g. port = 8080 and api-key = [\"k1\", \"k2:ro\"];\n"
      "flags on the command line win.");
  server::ServerOptions& o = args->options;
  verb.app
      ->add_option("db", o.db_uri,
                   "Database: a directory (created if missing) or s3://bucket/prefix (credentials from "
                   "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a profile, or --storage-option)")
      ->capture_default_str();
  verb.app->add_option("--host", o.host, "Address to listen on")->capture_default_str();
  verb.app->add_option("--port", o.port, "Port (0: any free port, printed at start)")->capture_default_str();
  verb.app->add_option("--threads", o.threads,
                       "Request worker threads; each keep-alive connection holds one (0: 64 or 4 per core)");
  verb.app
      ->add_option("--api-key", args->keys,
                   "Accept this API key (x-api-key or Authorization: Bearer). KEY:ro for a read-only key. "
                   "Repeat for several keys; without any, every request is allowed. Also from the "
                   "environment: QUIVER_API_KEY")
      ->allow_extra_args(false)
      ->envname("QUIVER_API_KEY");
  verb.app->add_flag("--allow-unauthenticated", o.allow_unauthenticated,
                     "Serve a non-loopback address without an API key");
  verb.app->add_option("--max-body-mb", args->max_body_mb, "Largest request body, in MiB (larger: 413)")
      ->check(AtLeast(1))
      ->capture_default_str();
  verb.app
      ->add_option("--max-rows", o.max_rows_per_request, "Most rows in one create/add/merge request (413)")
      ->check(AtLeast(1))
      ->capture_default_str();
  verb.app->add_option("--max-result-rows", o.max_result_rows, "Most rows one search or scan may return")
      ->check(AtLeast(1))
      ->capture_default_str();
  verb.app->add_option("--rate-limit", o.rate_limit,
                       "Requests per second per API key (429 beyond); 0: no limit");
  verb.app->add_option("--rate-burst", o.rate_burst, "Requests a key may send at once above the rate");
  verb.app
      ->add_option("--query-timeout-ms", args->query_timeout_ms,
                   "Answer 504 to a search still running after this long (0: never; searches then run on "
                   "the request's own thread, which saves a hand-off of about 0.1 ms)")
      ->check(AtLeast(0))
      ->capture_default_str();
  verb.app
      ->add_option("--read-consistency-ms,--consistency-ms", args->consistency_ms,
                   "Check for versions written by other processes (or other servers on the same bucket) at "
                   "most this often before reads (0: before every read)")
      ->check(AtLeast(0))
      ->capture_default_str();
  verb.app
      ->add_option("--storage-option", args->storage_options,
                   "s3:// databases: KEY=VALUE, e.g. aws_endpoint=http://127.0.0.1:9000 or region=eu-west-1 "
                   "(docs/storage.md lists them; they win over AWS_* variables). Repeat for several")
      ->allow_extra_args(false);
  verb.app->add_option("--cache-mb", args->cache_mb, "s3:// databases: read cache in memory, MiB")
      ->check(AtLeast(0))
      ->capture_default_str();
  verb.app->add_option("--cache-dir", o.read_cache_dir,
                       "s3:// databases: also cache reads in this directory (kept across restarts)");
  verb.app->add_option("--tls-cert", o.tls_cert_file, "PEM certificate file: serve HTTPS");
  verb.app->add_option("--tls-key", o.tls_key_file, "PEM private key file for --tls-cert");
  verb.app->add_flag("--access-log", o.access_log, "Print one line per request on stderr");
  // main() declares --config at the top level (CLI11 reads config files
  // there only): the [serve] section holds this verb's flags, and
  // fallthrough lets --config follow `serve`.
  verb.app->fallthrough();

  verb.run = [args]() -> Status {
    server::ServerOptions options = args->options;
    for (const std::string& spec : args->keys) {
      QUIVER_ASSIGN_OR_RETURN(server::ApiKey key, server::ParseApiKey(spec));
      options.api_keys.push_back(std::move(key));
    }
    options.max_body_bytes = static_cast<uint64_t>(args->max_body_mb) << 20;
    options.query_timeout = std::chrono::milliseconds(args->query_timeout_ms);
    options.read_consistency_interval = std::chrono::milliseconds(args->consistency_ms);
    options.read_cache_bytes = static_cast<uint64_t>(args->cache_mb) << 20;
    for (const std::string& spec : args->storage_options) {
      size_t eq = spec.find('=');
      if (eq == std::string::npos || eq == 0) {
        return Status::InvalidArgument("--storage-option wants KEY=VALUE, not \"" + spec + "\"");
      }
      options.storage_options[spec.substr(0, eq)] = spec.substr(eq + 1);
    }

    QUIVER_ASSIGN_OR_RETURN(auto srv, server::Server::Create(options));
    QUIVER_RETURN_NOT_OK(srv->Bind());
    if (pipe(stop_pipe) != 0) return Status::IOError("cannot create a pipe for signal handling");
    struct sigaction action {};
    action.sa_handler = OnStopSignal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
    std::thread waiter([&srv] {
      char byte = 0;
      while (read(stop_pipe[0], &byte, 1) < 0 && errno == EINTR) {
      }
      if (byte == 1) std::cerr << "quiver serve: stopping (in-flight requests finish first)" << std::endl;
      srv->Stop();
    });
    std::cout << "quiver serve: " << options.db_uri << " on "
              << (options.tls_cert_file.empty() ? "http" : "https") << "://" << options.host << ":"
              << srv->port() << " ("
              << (options.api_keys.empty() ? std::string("no API key: every request is allowed")
                                           : std::to_string(options.api_keys.size()) +
                                                 (options.api_keys.size() == 1 ? " API key" : " API keys"))
              << ")" << std::endl;
    srv->Run();
    char done = 2;  // wakes the waiter when Run() ended some other way
    (void)!write(stop_pipe[1], &done, 1);
    waiter.join();
    std::cout << "quiver serve: stopped" << std::endl;
    return Status::OK();
  };
}

}  // namespace quiver::cli
