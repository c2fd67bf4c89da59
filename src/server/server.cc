#include "server/server.h"

#include <arpa/inet.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "io/object_store.h"
#include "server/context.h"

namespace quiver::server {

namespace {

using Clock = std::chrono::steady_clock;

// Per worker thread: the route being answered and when its request was read,
// for the metrics recorded by the logger once the response is written.
thread_local const std::string* tls_route = nullptr;
thread_local Clock::time_point tls_start;
thread_local bool tls_started = false;
const std::string kUnmatched = "unmatched";

bool IsLancePath(const std::string& path) { return path.starts_with("/v1/"); }

// An error answer's body: plain text on LanceDB's routes (its client shows
// it in the exception), {"error": {"code", "message"}} on the others. Bytes
// that are not UTF-8 (a client's path, say) are replaced, never thrown on.
void SetErrorBody(httplib::Response& res, bool lance, const std::string& code, const std::string& message) {
  if (lance) {
    res.set_content(message, "text/plain; charset=utf-8");
    return;
  }
  Json body{{"error", {{"code", code}, {"message", message}}}};
  res.set_content(body.dump(-1, ' ', false, Json::error_handler_t::replace), "application/json");
}

}  // namespace

bool IsLoopbackHost(const std::string& host) {
  if (host == "localhost" || host == "::1" || host == "[::1]") return true;
  in_addr addr{};
  if (inet_pton(AF_INET, host.c_str(), &addr) == 1) return (ntohl(addr.s_addr) >> 24) == 127;
  return false;
}

// ---- TableRegistry ----

Result<TablePtr> TableRegistry::Get(const std::string& name) {
  {
    std::lock_guard lock(mu_);
    auto it = open_.find(name);
    if (it != open_.end()) return it->second;
  }
  QUIVER_ASSIGN_OR_RETURN(TablePtr table, db_->OpenTable(name));
  std::lock_guard lock(mu_);
  auto [it, inserted] = open_.try_emplace(name, table);
  return it->second;
}

Result<TablePtr> TableRegistry::Get(const std::string& name, std::optional<uint64_t> version) {
  if (!version) return Get(name);
  QUIVER_ASSIGN_OR_RETURN(TablePtr table, db_->OpenTable(name));
  QUIVER_RETURN_NOT_OK(table->Checkout(*version));
  return table;
}

void TableRegistry::Put(const std::string& name, TablePtr table) {
  std::lock_guard lock(mu_);
  open_[name] = std::move(table);
}

void TableRegistry::Forget(const std::string& name) {
  std::lock_guard lock(mu_);
  open_.erase(name);
}

// ---- Call ----

int HttpStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
      return 400;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kAlreadyExists:
      return 409;
    case StatusCode::kConflict:
      return 409;
    case StatusCode::kNotSupported:
      return 501;
    case StatusCode::kResourceExhausted:
      return 413;
    case StatusCode::kCancelled:
      return 504;
    default:
      return 500;
  }
}

Result<Json> Call::JsonBody() const {
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) return Json::object();
  Json parsed = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    // Parse again with exceptions for the position of the error.
    try {
      Json unused = Json::parse(body);  // throws; a (void) cast would not quiet warn_unused_result
      (void)unused;
    } catch (const Json::parse_error& e) {
      return Status::InvalidArgument(std::string("malformed JSON body: ") + e.what());
    }
    return Status::InvalidArgument("malformed JSON body");
  }
  return parsed;
}

bool Call::BodyIsArrow() const {
  return req.get_header_value("Content-Type").starts_with("application/vnd.apache.arrow");
}

void Call::ReplyJson(const Json& value, int status) {
  res.status = status;
  res.set_content(value.dump(-1, ' ', false, Json::error_handler_t::replace), "application/json");
}

void Call::ReplyBytes(std::string bytes, const char* content_type, int status) {
  res.status = status;
  res.set_content(std::move(bytes), content_type);
}

void Call::ReplyError(int http_status, const std::string& code, const std::string& message) {
  res.status = http_status;
  SetErrorBody(res, api == Api::kLance, code, message);
}

void Call::ReplyError(const Status& status) {
  // Clients need not learn where the database lives on the server's disk.
  std::string message = status.message();
  for (const std::string& dir : ctx.private_paths) {
    for (size_t at = message.find(dir); at != std::string::npos; at = message.find(dir, at)) {
      message.replace(at, dir.size(), "the database");
    }
  }
  ReplyError(HttpStatusFor(status.code()), std::string(StatusCodeName(status.code())), message);
}

std::chrono::milliseconds Call::Timeout() const {
  std::chrono::milliseconds timeout = ctx.options.query_timeout;
  std::string header = req.get_header_value("x-request-timeout-ms");
  if (!header.empty()) {
    char* end = nullptr;
    long long ms = std::strtoll(header.c_str(), &end, 10);
    if (end && *end == '\0' && ms > 0 && (timeout.count() == 0 || ms < timeout.count())) {
      timeout = std::chrono::milliseconds(ms);
    }
  }
  return timeout;
}

// ---- Server ----

constexpr char kLanceProtocolVersion[] = "0.3.0";

struct Server::Impl {
  explicit Impl(ServerContext* context) : ctx(context) {}
  std::unique_ptr<ServerContext> ctx_owner;
  ServerContext* ctx;
  std::unique_ptr<httplib::Server> http;
  int port = 0;
  std::atomic<bool> stopped{false};
  std::atomic<bool> in_run{false};

  void Register(const char* method, const std::string& pattern, std::string route_name, Scope scope, Api api,
                Handler handler);
  void Install();
  void AddOpsRoutes(const AddRoute& add);
  void Answer(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader* reader,
              const std::string& route, Scope scope, Api api, const Handler& handler);
};

void Server::Impl::Answer(const httplib::Request& req, httplib::Response& res,
                          const httplib::ContentReader* reader, const std::string& route, Scope scope,
                          Api api, const Handler& handler) {
  tls_route = &route;
  Call call(req, res, *ctx, api, "");
  // LanceDB's clients read the protocol level they may use from this
  // header: 0.3 means structured full-text queries (match operators,
  // phrases, boolean queries) and several query vectors in one request; 0.4
  // would mean staged multipart writes, which Quiver does not implement.
  if (api == Api::kLance) res.set_header("phalanx-version", kLanceProtocolVersion);

  // Keys and the rate limit are checked first, so that the body of a
  // rejected request is read and dropped, never buffered.
  int rejected = 0;
  std::string reject_code, reject_message;
  auto decision =
      ctx->auth.Check(req.get_header_value("x-api-key"), req.get_header_value("Authorization"), scope);
  if (decision.status != 200) {
    rejected = decision.status;
    reject_code = decision.status == 401 ? "Unauthorized" : "Forbidden";
    reject_message = decision.message;
    if (decision.status == 401) res.set_header("WWW-Authenticate", "Bearer");
  } else if (ctx->limiter.enabled()) {
    std::string who = decision.key.empty() ? req.remote_addr : decision.key;
    if (auto wait = ctx->limiter.Acquire(who)) {
      rejected = 429;
      reject_code = "TooManyRequests";
      reject_message = "rate limit exceeded; retry in " + std::to_string(*wait) + " s";
      res.set_header("Retry-After", std::to_string(*wait));
    }
  }

  // The body is read (under the size limit) before anything is answered, so
  // that the connection stays usable for the next request.
  bool too_big = false;
  bool read_failed = false;
  // A request with neither Content-Length nor chunked encoding has no body
  // (RFC 9112, 6.3; LanceDB's client sends such POSTs); httplib's reader
  // would wait for the connection to close instead.
  const bool has_body = req.has_header("Content-Length") || req.has_header("Transfer-Encoding");
  if (reader && has_body) {
    // Past the limit the rest is read and dropped (up to kDrainBytes more),
    // so that the client, still sending, can read the answer.
    constexpr uint64_t kDrainBytes = uint64_t{16} << 20;
    const uint64_t limit = rejected ? 0 : ctx->options.max_body_bytes;
    uint64_t received = 0;
    read_failed = !(*reader)([&](const char* data, size_t n) {
      received += n;
      if (received > limit) {
        too_big = true;
        call.body.clear();
        return received <= limit + kDrainBytes;
      }
      call.body.append(data, n);
      return true;
    });
    // httplib refuses a Content-Length above the limit without calling us.
    too_big = too_big || (read_failed && res.status == 413);
    if (too_big) read_failed = false;
  }

  if (rejected) {
    if (too_big || read_failed) res.set_header("Connection", "close");
    call.ReplyError(rejected, reject_code, reject_message);
    return;
  }
  if (too_big) {
    res.set_header("Connection", "close");
    call.ReplyError(413, "PayloadTooLarge",
                    "request body exceeds the server's limit of " +
                        std::to_string(ctx->options.max_body_bytes) + " bytes");
    return;
  }
  if (read_failed) {
    res.set_header("Connection", "close");
    call.ReplyError(400, "BadRequest",
                    "could not read the request body (malformed chunked encoding or closed early)");
    return;
  }
  try {
    Status st = handler(call);
    if (!st.ok()) call.ReplyError(st);
  } catch (const std::exception& e) {
    call.ReplyError(500, "Internal", std::string("internal error: ") + e.what());
  }
}

void Server::Impl::Register(const char* method, const std::string& pattern, std::string route_name,
                            Scope scope, Api api, Handler handler) {
  auto shared_route = std::make_shared<const std::string>(std::move(route_name));
  auto shared_handler = std::make_shared<const Handler>(std::move(handler));
  std::string m = method;
  if (m == "GET" || m == "DELETE") {
    httplib::Server::Handler h = [this, shared_route, shared_handler, scope, api](const httplib::Request& req,
                                                                                  httplib::Response& res) {
      Answer(req, res, nullptr, *shared_route, scope, api, *shared_handler);
    };
    if (m == "GET") {
      http->Get(pattern, std::move(h));
    } else {
      http->Delete(pattern, std::move(h));
    }
  } else {
    http->Post(pattern, [this, shared_route, shared_handler, scope, api](
                            const httplib::Request& req, httplib::Response& res,
                            const httplib::ContentReader& reader) {
      Answer(req, res, &reader, *shared_route, scope, api, *shared_handler);
    });
  }
}

void Server::Impl::Install() {
  const int threads = ctx->options.threads > 0
                          ? ctx->options.threads
                          : std::max(64, 4 * static_cast<int>(std::thread::hardware_concurrency()));
  http->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  http->set_keep_alive_max_count(100000);
  // Answers are written as headers then body: without this, Nagle and the
  // client's delayed ACK add 40 ms to every keep-alive request.
  http->set_tcp_nodelay(true);
  // httplib's default is SO_REUSEPORT, with which a second server binds the
  // same port silently and the kernel splits connections between the two.
  // SO_REUSEADDR alone allows a restart while old connections linger, and
  // makes a port in use an error.
  http->set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  // An idle keep-alive connection holds a worker until this passes, and
  // Stop() waits for it (httplib does not wake idle connections): 5 s, as
  // Node's HTTP server; clients reconnect when it lapses.
  http->set_keep_alive_timeout(5);
  http->set_read_timeout(300);
  http->set_write_timeout(300);
  http->set_payload_max_length(ctx->options.max_body_bytes);

  http->set_pre_routing_handler([](const httplib::Request&, httplib::Response&) {
    tls_start = Clock::now();
    tls_started = true;
    tls_route = &kUnmatched;
    return httplib::Server::HandlerResponse::Unhandled;
  });
  http->set_error_handler(
      httplib::Server::HandlerWithResponse([](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        std::string message;
        if (res.status == 404) {
          message = "no route for " + req.method + " " + req.path;
        } else if (res.status == 413) {
          message = "request body too large";
        } else {
          message = "HTTP status " + std::to_string(res.status);
        }
        SetErrorBody(res, IsLancePath(req.path), std::to_string(res.status), message);
        return httplib::Server::HandlerResponse::Handled;
      }));
  http->set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    double seconds = tls_started ? std::chrono::duration<double>(Clock::now() - tls_start).count() : 0;
    const std::string& route = tls_route ? *tls_route : kUnmatched;
    ctx->metrics.RecordRequest(route, req.method, res.status, seconds);
    if (ctx->options.access_log) {
      std::fprintf(stderr, "%s %s %s %d %.3f ms\n", req.remote_addr.c_str(), req.method.c_str(),
                   req.path.c_str(), res.status, seconds * 1e3);
    }
    tls_started = false;
    tls_route = nullptr;
  });

  AddRoute add = [this](const char* method, const std::string& pattern, std::string route_name, Scope scope,
                        Api api, Handler handler) {
    Register(method, pattern, std::move(route_name), scope, api, std::move(handler));
  };
  AddOpsRoutes(add);
  AddQuiverRoutes(add);
  AddLanceRoutes(add);
}

void Server::Impl::AddOpsRoutes(const AddRoute& add) {
  // Touches no storage: probes hit it every few seconds, and listing a
  // bucket for each would cost requests (and fail every pod at once when
  // the store blinks). Store trouble shows in the answers and /metrics.
  add("GET", "/health", "/health", Scope::kPublic, Api::kOps, [](Call& call) {
    call.ReplyJson(
        {{"status", "ok"},
         {"database", call.ctx.tables.db()->store()->uri().starts_with("s3://") ? "s3" : "local"}});
    return Status::OK();
  });
  add("GET", "/openapi.json", "/openapi.json", Scope::kPublic, Api::kOps, [](Call& call) {
    call.ReplyJson(OpenApiDocument());
    return Status::OK();
  });
  add("GET", "/metrics", "/metrics", Scope::kRead, Api::kOps, [](Call& call) {
    std::vector<Metrics::Sample> extra;
    auto names = call.ctx.tables.db()->TableNames();
    extra.push_back({"quiver_tables", "Tables in the database.", "gauge",
                     names.ok() ? static_cast<double>(names->size()) : 0.0});
    StoreMetrics io = call.ctx.store->Snapshot();
    extra.push_back({"quiver_store_read_requests_total", "Reads from the object store.", "counter",
                     static_cast<double>(io.read_requests)});
    extra.push_back({"quiver_store_bytes_read_total", "Bytes read from the object store.", "counter",
                     static_cast<double>(io.bytes_read)});
    extra.push_back({"quiver_store_write_requests_total", "Writes to the object store.", "counter",
                     static_cast<double>(io.write_requests)});
    extra.push_back({"quiver_store_bytes_written_total", "Bytes written to the object store.", "counter",
                     static_cast<double>(io.bytes_written)});
    extra.push_back({"quiver_store_errors_total", "Object store calls that failed.", "counter",
                     static_cast<double>(io.errors)});
    ReadCacheStatistics cache = call.ctx.tables.db()->read_cache_statistics();
    if (cache.enabled) {
      extra.push_back({"quiver_read_cache_hits_total", "Reads answered by the read cache.", "counter",
                       static_cast<double>(cache.hits)});
      extra.push_back({"quiver_read_cache_misses_total", "Cacheable reads that went to the store.", "counter",
                       static_cast<double>(cache.misses)});
      extra.push_back({"quiver_read_cache_bytes_hit_total", "Bytes answered by the read cache.", "counter",
                       static_cast<double>(cache.bytes_hit)});
      extra.push_back({"quiver_read_cache_memory_bytes", "Bytes the read cache holds in memory.", "gauge",
                       static_cast<double>(cache.memory_bytes)});
      extra.push_back({"quiver_read_cache_disk_bytes", "Bytes the read cache holds on disk.", "gauge",
                       static_cast<double>(cache.disk_bytes)});
    }
    call.ReplyBytes(call.ctx.metrics.Render(extra), "text/plain; version=0.0.4; charset=utf-8");
    return Status::OK();
  });
}

Result<std::unique_ptr<Server>> Server::Create(ServerOptions options) {
  if (!IsLoopbackHost(options.host) && options.api_keys.empty() && !options.allow_unauthenticated) {
    return Status::InvalidArgument("refusing to serve " + options.host +
                                   " without an API key: anyone reaching the port could change every table. "
                                   "Give --api-key, or --allow-unauthenticated to accept that");
  }
  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    return Status::InvalidArgument("TLS needs both a certificate file and a key file");
  }
  for (const std::string* file : {&options.tls_cert_file, &options.tls_key_file}) {
    if (!file->empty() && !std::filesystem::exists(*file)) {
      return Status::InvalidArgument("TLS file not found: " + *file);
    }
  }
  OpenStoreOptions store_options;
  store_options.sync = options.durable_writes;
  store_options.storage_options = options.storage_options;
  QUIVER_ASSIGN_OR_RETURN(ObjectStorePtr base, OpenObjectStore(options.db_uri, store_options));
  // Counts what reaches the store: Connect puts the read cache (s3://) on top.
  auto store = std::make_shared<MetricsObjectStore>(base);
  ConnectOptions connect;
  connect.store = store;
  connect.durable_writes = options.durable_writes;
  connect.read_consistency_interval = options.read_consistency_interval;
  connect.read_cache_bytes = options.read_cache_bytes;
  connect.read_cache_dir = options.read_cache_dir;
  QUIVER_ASSIGN_OR_RETURN(ConnectionPtr db, Connect(options.db_uri, connect));
  // One cheap request now (a listing of an empty prefix), so that a wrong
  // bucket, endpoint or key stops the server at start, not at its first
  // request.
  QUIVER_RETURN_NOT_OK(base->List("_quiver_start_check/").status().WithContext("checking the database"));

  auto ctx =
      std::unique_ptr<ServerContext>(new ServerContext{options,
                                                       store,
                                                       TableRegistry(db),
                                                       {},
                                                       Authenticator(options.api_keys),
                                                       RateLimiter(options.rate_limit, options.rate_burst),
                                                       nullptr,
                                                       {}});
  if (!options.db_uri.empty() && options.db_uri.find("://") == std::string::npos) {
    std::error_code ec;
    const std::string absolute = std::filesystem::absolute(options.db_uri, ec).lexically_normal().string();
    if (!ec && absolute != options.db_uri) ctx->private_paths.push_back(absolute);
    // A bare name ("db") tells nothing and could match other words.
    if (options.db_uri.find('/') != std::string::npos) ctx->private_paths.push_back(options.db_uri);
  }
  if (options.query_timeout.count() > 0) {
    ctx->query_pool =
        std::make_unique<ThreadPool>(std::max(4, 2 * static_cast<int>(std::thread::hardware_concurrency())));
  }
  auto impl = std::make_unique<Impl>(ctx.get());
  impl->ctx_owner = std::move(ctx);
  if (!options.tls_cert_file.empty()) {
    auto https =
        std::make_unique<httplib::SSLServer>(options.tls_cert_file.c_str(), options.tls_key_file.c_str());
    if (!https->is_valid()) {
      return Status::InvalidArgument("cannot load the TLS certificate " + options.tls_cert_file +
                                     " and key " + options.tls_key_file);
    }
    impl->http = std::move(https);
  } else {
    impl->http = std::make_unique<httplib::Server>();
  }
  impl->Install();
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { Stop(); }

Status Server::Bind() {
  const ServerOptions& o = impl_->ctx->options;
  if (o.port == 0) {
    impl_->port = impl_->http->bind_to_any_port(o.host);
  } else {
    impl_->port = impl_->http->bind_to_port(o.host, o.port) ? o.port : -1;
  }
  if (impl_->port <= 0) {
    return Status::IOError("cannot listen on " + o.host + ":" + std::to_string(o.port) +
                           " (address in use, or not an address of this machine)");
  }
  return Status::OK();
}

int Server::port() const { return impl_->port; }

void Server::Run() {
  impl_->in_run = true;
  if (!impl_->stopped) impl_->http->listen_after_bind();
  impl_->in_run = false;
}

void Server::Stop() {
  if (impl_->stopped.exchange(true)) return;
  // httplib's stop() does nothing until the accept loop runs: if Run() has
  // started but not yet reached the loop, wait for it (Run() checks
  // `stopped` first, so it never starts a loop after this point).
  while (impl_->in_run && !impl_->http->is_running())
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  impl_->http->stop();
}

}  // namespace quiver::server
