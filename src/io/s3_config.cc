#include "io/s3_config.h"

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <set>

namespace quiver {

namespace {

// Option aliases: every accepted name and the canonical one it stands for.
const std::map<std::string, std::string>& OptionAliases() {
  static const auto* aliases = new std::map<std::string, std::string>{
      {"aws_access_key_id", "access_key_id"},
      {"access_key_id", "access_key_id"},
      {"aws_secret_access_key", "secret_access_key"},
      {"secret_access_key", "secret_access_key"},
      {"aws_session_token", "session_token"},
      {"session_token", "session_token"},
      {"aws_token", "session_token"},
      {"aws_region", "region"},
      {"region", "region"},
      {"aws_endpoint", "endpoint"},
      {"aws_endpoint_url", "endpoint"},
      {"endpoint", "endpoint"},
      {"endpoint_url", "endpoint"},
      {"aws_profile", "profile"},
      {"profile", "profile"},
      {"aws_virtual_hosted_style_request", "virtual_hosted_style_request"},
      {"virtual_hosted_style_request", "virtual_hosted_style_request"},
      {"aws_skip_signature", "skip_signature"},
      {"skip_signature", "skip_signature"},
      {"allow_http", "allow_http"},
      {"aws_allow_http", "allow_http"},
      {"connect_timeout", "connect_timeout"},
      {"timeout", "timeout"},
      {"max_retries", "max_retries"},
      {"single_writer", "single_writer"},
      {"multipart_part_size", "multipart_part_size"},
      {"upload_concurrency", "upload_concurrency"},
  };
  return *aliases;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

Result<bool> ParseBool(std::string_view name, std::string_view value) {
  std::string v = Lower(value);
  if (v == "true" || v == "1" || v == "yes") return true;
  if (v == "false" || v == "0" || v == "no") return false;
  return Status::InvalidArgument("storage option " + std::string(name) + " must be true or false, not \"" +
                                 std::string(value) + "\"");
}

Result<int64_t> ParsePositive(std::string_view name, std::string_view value, int64_t min) {
  int64_t n = 0;
  if (value.empty()) return Status::InvalidArgument("storage option " + std::string(name) + " is empty");
  for (char c : value) {
    if (!std::isdigit(static_cast<unsigned char>(c)) || n > (int64_t{1} << 50)) {
      return Status::InvalidArgument("storage option " + std::string(name) +
                                     " must be a whole number, not \"" + std::string(value) + "\"");
    }
    n = n * 10 + (c - '0');
  }
  if (n < min) {
    return Status::InvalidArgument("storage option " + std::string(name) + " must be at least " +
                                   std::to_string(min) + ", not " + std::string(value));
  }
  return n;
}

// The key = value pairs of section `section` of an INI file; empty when the
// file or section is missing.
std::map<std::string, std::string> ReadIniSection(const std::string& path, const std::string& section) {
  std::map<std::string, std::string> out;
  std::ifstream in(path);
  if (!in) return out;
  std::string line;
  bool inside = false;
  while (std::getline(in, line)) {
    std::string t = Trim(line);
    if (t.empty() || t[0] == '#' || t[0] == ';') continue;
    if (t.front() == '[' && t.back() == ']') {
      inside = Trim(std::string_view(t).substr(1, t.size() - 2)) == section;
      continue;
    }
    if (!inside) continue;
    size_t eq = t.find('=');
    if (eq == std::string::npos) continue;
    out[Lower(Trim(std::string_view(t).substr(0, eq)))] = Trim(std::string_view(t).substr(eq + 1));
  }
  return out;
}

std::string HomeFile(const EnvLookup& env, const char* override_var, const char* relative) {
  if (auto path = env(override_var)) return *path;
  auto home = env("HOME");
  return home ? *home + "/" + relative : std::string();
}

}  // namespace

std::optional<std::string> ProcessEnv(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

Result<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  std::string t = Trim(text);
  size_t digits = 0;
  while (digits < t.size() && (std::isdigit(static_cast<unsigned char>(t[digits])) || t[digits] == '.'))
    ++digits;
  std::string unit = Lower(std::string_view(t).substr(digits));
  double value = 0;
  try {
    size_t used = 0;
    value = std::stod(t.substr(0, digits), &used);
    if (used != digits) throw std::invalid_argument("");
  } catch (...) {
    return Status::InvalidArgument("invalid duration \"" + std::string(text) + "\" (use e.g. 30s or 500ms)");
  }
  double ms;
  if (unit.empty() || unit == "s") {
    ms = value * 1000;
  } else if (unit == "ms") {
    ms = value;
  } else if (unit == "m" || unit == "min") {
    ms = value * 60000;
  } else {
    return Status::InvalidArgument("invalid duration \"" + std::string(text) + "\" (use e.g. 30s or 500ms)");
  }
  return std::chrono::milliseconds(static_cast<int64_t>(ms));
}

Result<S3Config> ResolveS3Config(std::string_view uri, const StorageOptions& options, const EnvLookup& env) {
  constexpr std::string_view kScheme = "s3://";
  if (!uri.starts_with(kScheme)) {
    return Status::InvalidArgument("\"" + std::string(uri) + "\" is not an s3:// URI");
  }
  std::string_view rest = uri.substr(kScheme.size());
  size_t slash = rest.find('/');
  S3Config config;
  config.bucket = std::string(rest.substr(0, slash));
  if (config.bucket.empty()) {
    return Status::InvalidArgument("S3 URI \"" + std::string(uri) +
                                   "\" names no bucket (s3://bucket/prefix)");
  }
  for (char c : config.bucket) {
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) ||
          c == '-' || c == '.')) {
      return Status::InvalidArgument("S3 bucket name \"" + config.bucket +
                                     "\" is invalid: use lower-case letters, digits, '-' and '.'");
    }
  }
  if (slash != std::string_view::npos) {
    std::string prefix(rest.substr(slash + 1));
    while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
    if (!prefix.empty()) config.prefix = prefix + "/";
  }

  // Canonical option name -> value; unknown names are an error, not ignored.
  std::map<std::string, std::string> opts;
  for (const auto& [name, value] : options) {
    auto it = OptionAliases().find(Lower(name));
    if (it == OptionAliases().end()) {
      std::string known;
      std::set<std::string> canonical;
      for (const auto& [alias, target] : OptionAliases()) canonical.insert(target);
      for (const std::string& c : canonical) known += (known.empty() ? "" : ", ") + c;
      return Status::InvalidArgument("unknown S3 storage option \"" + name + "\" (known: " + known + ")");
    }
    opts[it->second] = value;
  }
  auto option = [&](const std::string& name) -> std::optional<std::string> {
    auto it = opts.find(name);
    if (it == opts.end() || it->second.empty()) return std::nullopt;
    return it->second;
  };

  std::string profile = option("profile").value_or(env("AWS_PROFILE").value_or("default"));
  std::string config_section = profile == "default" ? "default" : "profile " + profile;
  auto profile_config = ReadIniSection(HomeFile(env, "AWS_CONFIG_FILE", ".aws/config"), config_section);

  if (auto region = option("region")) {
    config.region = *region;
  } else if (auto r = env("AWS_REGION")) {
    config.region = *r;
  } else if (auto d = env("AWS_DEFAULT_REGION")) {
    config.region = *d;
  } else if (profile_config.count("region")) {
    config.region = profile_config["region"];
  }

  std::optional<std::string> endpoint = option("endpoint");
  if (!endpoint) endpoint = env("AWS_ENDPOINT_URL_S3");
  if (!endpoint) endpoint = env("AWS_ENDPOINT_URL");
  if (endpoint) {
    std::string e = *endpoint;
    while (!e.empty() && e.back() == '/') e.pop_back();
    if (!e.starts_with("http://") && !e.starts_with("https://")) {
      return Status::InvalidArgument("S3 endpoint \"" + *endpoint + "\" must start with http:// or https://");
    }
    config.endpoint = e;
    config.path_style = true;
  } else {
    config.endpoint = "https://s3." + config.region + ".amazonaws.com";
  }
  if (auto v = option("virtual_hosted_style_request")) {
    QUIVER_ASSIGN_OR_RETURN(bool virtual_hosted, ParseBool("virtual_hosted_style_request", *v));
    config.path_style = !virtual_hosted;
  }
  if (auto v = option("skip_signature")) {
    QUIVER_ASSIGN_OR_RETURN(config.anonymous, ParseBool("skip_signature", *v));
  }
  if (auto v = option("allow_http")) QUIVER_RETURN_NOT_OK(ParseBool("allow_http", *v).status());
  if (auto v = option("single_writer")) {
    QUIVER_ASSIGN_OR_RETURN(config.single_writer, ParseBool("single_writer", *v));
  }
  if (auto v = option("connect_timeout")) {
    QUIVER_ASSIGN_OR_RETURN(config.connect_timeout, ParseDuration(*v));
  }
  if (auto v = option("timeout")) {
    QUIVER_ASSIGN_OR_RETURN(config.timeout, ParseDuration(*v));
  }
  if (auto v = option("max_retries")) {
    QUIVER_ASSIGN_OR_RETURN(int64_t n, ParsePositive("max_retries", *v, 0));
    config.max_retries = static_cast<int>(std::min<int64_t>(n, 20));
  }
  if (auto v = option("multipart_part_size")) {
    QUIVER_ASSIGN_OR_RETURN(int64_t n, ParsePositive("multipart_part_size", *v, int64_t{5} << 20));
    config.multipart_part_size = static_cast<uint64_t>(n);
  }
  if (auto v = option("upload_concurrency")) {
    QUIVER_ASSIGN_OR_RETURN(int64_t n, ParsePositive("upload_concurrency", *v, 1));
    config.upload_concurrency = static_cast<int>(std::min<int64_t>(n, 64));
  }

  // Credentials: storage options, then the environment, then the profile.
  if (config.anonymous) return config;
  if (auto key = option("access_key_id")) {
    config.credentials.access_key_id = *key;
    config.credentials.secret_access_key = option("secret_access_key").value_or("");
    config.credentials.session_token = option("session_token").value_or("");
    config.credentials_source = "storage options";
  } else if (auto env_key = env("AWS_ACCESS_KEY_ID")) {
    config.credentials.access_key_id = *env_key;
    config.credentials.secret_access_key = env("AWS_SECRET_ACCESS_KEY").value_or("");
    config.credentials.session_token = env("AWS_SESSION_TOKEN").value_or("");
    config.credentials_source = "environment (AWS_ACCESS_KEY_ID)";
  } else {
    std::string file = HomeFile(env, "AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials");
    auto section = ReadIniSection(file, profile);
    if (section.count("aws_access_key_id")) {
      config.credentials.access_key_id = section["aws_access_key_id"];
      config.credentials.secret_access_key = section["aws_secret_access_key"];
      config.credentials.session_token = section["aws_session_token"];
      config.credentials_source = "profile \"" + profile + "\" of the shared credentials file";
    } else {
      return Status::NotFound("no S3 credentials for \"" + std::string(uri) +
                              "\": set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, pass the storage options "
                              "aws_access_key_id and aws_secret_access_key, add a [" +
                              profile +
                              "] profile to the shared credentials file, or set skip_signature=true for a "
                              "public bucket");
    }
  }
  if (config.credentials.secret_access_key.empty()) {
    return Status::InvalidArgument("S3 credentials from " + config.credentials_source +
                                   " have an access key id but no secret access key");
  }
  return config;
}

}  // namespace quiver
