// Verbs about a table's history: versions, restore, tags. (Reading an old
// version is --version / --tag on scan and count.)
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "command.h"

namespace quiver::cli {

namespace {

void RegisterVersions(VerbList& verbs) {
  struct Args {
    TableRef ref;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  Verb& verb = verbs.Add("versions", "List a table's versions: number, time (UTC), operation, rows.",
                         "quiver versions ./db items");
  AddTableArgs(verb.app, &args->ref);
  verb.app->add_flag("--json", args->json, "Print a JSON array instead of a table");
  verb.run = [args]() -> Status {
    QUIVER_ASSIGN_OR_RETURN(TablePtr table, OpenTable(args->ref));
    QUIVER_ASSIGN_OR_RETURN(std::vector<VersionInfo> versions, table->ListVersions());
    if (args->json) {
      nlohmann::ordered_json out = nlohmann::ordered_json::array();
      for (const VersionInfo& v : versions) {
        auto ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(v.timestamp.time_since_epoch()).count();
        out.push_back({{"version", v.version},
                       {"timestamp", FormatTime(v.timestamp, /*iso=*/true)},
                       {"timestamp_ms", ms},
                       {"operation", v.operation},
                       {"num_rows", v.num_rows},
                       {"metadata", v.metadata}});
      }
      std::cout << out.dump(2) << '\n';
      return Status::OK();
    }
    // The metadata column only when some version has metadata.
    bool any_metadata = false;
    for (const VersionInfo& v : versions) any_metadata |= !v.metadata.empty();
    std::vector<std::vector<std::string>> rows;
    for (const VersionInfo& v : versions) {
      rows.push_back(
          {std::to_string(v.version), FormatTime(v.timestamp), v.operation, FormatCount(v.num_rows)});
      if (!any_metadata) continue;
      std::string metadata;
      for (const auto& [key, value] : v.metadata)
        metadata += (metadata.empty() ? "" : " ") + key + "=" + value;
      rows.back().push_back(metadata);
    }
    std::vector<std::string> header = {"version", "time (UTC)", "operation", "rows"};
    if (any_metadata) header.push_back("metadata");
    PrintTable(header, rows);
    return Status::OK();
  };
}

void RegisterRestore(VerbList& verbs) {
  struct Args {
    TableRef ref;
    uint64_t version = 0;
  };
  auto args = std::make_shared<Args>();
  Verb& verb = verbs.Add("restore", "Make an old version the latest again, as a new version.",
                         "quiver restore ./db items 1",
                         "The versions in between are kept, so a restore can itself be undone.");
  AddTableArgs(verb.app, &args->ref);
  verb.app->add_option("version", args->version, "The version to restore")->required();
  verb.run = [args]() -> Status {
    QUIVER_ASSIGN_OR_RETURN(TablePtr table, OpenTable(args->ref));
    QUIVER_ASSIGN_OR_RETURN(uint64_t version, table->Restore(args->version));
    QUIVER_ASSIGN_OR_RETURN(int64_t rows, table->CountRows());
    std::cout << "restored " << args->ref.table << " to version " << args->version << " as version "
              << version << " (" << FormatCount(rows) << " rows)\n";
    return Status::OK();
  };
}

void RegisterTags(VerbList& verbs) {
  struct Args {
    TableRef ref;
    std::string name;
    uint64_t version = 0;
  };
  auto args = std::make_shared<Args>();
  Verb& verb = verbs.Add("tags", "List, create or delete tags (names for versions).",
                         "quiver tags ./db items create reviewed 3",
                         "cleanup never removes a tagged version. Read one with scan --tag NAME.");
  AddTableArgs(verb.app, &args->ref);
  verb.app->require_subcommand(1);
  CLI::App* list = verb.app->add_subcommand("list", "List tags (name and version)");
  CLI::App* create = verb.app->add_subcommand("create", "Tag a version: create NAME VERSION");
  create->add_option("name", args->name, "Tag name")->required();
  create->add_option("version", args->version, "The version to tag")->required();
  CLI::App* remove = verb.app->add_subcommand("delete", "Delete a tag (the version stays): delete NAME");
  remove->add_option("name", args->name, "Tag name")->required();
  verb.run = [args, list, create, remove]() -> Status {
    QUIVER_ASSIGN_OR_RETURN(TablePtr table, OpenTable(args->ref));
    if (create->parsed()) {
      QUIVER_RETURN_NOT_OK(table->CreateTag(args->name, args->version));
      std::cout << "tagged version " << args->version << " as " << args->name << '\n';
    } else if (remove->parsed()) {
      QUIVER_RETURN_NOT_OK(table->DeleteTag(args->name));
      std::cout << "deleted tag " << args->name << '\n';
    } else if (list->parsed()) {
      QUIVER_ASSIGN_OR_RETURN(std::vector<TagInfo> tags, table->ListTags());
      std::vector<std::vector<std::string>> rows;
      for (const TagInfo& tag : tags) rows.push_back({tag.name, std::to_string(tag.version)});
      PrintTable({"tag", "version"}, rows);
    }
    return Status::OK();
  };
}

}  // namespace

void RegisterVersionCommands(VerbList& verbs) {
  RegisterVersions(verbs);
  RegisterRestore(verbs);
  RegisterTags(verbs);
}

}  // namespace quiver::cli
