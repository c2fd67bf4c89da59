// What every verb of the `quiver` tool shares: how a verb is registered, the
// positional <db> and <table> arguments, opening a table (optionally at a
// version or tag), and small parsers and formatters for flags and output.
//
// A verb is a CLI11 subcommand plus an action. Options are bound to fields of
// a struct owned by the action's closure; main() parses the command line and
// then runs the action of the verb that was selected. Actions return a Status;
// main() prints a failure on stderr and exits with 1.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "quiver/quiver.h"

namespace quiver::cli {

using Action = std::function<Status()>;

struct Verb {
  CLI::App* app;
  Action run;
};

// The verbs registered so far; main() runs the one the user selected.
class VerbList {
 public:
  explicit VerbList(CLI::App& root) : root_(root) {}

  // Adds the subcommand `name` with a one-sentence summary (listed by
  // `quiver --help`) and an example, plus optional details, shown at the end
  // of its --help. The caller binds options to verb.app and sets verb.run;
  // the reference stays valid.
  Verb& Add(const std::string& name, const std::string& summary, const std::string& example,
            const std::string& details = "");

  // True when `name` is a verb.
  bool Has(const std::string& name) const;
  // The verb names, in registration order.
  std::vector<std::string> Names() const;

  // The action of the selected verb, or null when none was selected.
  const Action* Selected() const;

 private:
  CLI::App& root_;
  std::deque<Verb> verbs_;  // deque: Add() hands out stable references
};

// Registration, one function per group of verbs (one .cc file each).
void RegisterDataCommands(VerbList& verbs);     // create add merge count scan take schema
void RegisterVersionCommands(VerbList& verbs);  // versions restore tags
void RegisterAdminCommands(VerbList& verbs);    // compact cleanup stats tables drop rename
// delete update add-column drop-column alter-column index indices drop-index optimize-indices
void RegisterChangeCommands(VerbList& verbs);
void RegisterSearch(VerbList& verbs);  // search
void RegisterDemo(VerbList& verbs);    // demo
void RegisterServe(VerbList& verbs);   // serve

// The positional <db> and <table> arguments every table verb starts with.
struct TableRef {
  std::string db;
  std::string table;
};
void AddDbArg(CLI::App* app, std::string* db);
void AddTableArgs(CLI::App* app, TableRef* ref);

// Checks that an integer flag is at least `min` ("--keep: must be at least 1,
// got 0"; CLI11's own range checks print the limits of double).
CLI::Validator AtLeast(int64_t min);

// Which version a read looks at: the latest (both unset), a version number or
// a tag. Adds --version (and --tag when `with_tag`).
struct VersionRef {
  std::optional<uint64_t> version;
  std::string tag;
};
void AddVersionFlags(CLI::App* app, VersionRef* ref, bool with_tag);

Result<ConnectionPtr> ConnectDb(const std::string& uri);
// Opens the table and checks out `at` when it names a version or tag.
Result<TablePtr> OpenTable(const TableRef& ref, const VersionRef& at = {});

// "7d", "12h", "30m", "45s", "2w" (a bare number is seconds).
Result<std::chrono::seconds> ParseDuration(std::string_view text);

// 1234567 -> "1,234,567".
std::string FormatCount(int64_t n);
// 1536 -> "1.5 KiB".
std::string FormatBytes(uint64_t bytes);
// UTC, "2024-05-01 12:34:56", or with `iso` "2024-05-01T12:34:56Z".
std::string FormatTime(std::chrono::system_clock::time_point t, bool iso = false);
// Rows per second over `seconds`, e.g. "1.2M rows/s" ("-" when too fast to tell).
std::string FormatRate(int64_t rows, double seconds);

// Writes a simple left-aligned text table (header row, then rows) to stdout.
void PrintTable(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);

}  // namespace quiver::cli
