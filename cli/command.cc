#include "command.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <sstream>

namespace quiver::cli {

namespace {

// Breaks `text` into lines of at most `width` characters at spaces (CLI11
// prints footers as they are).
std::string Wrap(const std::string& text, size_t width) {
  std::string out, line, word;
  std::istringstream words(text);
  while (words >> word) {
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      out += line + '\n';
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
  }
  return out + line;
}

}  // namespace

Verb& VerbList::Add(const std::string& name, const std::string& summary, const std::string& example,
                    const std::string& details) {
  CLI::App* app = root_.add_subcommand(name, summary);
  app->footer((details.empty() ? "" : Wrap(details, 78) + "\n\n") + "Example:\n  " + example);
  verbs_.push_back(Verb{app, nullptr});
  return verbs_.back();
}

bool VerbList::Has(const std::string& name) const {
  for (const Verb& verb : verbs_) {
    if (verb.app->get_name() == name) return true;
  }
  return false;
}

std::vector<std::string> VerbList::Names() const {
  std::vector<std::string> names;
  for (const Verb& verb : verbs_) names.push_back(verb.app->get_name());
  return names;
}

const Action* VerbList::Selected() const {
  for (const Verb& verb : verbs_) {
    if (verb.app->parsed()) return &verb.run;
  }
  return nullptr;
}

CLI::Validator AtLeast(int64_t min) {
  return CLI::Validator(
      [min](std::string& value) -> std::string {
        int64_t n = 0;
        if (!CLI::detail::lexical_cast(value, n)) return "must be an integer, got " + value;
        if (n < min) return "must be at least " + std::to_string(min) + ", got " + value;
        return "";
      },
      ">=" + std::to_string(min));
}

void AddDbArg(CLI::App* app, std::string* db) {
  app->add_option("db", *db, "Database: a directory (created when missing) or memory://name")->required();
}

void AddTableArgs(CLI::App* app, TableRef* ref) {
  AddDbArg(app, &ref->db);
  app->add_option("table", ref->table, "Table name")->required();
}

void AddVersionFlags(CLI::App* app, VersionRef* ref, bool with_tag) {
  CLI::Option* version =
      app->add_option("--version", ref->version, "Read this version instead of the latest");
  if (with_tag) {
    app->add_option("--tag", ref->tag, "Read the version this tag points at")->excludes(version);
  }
}

Result<ConnectionPtr> ConnectDb(const std::string& uri) { return Connect(uri); }

Result<TablePtr> OpenTable(const TableRef& ref, const VersionRef& at) {
  QUIVER_ASSIGN_OR_RETURN(ConnectionPtr db, ConnectDb(ref.db));
  QUIVER_ASSIGN_OR_RETURN(TablePtr table, db->OpenTable(ref.table));
  if (at.version) QUIVER_RETURN_NOT_OK(table->Checkout(*at.version));
  if (!at.tag.empty()) QUIVER_RETURN_NOT_OK(table->CheckoutTag(at.tag));
  return table;
}

Result<std::chrono::seconds> ParseDuration(std::string_view text) {
  auto invalid = [&] {
    return Status::InvalidArgument("invalid duration \"" + std::string(text) +
                                   "\": expected a number and a unit, e.g. 7d, 12h, 30m, 45s or 2w");
  };
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0 || digits > 12) return invalid();
  int64_t n = std::stoll(std::string(text.substr(0, digits)));
  std::string_view unit = text.substr(digits);
  int64_t scale;
  if (unit.empty() || unit == "s") {
    scale = 1;
  } else if (unit == "m") {
    scale = 60;
  } else if (unit == "h") {
    scale = 3600;
  } else if (unit == "d") {
    scale = 86400;
  } else if (unit == "w") {
    scale = 7 * 86400;
  } else {
    return invalid();
  }
  return std::chrono::seconds(n * scale);
}

std::string FormatCount(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string FormatBytes(uint64_t bytes) {
  static const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int unit = 0;
  while (v >= 1024 && unit < 4) {
    v /= 1024;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), unit == 0 ? "%.0f %s" : "%.1f %s", v, kUnits[unit]);
  return buf;
}

std::string FormatTime(std::chrono::system_clock::time_point t, bool iso) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), iso ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

std::string FormatRate(int64_t rows, double seconds) {
  if (seconds < 1e-6) return "-";
  double rate = static_cast<double>(rows) / seconds;
  char buf[32];
  if (rate >= 1e6) {
    std::snprintf(buf, sizeof(buf), "%.1fM rows/s", rate / 1e6);
  } else if (rate >= 1e3) {
    std::snprintf(buf, sizeof(buf), "%.0fk rows/s", rate / 1e3);
  } else {
    std::snprintf(buf, sizeof(buf), "%.0f rows/s", rate);
  }
  return buf;
}

void PrintTable(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths(header.size());
  for (size_t c = 0; c < header.size(); ++c) widths[c] = header[c].size();
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size() && c < widths.size(); ++c)
      widths[c] = std::max(widths[c], row[c].size());
  }
  auto print_row = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t c = 0; c < row.size() && c < widths.size(); ++c) {
      if (c > 0) line += "  ";
      line += row[c];
      line.append(widths[c] - row[c].size(), ' ');
    }
    line.erase(line.find_last_not_of(' ') + 1);
    std::cout << line << '\n';
  };
  print_row(header);
  for (const auto& row : rows) print_row(row);
}

}  // namespace quiver::cli
