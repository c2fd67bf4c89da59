// Verbs that maintain tables and the database: compact, cleanup, stats,
// tables, drop, rename.
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "command.h"

namespace quiver::cli {

namespace {

void RegisterCompact(VerbList& verbs) {
  struct Args {
    TableRef ref;
    CompactOptions options;
  };
  auto args = std::make_shared<Args>();
  Verb& verb =
      verbs.Add("compact", "Merge small fragments into larger ones, as a new version.",
                "quiver compact ./db items --target-rows 500000",
                "Many small appends leave many small fragments, which slow scans down. Fragments with many "
                "deleted rows are rewritten too. The rows do not change; the old files stay (for older "
                "versions) until cleanup removes them.");
  AddTableArgs(verb.app, &args->ref);
  verb.app
      ->add_option("--target-rows", args->options.target_rows_per_fragment,
                   "Rows per fragment to aim for; smaller fragments are merged")
      ->capture_default_str()
      ->check(AtLeast(1));
  verb.run = [args]() -> Status {
    QUIVER_ASSIGN_OR_RETURN(TablePtr table, OpenTable(args->ref));
    QUIVER_ASSIGN_OR_RETURN(CompactStats stats, table->Compact(args->options));
    if (stats.new_version == 0) {
      std::cout << "nothing to compact\n";
    } else {
      std::cout << "compacted " << args->ref.table << " into version " << stats.new_version << ": "
                << stats.fragments_removed << " fragments -> " << stats.fragments_added << ", "
                << stats.files_removed << " files removed, " << stats.files_added << " added\n";
    }
    return Status::OK();
  };
}

void RegisterCleanup(VerbList& verbs) {
  struct Args {
    TableRef ref;
    std::string older_than;
    std::optional<int64_t> keep;
  };
  auto args = std::make_shared<Args>();
  Verb& verb =
      verbs.Add("cleanup", "Delete old versions and the files only they use.",
                "quiver cleanup ./db items --older-than 12h --keep 5",
                "The latest version and tagged versions are always kept. Without flags: --older-than 7d.");
  AddTableArgs(verb.app, &args->ref);
  verb.app->add_option("--older-than", args->older_than,
                       "Remove versions older than this: a number and a unit, s m h d w (e.g. 7d, 12h, 30m)");
  verb.app->add_option("--keep", args->keep, "Always keep this many most recent versions")->check(AtLeast(1));
  verb.run = [args]() -> Status {
    CleanupOptions options;
    options.keep_versions = args->keep;
    std::string older_than = args->older_than;
    if (older_than.empty() && !args->keep) older_than = "7d";
    if (!older_than.empty()) {
      QUIVER_ASSIGN_OR_RETURN(std::chrono::seconds age, ParseDuration(older_than));
      options.older_than = std::chrono::system_clock::now() - age;
    }
    QUIVER_ASSIGN_OR_RETURN(TablePtr table, OpenTable(args->ref));
    QUIVER_ASSIGN_OR_RETURN(CleanupStats stats, table->Cleanup(options));
    std::cout << "removed " << stats.versions_removed << " versions, " << stats.files_removed << " files, "
              << FormatBytes(stats.bytes_removed) << '\n';
    return Status::OK();
  };
}

void RegisterStats(VerbList& verbs) {
  struct Args {
    TableRef ref;
    VersionRef at;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  Verb& verb = verbs.Add("stats", "Show a table's rows, fragments, files, bytes and versions.",
                         "quiver stats ./db items --json");
  AddTableArgs(verb.app, &args->ref);
  AddVersionFlags(verb.app, &args->at, /*with_tag=*/false);
  verb.app->add_flag("--json", args->json, "Print a JSON object");
  verb.run = [args]() -> Status {
    QUIVER_ASSIGN_OR_RETURN(TablePtr table, OpenTable(args->ref, args->at));
    QUIVER_ASSIGN_OR_RETURN(TableStats s, table->Stats());
    if (args->json) {
      nlohmann::ordered_json out = {{"version", s.version},
                                    {"num_rows", s.num_rows},
                                    {"num_deleted_rows", s.num_deleted_rows},
                                    {"num_fragments", s.num_fragments},
                                    {"num_small_fragments", s.num_small_fragments},
                                    {"num_data_files", s.num_data_files},
                                    {"data_bytes", s.data_bytes},
                                    {"total_bytes", s.total_bytes},
                                    {"num_versions", s.num_versions}};
      std::cout << out.dump(2) << '\n';
      return Status::OK();
    }
    PrintTable({"stat", "value"}, {{"version", std::to_string(s.version)},
                                   {"rows", FormatCount(s.num_rows)},
                                   {"deleted rows", FormatCount(s.num_deleted_rows)},
                                   {"fragments", FormatCount(s.num_fragments) + " (" +
                                                     FormatCount(s.num_small_fragments) + " small)"},
                                   {"data files", FormatCount(s.num_data_files)},
                                   {"data size", FormatBytes(s.data_bytes) + " (this version)"},
                                   {"total size", FormatBytes(s.total_bytes) + " (all versions)"},
                                   {"versions", FormatCount(s.num_versions)}});
    return Status::OK();
  };
}

void RegisterTables(VerbList& verbs) {
  auto db = std::make_shared<std::string>();
  Verb& verb = verbs.Add("tables", "List the tables of a database, one name per line.", "quiver tables ./db");
  AddDbArg(verb.app, db.get());
  verb.run = [db]() -> Status {
    QUIVER_ASSIGN_OR_RETURN(ConnectionPtr conn, ConnectDb(*db));
    QUIVER_ASSIGN_OR_RETURN(std::vector<std::string> names, conn->TableNames());
    for (const std::string& name : names) std::cout << name << '\n';
    return Status::OK();
  };
}

void RegisterDrop(VerbList& verbs) {
  auto ref = std::make_shared<TableRef>();
  Verb& verb = verbs.Add("drop", "Delete a table with all its versions and files.", "quiver drop ./db items",
                         "This cannot be undone.");
  AddTableArgs(verb.app, ref.get());
  verb.run = [ref]() -> Status {
    QUIVER_ASSIGN_OR_RETURN(ConnectionPtr conn, ConnectDb(ref->db));
    QUIVER_RETURN_NOT_OK(conn->DropTable(ref->table));
    std::cout << "dropped " << ref->table << '\n';
    return Status::OK();
  };
}

void RegisterRename(VerbList& verbs) {
  struct Args {
    std::string db, from, to;
  };
  auto args = std::make_shared<Args>();
  Verb& verb = verbs.Add("rename", "Rename a table.", "quiver rename ./db items products");
  AddDbArg(verb.app, &args->db);
  verb.app->add_option("from", args->from, "Current table name")->required();
  verb.app->add_option("to", args->to, "New table name")->required();
  verb.run = [args]() -> Status {
    QUIVER_ASSIGN_OR_RETURN(ConnectionPtr conn, ConnectDb(args->db));
    QUIVER_RETURN_NOT_OK(conn->RenameTable(args->from, args->to));
    std::cout << "renamed " << args->from << " to " << args->to << '\n';
    return Status::OK();
  };
}

}  // namespace

void RegisterAdminCommands(VerbList& verbs) {
  RegisterCompact(verbs);
  RegisterCleanup(verbs);
  RegisterStats(verbs);
  RegisterTables(verbs);
  RegisterDrop(verbs);
  RegisterRename(verbs);
}

}  // namespace quiver::cli
