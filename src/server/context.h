// What the route handlers share: the database, open table handles, metrics,
// and the Call wrapper around one HTTP exchange. Internal to src/server.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <unordered_map>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "common/thread_pool.h"
#include "io/store_wrapper.h"
#include "quiver/connection.h"
#include "server/auth.h"
#include "server/metrics.h"
#include "server/server.h"

namespace quiver::server {

// Objects keep their keys in the order received (column order of inferred
// schemas, aliases of computed columns) and written.
using Json = nlohmann::ordered_json;

// Open table handles, one per table, shared by every request (a Table is
// safe to share and reads see its latest commit). Reads of an older version
// get a handle of their own.
class TableRegistry {
 public:
  explicit TableRegistry(ConnectionPtr db) : db_(std::move(db)) {}
  // The latest version (NotFound naming the table).
  Result<TablePtr> Get(const std::string& name);
  // `version` when set (a fresh handle checked out there), else Get(name).
  Result<TablePtr> Get(const std::string& name, std::optional<uint64_t> version);
  void Put(const std::string& name, TablePtr table);
  void Forget(const std::string& name);
  const ConnectionPtr& db() const { return db_; }

 private:
  ConnectionPtr db_;
  std::mutex mu_;
  std::unordered_map<std::string, TablePtr> open_;
};

struct ServerContext {
  ServerOptions options;
  std::shared_ptr<MetricsObjectStore> store;
  TableRegistry tables;
  Metrics metrics;
  Authenticator auth;
  RateLimiter limiter;
  // Searches run here when a timeout applies, so that the request can be
  // answered when it expires even though the search cannot be interrupted.
  std::unique_ptr<ThreadPool> query_pool;
  // The database's directory as an absolute path and as given (when it
  // holds a '/'), longest first: error messages name "the database" instead.
  std::vector<std::string> private_paths;
};

// Which API a route belongs to: it decides the error format (a JSON object
// for Quiver's API, plain text for LanceDB's, as its client expects).
enum class Api { kQuiver, kLance, kOps };

// One request and its response.
class Call {
 public:
  Call(const httplib::Request& req, httplib::Response& res, ServerContext& ctx, Api api, std::string body)
      : req(req), res(res), ctx(ctx), api(api), body(std::move(body)) {}

  const httplib::Request& req;
  httplib::Response& res;
  ServerContext& ctx;
  Api api;
  std::string body;  // the request body, read under the size limit

  // The n-th capture of the route's pattern (URL-decoded by httplib).
  std::string Param(int n) const { return req.matches[n].str(); }
  // The query parameter, or "".
  std::string Query(const std::string& name) const { return req.get_param_value(name); }
  bool HasQuery(const std::string& name) const { return req.has_param(name); }
  // The body as a JSON value; an empty body is `{}`. InvalidArgument naming
  // the parse error's position otherwise.
  Result<Json> JsonBody() const;
  bool BodyIsArrow() const;

  void ReplyJson(const Json& value, int status = 200);
  void ReplyBytes(std::string bytes, const char* content_type, int status = 200);
  void ReplyError(const Status& status);
  void ReplyError(int http_status, const std::string& code, const std::string& message);
  // The search timeout for this request: the server's, or a shorter
  // x-request-timeout-ms header. 0 means none.
  std::chrono::milliseconds Timeout() const;
};

using Handler = std::function<Status(Call&)>;

// The HTTP status for an error status code.
int HttpStatusFor(StatusCode code);

// Registers the routes of each API on `http`; `add` wraps a handler with
// authentication, limits, error handling and metrics.
using AddRoute = std::function<void(const char* method, const std::string& pattern, std::string route_name,
                                    Scope scope, Api api, Handler handler)>;
void AddQuiverRoutes(const AddRoute& add);
void AddLanceRoutes(const AddRoute& add);

// The OpenAPI 3.1 document of Quiver's own API.
const Json& OpenApiDocument();

}  // namespace quiver::server
