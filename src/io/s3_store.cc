#include "io/s3_store.h"

#include "common/io_account.h"
#include "common/thread_pool.h"

#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <ctime>
#include <future>
#include <map>
#include <random>
#include <thread>
#include <utility>

namespace quiver {

namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

Status KeyNotFound(std::string_view key) {
  return Status::NotFound("object \"" + std::string(key) + "\" not found");
}

// ---- Small XML helpers for S3's answers (flat, well-formed documents) ----

std::string XmlUnescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out += s[i];
      continue;
    }
    size_t end = s.find(';', i);
    if (end == std::string_view::npos) {
      out += s[i];
      continue;
    }
    std::string_view entity = s.substr(i + 1, end - i - 1);
    if (entity == "amp") {
      out += '&';
    } else if (entity == "lt") {
      out += '<';
    } else if (entity == "gt") {
      out += '>';
    } else if (entity == "quot") {
      out += '"';
    } else if (entity == "apos") {
      out += '\'';
    } else if (entity.size() > 1 && entity[0] == '#') {
      unsigned long code = entity[1] == 'x'
                               ? std::strtoul(std::string(entity.substr(2)).c_str(), nullptr, 16)
                               : std::strtoul(std::string(entity.substr(1)).c_str(), nullptr, 10);
      // Encoded as UTF-8.
      if (code < 0x80) {
        out += static_cast<char>(code);
      } else if (code < 0x800) {
        out += static_cast<char>(0xC0 | (code >> 6));
        out += static_cast<char>(0x80 | (code & 0x3F));
      } else if (code < 0x10000) {
        out += static_cast<char>(0xE0 | (code >> 12));
        out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (code & 0x3F));
      } else {
        out += static_cast<char>(0xF0 | (code >> 18));
        out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (code & 0x3F));
      }
    } else {
      out.append(s.substr(i, end - i + 1));
    }
    i = end;
  }
  return out;
}

std::string XmlEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// The raw text of every <tag>...</tag> in `xml`, in order.
std::vector<std::string_view> XmlElements(std::string_view xml, std::string_view tag) {
  std::vector<std::string_view> out;
  std::string open = "<" + std::string(tag) + ">";
  std::string close = "</" + std::string(tag) + ">";
  size_t pos = 0;
  while ((pos = xml.find(open, pos)) != std::string_view::npos) {
    size_t start = pos + open.size();
    size_t end = xml.find(close, start);
    if (end == std::string_view::npos) break;
    out.push_back(xml.substr(start, end - start));
    pos = end + close.size();
  }
  return out;
}

// The unescaped text of the first <tag> in `xml`, or "".
std::string XmlText(std::string_view xml, std::string_view tag) {
  auto all = XmlElements(xml, tag);
  return all.empty() ? std::string() : XmlUnescape(all.front());
}

// "2024-01-02T03:04:05.000Z" as milliseconds since the epoch (0 if malformed).
int64_t ParseIsoTimeMs(const std::string& text) {
  std::tm tm{};
  int ms = 0;
  if (std::sscanf(text.c_str(), "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                  &tm.tm_min, &tm.tm_sec) != 6) {
    return 0;
  }
  size_t dot = text.find('.');
  if (dot != std::string::npos) ms = std::atoi(text.substr(dot + 1, 3).c_str());
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<int64_t>(timegm(&tm)) * 1000 + ms;
}

bool IsReservedKey(std::string_view key) {
  // A part starting with ".tmp-" (the conditional-write probe) is never listed.
  return key.starts_with(kTempPrefix) ||
         key.find(std::string("/") + std::string(kTempPrefix)) != std::string::npos;
}

void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

// ---- The HTTP side: one signed request, retried ----

struct S3Request {
  const char* method = "GET";
  std::string key;  // full object key; "" addresses the bucket
  Headers query;
  Headers headers;  // extra headers, signed
  std::string_view body;
  bool no_body = false;            // HEAD
  uint64_t expect_length = 0;      // > 0: a body of exactly this size goes into `buffer`
  bool buffer_any_length = false;  // a whole-object GET: buffer whatever Content-Length says
};

struct S3Response {
  long status = 0;
  std::string text;                            // the body, unless it went into `buffer`
  std::shared_ptr<Buffer> buffer;              // the body, for reads that asked for it
  std::map<std::string, std::string> headers;  // lower-case names
  int attempts = 0;

  bool ok() const { return status >= 200 && status < 300; }
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct S3ObjectStore::Http {
  explicit Http(const S3Config& config) : config(config) {
    InitCurlOnce();
    std::string_view e = config.endpoint;
    size_t scheme_end = e.find("://");
    scheme = std::string(e.substr(0, scheme_end + 3));
    std::string_view rest = e.substr(scheme_end + 3);
    size_t slash = rest.find('/');
    host = std::string(rest.substr(0, slash));
    base_path = slash == std::string_view::npos ? "" : std::string(rest.substr(slash));
  }
  ~Http() {
    for (CURL* handle : idle) curl_easy_cleanup(handle);
  }

  CURL* Acquire() {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (!idle.empty()) {
        CURL* handle = idle.back();
        idle.pop_back();
        curl_easy_reset(handle);  // keeps the handle's live connections
        return handle;
      }
    }
    return curl_easy_init();
  }
  void Release(CURL* handle) {
    std::lock_guard<std::mutex> lock(mu);
    idle.push_back(handle);
  }

  // One attempt. A transport failure is IOError; any HTTP answer is a response.
  Result<S3Response> SendOnce(const S3Request& request);
  // Retries transport failures, 5xx, 429 and 409 with backoff.
  Result<S3Response> Send(const S3Request& request, std::atomic<uint64_t>& counter);

  const S3Config& config;
  std::string scheme;     // "http://"
  std::string host;       // "127.0.0.1:7480"
  std::string base_path;  // a path in the endpoint URL, usually ""
  std::mutex mu;
  std::vector<CURL*> idle;
};

namespace {

struct Sink {
  CURL* handle;
  const S3Request* request;
  S3Response* response;
  size_t written = 0;
  bool decided = false;
  bool overflow = false;
};

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  std::string_view line(data, size * count);
  size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name(line.substr(0, colon));
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
      value.remove_suffix(1);
    }
    sink->response->headers[name] = std::string(value);
  } else if (line.starts_with("HTTP/")) {
    sink->response->headers.clear();  // a new response (after 100 Continue)
  }
  return size * count;
}

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  size_t n = size * count;
  if (!sink->decided) {
    sink->decided = true;
    long status = 0;
    curl_easy_getinfo(sink->handle, CURLINFO_RESPONSE_CODE, &status);
    curl_off_t length = -1;
    curl_easy_getinfo(sink->handle, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
    const S3Request& req = *sink->request;
    bool success = status >= 200 && status < 300;
    if (success && req.expect_length > 0 && length == static_cast<curl_off_t>(req.expect_length)) {
      sink->response->buffer = Buffer::AllocateUninitialized(req.expect_length);
    } else if (success && req.buffer_any_length && length >= 0) {
      sink->response->buffer = Buffer::AllocateUninitialized(static_cast<size_t>(length));
    }
  }
  if (sink->response->buffer) {
    Buffer& buffer = *sink->response->buffer;
    if (sink->written + n > buffer.size()) {
      sink->overflow = true;
      return 0;  // aborts the transfer
    }
    std::memcpy(buffer.mutable_data() + sink->written, data, n);
    sink->written += n;
  } else {
    sink->response->text.append(data, n);
  }
  return n;
}

bool RetryableCurlError(CURLcode code) {
  switch (code) {
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_WRITE_ERROR:
    case CURLE_OUT_OF_MEMORY:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_PEER_FAILED_VERIFICATION:
      return false;
    default:
      return true;
  }
}

}  // namespace

Result<S3Response> S3ObjectStore::Http::SendOnce(const S3Request& request) {
  std::string path = base_path;
  std::string url_host = host;
  if (config.path_style) {
    path += "/" + config.bucket;
    if (!request.key.empty()) path += "/" + sigv4::UriEncode(request.key, true);
  } else {
    url_host = config.bucket + "." + host;
    path += "/" + sigv4::UriEncode(request.key, true);
  }
  if (path.empty()) path = "/";
  std::string query = sigv4::CanonicalQuery(request.query);
  std::string url = scheme + url_host + path + (query.empty() ? "" : "?" + query);

  std::string payload_hash =
      request.body.empty() ? std::string(sigv4::kEmptySha256) : sigv4::Sha256Hex(request.body);
  std::string amz_date = sigv4::AmzDate(std::time(nullptr));
  sigv4::Request signing;
  signing.method = request.method;
  signing.encoded_path = path;
  signing.query = request.query;
  signing.headers = request.headers;
  signing.headers.emplace_back("host", url_host);
  signing.headers.emplace_back("x-amz-date", amz_date);
  signing.headers.emplace_back("x-amz-content-sha256", payload_hash);
  if (!config.credentials.session_token.empty()) {
    signing.headers.emplace_back("x-amz-security-token", config.credentials.session_token);
  }

  curl_slist* list = nullptr;
  for (const auto& [name, value] : signing.headers) {
    if (name == "host") continue;  // curl sends Host from the URL
    list = curl_slist_append(list, (name + ": " + value).c_str());
  }
  if (!config.anonymous) {
    std::string auth =
        sigv4::Authorization(signing, config.credentials, config.region, "s3", amz_date, payload_hash);
    list = curl_slist_append(list, ("Authorization: " + auth).c_str());
  }
  list = curl_slist_append(list, "Expect:");  // no 100-continue round trip
  if (!request.body.empty() || std::strcmp(request.method, "PUT") == 0 ||
      std::strcmp(request.method, "POST") == 0) {
    bool has_type = false;
    for (const auto& [name, value] : request.headers) has_type |= name == "content-type";
    if (!has_type) list = curl_slist_append(list, "Content-Type: application/octet-stream");
  }

  CURL* handle = Acquire();
  if (handle == nullptr) {
    curl_slist_free_all(list);
    return Status::IOError("S3: cannot create an HTTP handle");
  }
  S3Response response;
  Sink sink{handle, &request, &response};
  curl_easy_setopt(handle, CURLOPT_URL, url.c_str());
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(handle, CURLOPT_PATH_AS_IS, 1L);
  curl_easy_setopt(handle, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(config.connect_timeout.count()));
  // A stalled transfer (under 1 byte/s for `timeout`) is abandoned and retried.
  curl_easy_setopt(handle, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(handle, CURLOPT_LOW_SPEED_TIME,
                   std::max<long>(1, static_cast<long>((config.timeout.count() + 999) / 1000)));
  curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(handle, CURLOPT_HEADERDATA, &sink);
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(handle, CURLOPT_WRITEDATA, &sink);
  if (request.no_body) {
    curl_easy_setopt(handle, CURLOPT_NOBODY, 1L);
  } else if (std::strcmp(request.method, "GET") != 0) {
    curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, request.method);
  }
  if (!request.body.empty() || std::strcmp(request.method, "PUT") == 0 ||
      std::strcmp(request.method, "POST") == 0) {
    curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    curl_easy_setopt(handle, CURLOPT_POSTFIELDS, request.body.empty() ? "" : request.body.data());
  }
  CURLcode code = curl_easy_perform(handle);
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &response.status);
  curl_slist_free_all(list);
  if (code != CURLE_OK) {
    curl_easy_cleanup(handle);  // its connection may be in any state
    if (sink.overflow)
      return Status::IOError("S3 " + std::string(request.method) + " " + url_host + path +
                             ": the server sent more bytes than its Content-Length");
    return Status::IOError("S3 " + std::string(request.method) + " " + scheme + url_host + path + ": " +
                           curl_easy_strerror(code) + (RetryableCurlError(code) ? "" : " [final]"));
  }
  Release(handle);
  if (response.buffer && sink.written != response.buffer->size()) {
    return Status::IOError("S3 " + std::string(request.method) + " " + url_host + path + ": short body (" +
                           std::to_string(sink.written) + " of " + std::to_string(response.buffer->size()) +
                           " bytes)");
  }
  return response;
}

Result<S3Response> S3ObjectStore::Http::Send(const S3Request& request, std::atomic<uint64_t>& counter) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  for (int attempt = 0;; ++attempt) {
    counter.fetch_add(1);
    Result<S3Response> response = SendOnce(request);
    if (response.ok() && (std::strcmp(request.method, "GET") == 0 || request.no_body)) {
      CountStoreRead(response->buffer ? response->buffer->size() : response->text.size());
    }
    bool retry;
    if (!response.ok()) {
      retry = response.status().message().find("[final]") == std::string::npos;
    } else {
      long s = response->status;
      bool conditional = std::any_of(request.headers.begin(), request.headers.end(),
                                     [](const auto& h) { return h.first == "if-none-match"; });
      retry = s >= 500 || s == 429 || (s == 409 && conditional);
    }
    if (!retry || attempt >= config.max_retries) {
      if (response.ok()) response->attempts = attempt + 1;
      return response;
    }
    // Full jitter: a random delay up to base * 2^attempt, capped at 5 s.
    int64_t cap = std::min<int64_t>(5000, config.retry_base_delay.count() << std::min(attempt, 10));
    std::uniform_int_distribution<int64_t> delay(cap / 4, std::max<int64_t>(cap / 4, cap));
    std::this_thread::sleep_for(std::chrono::milliseconds(delay(rng)));
  }
}

// ---- Errors ----

namespace {

// A 404 for the object itself (not for a missing bucket).
bool IsMissingObject(const S3Response& response) {
  return response.status == 404 && XmlText(response.text, "Code") != "NoSuchBucket";
}

Status ErrorFromResponse(const S3Config& config, std::string_view op, std::string_view key,
                         const S3Response& response) {
  std::string code = XmlText(response.text, "Code");
  std::string message = XmlText(response.text, "Message");
  std::string where = "s3://" + config.bucket + (config.prefix.empty() ? "" : "/" + config.prefix);
  if (!where.empty() && where.back() == '/') where.pop_back();
  if (code == "NoSuchBucket") {
    return Status::NotFound("S3 bucket \"" + config.bucket + "\" does not exist at " + config.endpoint);
  }
  std::string detail = std::to_string(response.status) + (code.empty() ? "" : " " + code) +
                       (message.empty() ? "" : " (" + message + ")");
  std::string text = "S3 " + std::string(op) + (key.empty() ? "" : " \"" + std::string(key) + "\"") + " in " +
                     where + ": " + detail;
  if (response.status == 403 || response.status == 401) {
    return Status::IOError(text + "; check the credentials (from " + config.credentials_source +
                           ") and the region (" + config.region + ")");
  }
  if (response.status == 301 || response.status == 307) {
    return Status::IOError(text + "; the bucket may be in another region than " + config.region);
  }
  return Status::IOError(text);
}

}  // namespace

// ---- The store ----

S3ObjectStore::S3ObjectStore(S3Config config)
    : config_(std::move(config)), http_(std::make_unique<Http>(config_)) {}
S3ObjectStore::~S3ObjectStore() = default;

Result<std::shared_ptr<S3ObjectStore>> S3ObjectStore::Open(S3Config config) {
  if (config.bucket.empty()) return Status::InvalidArgument("S3 store: no bucket");
  if (!config.prefix.empty() && config.prefix.back() != '/') config.prefix += '/';
  return std::shared_ptr<S3ObjectStore>(new S3ObjectStore(std::move(config)));
}

std::string S3ObjectStore::uri() const {
  std::string out = "s3://" + config_.bucket;
  if (!config_.prefix.empty()) out += "/" + config_.prefix.substr(0, config_.prefix.size() - 1);
  return out;
}

Result<BufferPtr> S3ObjectStore::Read(std::string_view key) {
  QUIVER_RETURN_NOT_OK(ValidateKey(key));
  S3Request request;
  request.key = FullKey(key);
  request.buffer_any_length = true;
  QUIVER_ASSIGN_OR_RETURN(S3Response response, http_->Send(request, requests_sent_));
  if (IsMissingObject(response)) return KeyNotFound(key);
  if (!response.ok()) return ErrorFromResponse(config_, "GET", key, response);
  if (response.buffer) return BufferPtr(std::move(response.buffer));
  return BufferPtr(Buffer::Copy(response.text.data(), response.text.size()));
}

Result<BufferPtr> S3ObjectStore::ReadRange(std::string_view key, uint64_t offset, uint64_t length) {
  QUIVER_RETURN_NOT_OK(ValidateKey(key));
  auto past_end = [&](uint64_t size) {
    return Status::InvalidArgument("range [" + std::to_string(offset) + ", +" + std::to_string(length) +
                                   ") is past the end of \"" + std::string(key) + "\" (" +
                                   std::to_string(size) + " bytes)");
  };
  if (length == 0) {  // S3 cannot express an empty range
    QUIVER_ASSIGN_OR_RETURN(ObjectMeta meta, Head(key));
    if (offset > meta.size) return past_end(meta.size);
    return BufferPtr(Buffer::Allocate(0));
  }
  S3Request request;
  request.key = FullKey(key);
  request.headers.emplace_back("range",
                               "bytes=" + std::to_string(offset) + "-" + std::to_string(offset + length - 1));
  request.expect_length = length;
  QUIVER_ASSIGN_OR_RETURN(S3Response response, http_->Send(request, requests_sent_));
  if (IsMissingObject(response)) return KeyNotFound(key);
  if (response.status == 416) {
    QUIVER_ASSIGN_OR_RETURN(ObjectMeta meta, Head(key));
    return past_end(meta.size);
  }
  if (!response.ok()) return ErrorFromResponse(config_, "GET (range)", key, response);
  if (response.buffer) return BufferPtr(std::move(response.buffer));
  // A shorter answer than asked: the range ran past the end. A 200 with the
  // whole object: a server that ignores ranges.
  std::string range = response.header("content-range");  // "bytes a-b/total"
  uint64_t total = 0;
  size_t slash = range.rfind('/');
  if (slash != std::string::npos) total = std::strtoull(range.c_str() + slash + 1, nullptr, 10);
  if (response.status == 200) {
    total = response.text.size();
    if (offset <= total && length <= total - offset)
      return BufferPtr(Buffer::Copy(response.text.data() + offset, length));
  }
  return past_end(total);
}

Result<ObjectMeta> S3ObjectStore::Head(std::string_view key) {
  QUIVER_RETURN_NOT_OK(ValidateKey(key));
  S3Request request;
  request.method = "HEAD";
  request.key = FullKey(key);
  request.no_body = true;
  QUIVER_ASSIGN_OR_RETURN(S3Response response, http_->Send(request, requests_sent_));
  if (response.status == 404) return KeyNotFound(key);
  if (!response.ok()) return ErrorFromResponse(config_, "HEAD", key, response);
  ObjectMeta meta;
  meta.key = std::string(key);
  meta.size = std::strtoull(response.header("content-length").c_str(), nullptr, 10);
  time_t modified = curl_getdate(response.header("last-modified").c_str(), nullptr);
  meta.mtime_ms = modified > 0 ? static_cast<int64_t>(modified) * 1000 : 0;
  return meta;
}

Status S3ObjectStore::PutObject(std::string_view key, std::string_view data, bool if_absent,
                                bool retried_ok) {
  S3Request request;
  request.method = "PUT";
  request.key = FullKey(key);
  request.body = data;
  if (if_absent) request.headers.emplace_back("if-none-match", "*");
  QUIVER_ASSIGN_OR_RETURN(S3Response response, http_->Send(request, requests_sent_));
  if (if_absent && response.status == 412) {
    // After a retry, the object may be our own first attempt that landed
    // while its answer was lost: the same bytes mean it was.
    if (retried_ok && response.attempts > 1) {
      Result<BufferPtr> existing = Read(key);
      if (existing.ok() && (*existing)->view() == data) return Status::OK();
    }
    return Status::AlreadyExists("object \"" + std::string(key) + "\" already exists");
  }
  if (!response.ok()) return ErrorFromResponse(config_, if_absent ? "PUT (if absent)" : "PUT", key, response);
  return Status::OK();
}

Status S3ObjectStore::Put(std::string_view key, std::string_view data) {
  QUIVER_RETURN_NOT_OK(ValidateKey(key));
  return PutObject(key, data, false, false);
}

Result<bool> S3ObjectStore::SupportsConditionalWrites() {
  std::lock_guard<std::mutex> lock(probe_mu_);
  if (probed_) return conditional_writes_;
  std::random_device rd;
  char name[64];
  std::snprintf(name, sizeof(name), "%sprobe-%08x%08x", std::string(kTempPrefix).c_str(), rd(), rd());
  S3Request request;
  request.method = "PUT";
  request.key = FullKey(name);
  request.body = "quiver conditional write probe";
  request.headers.emplace_back("if-none-match", "*");
  QUIVER_ASSIGN_OR_RETURN(S3Response first, http_->Send(request, requests_sent_));
  bool supported = false;
  if (first.status == 501 || (first.status == 400 && XmlText(first.text, "Code") == "NotImplemented")) {
    supported = false;
  } else if (!first.ok()) {
    return ErrorFromResponse(config_, "PUT (conditional write probe)", name, first);
  } else {
    QUIVER_ASSIGN_OR_RETURN(S3Response second, http_->Send(request, requests_sent_));
    supported = second.status == 412;
    S3Request remove;
    remove.method = "DELETE";
    remove.key = request.key;
    (void)http_->Send(remove, requests_sent_);
    if (!supported && !second.ok()) {
      return ErrorFromResponse(config_, "PUT (conditional write probe)", name, second);
    }
  }
  probed_ = true;
  conditional_writes_ = supported;
  return supported;
}

Status S3ObjectStore::PutIfAbsent(std::string_view key, std::string_view data) {
  QUIVER_RETURN_NOT_OK(ValidateKey(key));
  QUIVER_ASSIGN_OR_RETURN(bool conditional, SupportsConditionalWrites());
  if (conditional) return PutObject(key, data, true, true);
  if (!config_.single_writer) {
    return Status::NotSupported(
        "the S3 endpoint " + config_.endpoint +
        " does not honour conditional writes (PUT with If-None-Match: *), so two writers "
        "could overwrite each other's commits; writing is refused. If only one process "
        "ever writes to " +
        uri() + ", set the storage option single_writer=true");
  }
  // Single-writer mode: check, then write (not atomic across processes).
  Result<ObjectMeta> existing = Head(key);
  if (existing.ok()) return Status::AlreadyExists("object \"" + std::string(key) + "\" already exists");
  if (!existing.status().IsNotFound()) return existing.status();
  return PutObject(key, data, false, false);
}

Status S3ObjectStore::ListPages(std::string_view prefix, bool one_level,
                                const std::function<void(std::string_view page)>& on_page) {
  std::string token;
  while (true) {
    S3Request request;
    request.query = {{"list-type", "2"}, {"prefix", FullKey(prefix)}};
    if (one_level) request.query.emplace_back("delimiter", "/");
    if (!token.empty()) request.query.emplace_back("continuation-token", token);
    QUIVER_ASSIGN_OR_RETURN(S3Response response, http_->Send(request, requests_sent_));
    if (!response.ok()) return ErrorFromResponse(config_, "LIST", prefix, response);
    on_page(response.text);
    if (XmlText(response.text, "IsTruncated") != "true") return Status::OK();
    token = XmlText(response.text, "NextContinuationToken");
    if (token.empty())
      return Status::IOError("S3 LIST in " + uri() + ": truncated answer without a continuation token");
  }
}

Result<std::vector<ObjectMeta>> S3ObjectStore::List(std::string_view prefix) {
  QUIVER_RETURN_NOT_OK(ValidatePrefix(prefix));
  std::vector<ObjectMeta> out;
  QUIVER_RETURN_NOT_OK(ListPages(prefix, false, [&](std::string_view page) {
    for (std::string_view entry : XmlElements(page, "Contents")) {
      std::string full = XmlText(entry, "Key");
      if (!full.starts_with(config_.prefix)) continue;
      std::string key = full.substr(config_.prefix.size());
      if (key.empty() || IsReservedKey(key)) continue;
      ObjectMeta meta;
      meta.key = std::move(key);
      meta.size = std::strtoull(XmlText(entry, "Size").c_str(), nullptr, 10);
      meta.mtime_ms = ParseIsoTimeMs(XmlText(entry, "LastModified"));
      out.push_back(std::move(meta));
    }
  }));
  std::sort(out.begin(), out.end(), [](const ObjectMeta& a, const ObjectMeta& b) { return a.key < b.key; });
  return out;
}

Result<std::vector<std::string>> S3ObjectStore::ListFolders(std::string_view prefix) {
  QUIVER_RETURN_NOT_OK(ValidateListFoldersPrefix(prefix));
  const std::string full_prefix = FullKey(prefix);
  std::vector<std::string> out;
  QUIVER_RETURN_NOT_OK(ListPages(prefix, true, [&](std::string_view page) {
    for (std::string_view entry : XmlElements(page, "CommonPrefixes")) {
      std::string full = XmlText(entry, "Prefix");
      if (!full.starts_with(full_prefix) || full.size() < full_prefix.size() + 2 || full.back() != '/')
        continue;
      std::string name = full.substr(full_prefix.size(), full.size() - full_prefix.size() - 1);
      if (!IsReservedKey(name)) out.push_back(std::move(name));
    }
  }));
  std::sort(out.begin(), out.end());
  return out;
}

Status S3ObjectStore::Delete(std::string_view key) {
  QUIVER_RETURN_NOT_OK(ValidateKey(key));
  QUIVER_RETURN_NOT_OK(Head(key).status());  // NotFound if absent, as the contract asks
  S3Request request;
  request.method = "DELETE";
  request.key = FullKey(key);
  QUIVER_ASSIGN_OR_RETURN(S3Response response, http_->Send(request, requests_sent_));
  if (response.status == 404) return KeyNotFound(key);
  if (!response.ok()) return ErrorFromResponse(config_, "DELETE", key, response);
  return Status::OK();
}

Status S3ObjectStore::DeletePrefix(std::string_view prefix) {
  QUIVER_RETURN_NOT_OK(ValidateFolderPrefix(prefix));
  QUIVER_ASSIGN_OR_RETURN(std::vector<ObjectMeta> objects, List(prefix));
  return DeleteObjects(objects, prefix);
}

Status S3ObjectStore::DeleteObjects(const std::vector<ObjectMeta>& objects, std::string_view prefix) {
  constexpr size_t kBatch = 1000;  // S3's limit per DeleteObjects
  for (size_t begin = 0; begin < objects.size(); begin += kBatch) {
    std::string body = "<Delete><Quiet>true</Quiet>";
    for (size_t i = begin; i < std::min(objects.size(), begin + kBatch); ++i) {
      body += "<Object><Key>" + XmlEscape(FullKey(objects[i].key)) + "</Key></Object>";
    }
    body += "</Delete>";
    S3Request request;
    request.method = "POST";
    request.query = {{"delete", ""}};
    request.headers = {{"content-md5", sigv4::Md5Base64(body)}, {"content-type", "application/xml"}};
    request.body = body;
    QUIVER_ASSIGN_OR_RETURN(S3Response response, http_->Send(request, requests_sent_));
    if (!response.ok()) return ErrorFromResponse(config_, "DELETE (batch)", prefix, response);
    for (std::string_view error : XmlElements(response.text, "Error")) {
      std::string code = XmlText(error, "Code");
      if (code == "NoSuchKey") continue;
      return Status::IOError("S3 DELETE (batch) \"" + XmlText(error, "Key") + "\" in " + uri() + ": " + code +
                             " (" + XmlText(error, "Message") + ")");
    }
  }
  return Status::OK();
}

Status S3ObjectStore::CopyObject(std::string_view from, std::string_view to) {
  S3Request request;
  request.method = "PUT";
  request.key = FullKey(to);
  request.headers.emplace_back("x-amz-copy-source",
                               "/" + config_.bucket + "/" + sigv4::UriEncode(FullKey(from), true));
  QUIVER_ASSIGN_OR_RETURN(S3Response response, http_->Send(request, requests_sent_));
  // A copy may fail after the 200 has been sent; the error is then the body.
  if (response.ok() && XmlElements(response.text, "Error").empty()) return Status::OK();
  if (IsMissingObject(response)) return KeyNotFound(from);
  return ErrorFromResponse(config_, "COPY to \"" + std::string(to) + "\" from", from, response);
}

Status S3ObjectStore::RenamePrefix(std::string_view from, std::string_view to) {
  QUIVER_ASSIGN_OR_RETURN(std::vector<ObjectMeta> objects, ListRenameSources(*this, from, to));
  constexpr uint64_t kMaxCopyObjectBytes = uint64_t{5} << 30;
  std::vector<Status> copied(objects.size());
  IoThreadPool()->ParallelFor(static_cast<int64_t>(objects.size()), [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const ObjectMeta& meta = objects[static_cast<size_t>(i)];
      const std::string target = std::string(to) + meta.key.substr(from.size());
      if (meta.size < kMaxCopyObjectBytes) {
        copied[static_cast<size_t>(i)] = CopyObject(meta.key, target);
        continue;
      }
      Result<BufferPtr> data = Read(meta.key);
      copied[static_cast<size_t>(i)] = data.ok() ? Put(target, (*data)->view()) : data.status();
    }
  });
  for (const Status& st : copied) QUIVER_RETURN_NOT_OK(st);
  // Exactly what was copied: an object written under `from` meanwhile stays.
  return DeleteObjects(objects, from);
}

Status S3ObjectStore::CreateBucket() {
  S3Request request;
  request.method = "PUT";
  QUIVER_ASSIGN_OR_RETURN(S3Response response, http_->Send(request, requests_sent_));
  if (response.ok()) return Status::OK();
  std::string code = XmlText(response.text, "Code");
  if (code == "BucketAlreadyOwnedByYou") return Status::OK();
  return ErrorFromResponse(config_, "CREATE BUCKET", "", response);
}

// ---- Writers: one PUT when small, a parallel multipart upload when large ----

class S3ObjectStore::Writer : public ObjectWriter {
 public:
  Writer(std::shared_ptr<S3ObjectStore> store, std::string key)
      : store_(std::move(store)), key_(std::move(key)) {}
  ~Writer() override {
    if (!done_) Abort();
  }

  Status Append(std::string_view data) override {
    if (done_) return Status::InvalidArgument("writer for \"" + key_ + "\" is already closed or aborted");
    if (!failure_.ok()) return failure_;
    buffer_.append(data);
    bytes_written_ += data.size();
    const uint64_t part_size = store_->config_.multipart_part_size;
    while (buffer_.size() >= part_size) {
      std::string part = buffer_.substr(0, part_size);
      buffer_.erase(0, part_size);
      Status st = StartPart(std::move(part));
      if (!st.ok()) {
        failure_ = st;
        return st;
      }
    }
    return Status::OK();
  }

  Status Close() override {
    if (done_) return Status::InvalidArgument("writer for \"" + key_ + "\" is already closed or aborted");
    if (!failure_.ok()) {
      Abort();
      return failure_;
    }
    if (upload_id_.empty()) {  // small: one PUT
      done_ = true;
      Status st = store_->PutObject(key_, buffer_, false, false);
      buffer_.clear();
      return st;
    }
    Status st = Status::OK();
    if (!buffer_.empty()) st = StartPart(std::move(buffer_));
    if (st.ok()) st = WaitParts(0);
    if (st.ok()) st = Complete();
    if (!st.ok()) {
      Abort();
      return st;
    }
    done_ = true;
    return Status::OK();
  }

  void Abort() override {
    done_ = true;
    (void)WaitParts(0);
    buffer_.clear();
    if (!upload_id_.empty()) {
      S3Request request;
      request.method = "DELETE";
      request.key = store_->FullKey(key_);
      request.query = {{"uploadId", upload_id_}};
      (void)store_->http_->Send(request, store_->requests_sent_);
      upload_id_.clear();
    }
  }

  uint64_t bytes_written() const override { return bytes_written_; }

 private:
  Status Initiate() {
    S3Request request;
    request.method = "POST";
    request.key = store_->FullKey(key_);
    request.query = {{"uploads", ""}};
    QUIVER_ASSIGN_OR_RETURN(S3Response response, store_->http_->Send(request, store_->requests_sent_));
    if (!response.ok()) return ErrorFromResponse(store_->config_, "CREATE MULTIPART UPLOAD", key_, response);
    upload_id_ = XmlText(response.text, "UploadId");
    if (upload_id_.empty())
      return Status::IOError("S3 CREATE MULTIPART UPLOAD \"" + key_ + "\": no UploadId");
    return Status::OK();
  }

  // Uploads one part in the background, keeping at most upload_concurrency
  // parts in flight (and so in memory).
  Status StartPart(std::string data) {
    if (upload_id_.empty()) QUIVER_RETURN_NOT_OK(Initiate());
    QUIVER_RETURN_NOT_OK(WaitParts(store_->config_.upload_concurrency - 1));
    int number = static_cast<int>(etags_.size()) + 1;
    etags_.emplace_back();
    std::shared_ptr<S3ObjectStore> store = store_;
    std::string full_key = store_->FullKey(key_);
    std::string upload_id = upload_id_;
    std::string key = key_;
    in_flight_.push_back(std::async(
        std::launch::async,
        [store, full_key, upload_id, key, number,
         data = std::move(data)]() -> Result<std::pair<int, std::string>> {
          S3Request request;
          request.method = "PUT";
          request.key = full_key;
          request.query = {{"partNumber", std::to_string(number)}, {"uploadId", upload_id}};
          request.body = data;
          QUIVER_ASSIGN_OR_RETURN(S3Response response, store->http_->Send(request, store->requests_sent_));
          if (!response.ok())
            return ErrorFromResponse(store->config_, "UPLOAD PART " + std::to_string(number), key, response);
          std::string etag = response.header("etag");
          if (etag.empty()) return Status::IOError("S3 UPLOAD PART \"" + key + "\": no ETag in the answer");
          return std::make_pair(number, etag);
        }));
    return Status::OK();
  }

  // Waits until at most `keep` parts are still uploading; the first failure.
  Status WaitParts(int keep) {
    Status first = Status::OK();
    while (static_cast<int>(in_flight_.size()) > keep) {
      Result<std::pair<int, std::string>> part = in_flight_.front().get();
      in_flight_.erase(in_flight_.begin());
      if (!part.ok()) {
        if (first.ok()) first = part.status();
        continue;
      }
      etags_[static_cast<size_t>(part->first - 1)] = part->second;
    }
    return first;
  }

  Status Complete() {
    std::string body = "<CompleteMultipartUpload>";
    for (size_t i = 0; i < etags_.size(); ++i) {
      body += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>" + XmlEscape(etags_[i]) +
              "</ETag></Part>";
    }
    body += "</CompleteMultipartUpload>";
    S3Request request;
    request.method = "POST";
    request.key = store_->FullKey(key_);
    request.query = {{"uploadId", upload_id_}};
    request.headers = {{"content-type", "application/xml"}};
    request.body = body;
    QUIVER_ASSIGN_OR_RETURN(S3Response response, store_->http_->Send(request, store_->requests_sent_));
    // A retried completion whose first attempt landed: the upload is gone
    // and the object is there with our size.
    if (response.status == 404 && response.attempts > 1) {
      Result<ObjectMeta> meta = store_->Head(key_);
      if (meta.ok() && meta->size == bytes_written_) {
        upload_id_.clear();
        return Status::OK();
      }
    }
    // S3 may answer 200 and put the error in the body.
    if (!response.ok() || response.text.find("<Error>") != std::string::npos) {
      if (response.ok()) response.status = 500;
      return ErrorFromResponse(store_->config_, "COMPLETE MULTIPART UPLOAD", key_, response);
    }
    upload_id_.clear();
    return Status::OK();
  }

  std::shared_ptr<S3ObjectStore> store_;  // kept alive while the writer lives
  std::string key_;
  std::string buffer_;
  uint64_t bytes_written_ = 0;
  bool done_ = false;
  Status failure_;
  std::string upload_id_;
  std::vector<std::string> etags_;
  std::vector<std::future<Result<std::pair<int, std::string>>>> in_flight_;
};

Result<std::unique_ptr<ObjectWriter>> S3ObjectStore::OpenWriter(std::string_view key) {
  QUIVER_RETURN_NOT_OK(ValidateKey(key));
  return std::unique_ptr<ObjectWriter>(new Writer(shared_from_this(), std::string(key)));
}

}  // namespace quiver
