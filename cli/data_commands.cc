// Verbs that put rows in and get them out: create, add, count, scan, take,
// schema. Files are parsed, and rows printed, by src/convert.
#include <iostream>
#include <memory>

#include "command.h"
#include "convert/file_reader.h"
#include "convert/output.h"
#include "progress.h"

namespace quiver::cli {

namespace {

// Streams a file's batches to the table while drawing the progress bar from
// the rows and bytes read so far (on the reading thread, so the file reader is
// only touched by one thread).
class ProgressReader : public BatchReader {
 public:
  ProgressReader(convert::FileReader& file, Progress& progress) : file_(file), progress_(progress) {}
  const SchemaPtr& schema() const override { return file_.schema(); }
  Result<BatchPtr> Next() override {
    QUIVER_ASSIGN_OR_RETURN(BatchPtr batch, file_.Next());
    if (batch) rows_ += batch->num_rows();
    progress_.Update(rows_, file_.bytes_read());
    return batch;
  }
  int64_t rows() const { return rows_; }

 private:
  convert::FileReader& file_;
  Progress& progress_;
  int64_t rows_ = 0;
};

// Options shared by create and add: the input file and how to read it.
struct InputArgs {
  std::string file;
  std::string format = "auto";
};

void AddInputArgs(CLI::App* app, InputArgs* input) {
  app->add_option(
         "file", input->file,
         "Input file: .jsonl .json .csv .tsv .npy .fvecs .bvecs .ivecs .arrow .arrows .ipc .feather, or - "
         "for stdin")
      ->required();
  app->add_option("--format", input->format,
                  "File format; arrow reads Arrow IPC, file or stream (default: from the file's extension; "
                  "required for -)")
      ->check(CLI::IsMember(
          {"auto", "jsonl", "ndjson", "json", "csv", "tsv", "npy", "fvecs", "bvecs", "ivecs", "arrow"}));
}

// Opens the input, parsed into `schema` when given (inferred otherwise).
Result<std::unique_ptr<convert::FileReader>> OpenInput(const InputArgs& input, SchemaPtr schema) {
  convert::FileReadOptions options;
  QUIVER_ASSIGN_OR_RETURN(options.format, convert::ParseFileFormat(input.format));
  options.schema = std::move(schema);
  return convert::OpenFileReader(input.file, options);
}

// Writes `file` to the table through `write` (a create or an add), with a
// progress bar; returns the rows written.
template <typename WriteFn>
Result<int64_t> Import(convert::FileReader& file, const std::string& label, WriteFn write) {
  Progress progress(label, file.total_bytes());
  ProgressReader reader(file, progress);
  QUIVER_RETURN_NOT_OK(write(reader));
  progress.Finish();
  return reader.rows();
}

void RegisterCreate(VerbList& verbs) {
  struct Args {
    TableRef ref;
    InputArgs input;
    std::string mode = "create";
    std::string compression = "zstd";
  };
  auto args = std::make_shared<Args>();
  Verb& verb = verbs.Add(
      "create", "Create a table from a file.", "quiver create ./db items items.jsonl --compression lz4",
      "Column types are inferred from the first rows: integers, floats, strings, booleans, and arrays "
      "of numbers as vectors (every row must then have the same number of values).");
  AddTableArgs(verb.app, &args->ref);
  AddInputArgs(verb.app, &args->input);
  verb.app
      ->add_option("--mode", args->mode,
                   "create: fail if the table exists; overwrite: replace its rows and schema (a new "
                   "version); exist_ok: keep an existing table as it is, writing nothing")
      ->capture_default_str()
      ->check(CLI::IsMember({"create", "overwrite", "exist_ok"}));
  verb.app
      ->add_option("--compression", args->compression,
                   "Compression of the data files (integer columns are bit-packed and decimal float64 "
                   "columns kept as integers unless this is none)")
      ->capture_default_str()
      ->check(CLI::IsMember({"zstd", "lz4", "none"}));
  verb.run = [args]() -> Status {
    QUIVER_ASSIGN_OR_RETURN(ConnectionPtr db, ConnectDb(args->ref.db));
    CreateTableOptions options;
    options.write.compression = args->compression;
    options.mode = args->mode == "overwrite"  ? CreateMode::kOverwrite
                   : args->mode == "exist_ok" ? CreateMode::kExistOk
                                              : CreateMode::kCreate;
    // With exist_ok an existing table is opened and nothing is written (the
    // library checks the schemas match), so the file is read with the table's
    // schema: a file that does not fit fails on its first rows.
    SchemaPtr schema;
    bool existed = false;
    if (options.mode == CreateMode::kExistOk) {
      Result<TablePtr> opened = db->OpenTable(args->ref.table);
      if (opened.ok()) {
        existed = true;
        schema = (*opened)->schema();
      } else if (!opened.status().IsNotFound()) {
        return opened.status();
      }
    }
    QUIVER_ASSIGN_OR_RETURN(auto file, OpenInput(args->input, schema));
    TablePtr table;
    QUIVER_ASSIGN_OR_RETURN(int64_t rows,
                            Import(*file, "importing " + args->input.file, [&](BatchReader& data) {
                              Result<TablePtr> created = db->CreateTable(args->ref.table, data, options);
                              if (created.ok()) table = *created;
                              return created.status();
                            }));
    QUIVER_ASSIGN_OR_RETURN(int64_t total, table->CountRows());
    if (existed) {
      std::cout << "table " << args->ref.table << " exists (version " << table->version() << ", "
                << FormatCount(total) << " rows); nothing written\n";
    } else {
      std::cout << (args->mode == "overwrite" ? "wrote " : "created ") << args->ref.table << ": "
                << FormatCount(rows) << " rows, version " << table->version() << '\n';
    }
    return Status::OK();
  };
}

void RegisterAdd(VerbList& verbs) {
  struct Args {
    TableRef ref;
    InputArgs input;
    std::string mode = "append";
  };
  auto args = std::make_shared<Args>();
  Verb& verb = verbs.Add(
      "add", "Add the rows of a file to a table, as a new version.", "quiver add ./db items more.jsonl",
      "The file is read with the table's schema, so a missing column, a wrong type or a vector of "
      "the wrong dimension is an error naming the line, and nothing is written.");
  AddTableArgs(verb.app, &args->ref);
  AddInputArgs(verb.app, &args->input);
  verb.app
      ->add_option("--mode", args->mode,
                   "append: add to the rows; overwrite: replace all rows (and the schema, which is then "
                   "inferred from the file)")
      ->capture_default_str()
      ->check(CLI::IsMember({"append", "overwrite"}));
  verb.run = [args]() -> Status {
    QUIVER_ASSIGN_OR_RETURN(TablePtr table, OpenTable(args->ref));
    WriteOptions options;
    options.mode = args->mode == "overwrite" ? WriteMode::kOverwrite : WriteMode::kAppend;
    SchemaPtr schema = options.mode == WriteMode::kAppend ? table->schema() : nullptr;
    QUIVER_ASSIGN_OR_RETURN(auto file, OpenInput(args->input, schema));
    uint64_t version = 0;
    QUIVER_ASSIGN_OR_RETURN(int64_t rows,
                            Import(*file, "importing " + args->input.file, [&](BatchReader& data) {
                              Result<uint64_t> added = table->Add(data, options);
                              if (added.ok()) version = *added;
                              return added.status();
                            }));
    QUIVER_ASSIGN_OR_RETURN(int64_t total, table->CountRows());
    std::cout << (options.mode == WriteMode::kAppend ? "added " : "overwrote with ") << FormatCount(rows)
              << " rows, version " << version << ", " << FormatCount(total) << " rows in total\n";
    return Status::OK();
  };
}

void RegisterMerge(VerbList& verbs) {
  struct Args {
    TableRef ref;
    InputArgs input;
    std::vector<std::string> on;
    bool update_all = false;
    bool insert_all = false;
    bool delete_not_in_source = false;
    std::string update_if;
    std::string delete_if;
  };
  auto args = std::make_shared<Args>();
  Verb& verb = verbs.Add(
      "merge", "Upsert the rows of a file into a table, matching rows on key columns.",
      "quiver merge ./db items changes.jsonl --on id --update-all --insert-all",
      "Rows of the file whose key matches a table row replace it with --update-all (only where "
      "--update-if holds, a SQL condition over target.col and source.col); rows without a match are "
      "added with --insert-all; table rows no file row matches are deleted with "
      "--delete-not-in-source (only where --delete-if holds). A key repeated in the file is an "
      "error. Everything is one new version.");
  AddTableArgs(verb.app, &args->ref);
  AddInputArgs(verb.app, &args->input);
  verb.app->add_option("--on", args->on, "Key columns, comma-separated")->delimiter(',')->required();
  verb.app->add_flag("--update-all", args->update_all, "Replace matched rows with the file's");
  verb.app->add_option("--update-if", args->update_if,
                       "Only update matches where this holds, e.g. 'source.updated > target.updated'");
  verb.app->add_flag("--insert-all", args->insert_all, "Insert the file's rows that match no table row");
  verb.app->add_flag("--delete-not-in-source", args->delete_not_in_source,
                     "Delete table rows that no row of the file matches");
  verb.app->add_option("--delete-if", args->delete_if,
                       "Only delete such rows where this SQL predicate holds");
  verb.run = [args]() -> Status {
    QUIVER_ASSIGN_OR_RETURN(TablePtr table, OpenTable(args->ref));
    QUIVER_ASSIGN_OR_RETURN(auto file, OpenInput(args->input, table->schema()));
    MergeInsertBuilder merge = table->MergeInsert(args->on);
    if (args->update_all || !args->update_if.empty()) {
      merge.WhenMatchedUpdateAll(args->update_if.empty() ? std::nullopt : std::optional(args->update_if));
    }
    if (args->insert_all) merge.WhenNotMatchedInsertAll();
    if (args->delete_not_in_source || !args->delete_if.empty()) {
      merge.WhenNotMatchedBySourceDelete(args->delete_if.empty() ? std::nullopt
                                                                 : std::optional(args->delete_if));
    }
    MergeInsertResult result;
    QUIVER_RETURN_NOT_OK(Import(*file, "merging " + args->input.file, [&](BatchReader& data) {
                           auto merged = merge.Execute(data);
                           if (merged.ok()) result = *merged;
                           return merged.status();
                         }).status());
    std::cout << "inserted " << FormatCount(result.num_inserted_rows) << ", updated "
              << FormatCount(result.num_updated_rows) << ", deleted " << FormatCount(result.num_deleted_rows)
              << " rows, version " << result.version << '\n';
    return Status::OK();
  };
}

constexpr char kWhereHelp[] =
    "Only rows where this SQL predicate is true, e.g. \"price > 50 AND category IN ('a', 'b')\" "
    "(see docs/sql.md)";
constexpr char kExplainHelp[] =
    "Print how the rows would be found (indexes used, pages pruned by statistics) instead of the result";

void RegisterCount(VerbList& verbs) {
  struct Args {
    TableRef ref;
    VersionRef at;
    std::string where;
    bool explain = false;
  };
  auto args = std::make_shared<Args>();
  Verb& verb = verbs.Add("count", "Print the number of rows (just the number, for scripts).",
                         "quiver count ./db items --where \"category = 'books'\"");
  AddTableArgs(verb.app, &args->ref);
  verb.app->add_option("--where", args->where, kWhereHelp);
  verb.app->add_flag("--explain", args->explain, kExplainHelp);
  AddVersionFlags(verb.app, &args->at, /*with_tag=*/true);
  verb.run = [args]() -> Status {
    QUIVER_ASSIGN_OR_RETURN(TablePtr table, OpenTable(args->ref, args->at));
    if (args->explain) {
      QUIVER_ASSIGN_OR_RETURN(std::string plan, table->Scan().Where(args->where).Columns({}).Explain());
      std::cout << plan;
      return Status::OK();
    }
    QUIVER_ASSIGN_OR_RETURN(int64_t rows, table->CountRows(args->where));
    std::cout << rows << '\n';
    return Status::OK();
  };
}

// Options shared by scan and take: the columns and how rows are printed.
struct OutputArgs {
  std::vector<std::string> columns;
  std::string format = "table";
};

void AddOutputArgs(CLI::App* app, OutputArgs* output) {
  app->add_option("--columns", output->columns, "Columns to print, comma-separated (default: all)")
      ->delimiter(',');
  app->add_option("--format", output->format,
                  "table: aligned text; json: one JSON object per line; csv; arrow: Arrow IPC stream; "
                  "arrow-file: Arrow IPC file (Feather v2)")
      ->capture_default_str()
      ->check(CLI::IsMember({"table", "json", "csv", "arrow", "arrow-file"}));
}

Status PrintRows(BatchReader& rows, const OutputArgs& output);

void RegisterScan(VerbList& verbs) {
  struct Args {
    TableRef ref;
    VersionRef at;
    OutputArgs output;
    std::optional<int64_t> limit;
    int64_t offset = 0;
    bool with_rowid = false;
    std::string where;
    std::string select;
    bool explain = false;
  };
  auto args = std::make_shared<Args>();
  Verb& verb = verbs.Add(
      "scan", "Print a table's rows: a filter, some columns or expressions, a range, an older version.",
      "quiver scan ./db items --where 'price > 50' --select 'id, price * 1.2 AS gross' --limit 10");
  AddTableArgs(verb.app, &args->ref);
  AddOutputArgs(verb.app, &args->output);
  verb.app->add_option("--where", args->where, kWhereHelp);
  verb.app->add_option("--select", args->select,
                       "Output columns as SQL expressions with optional aliases, e.g. \"id, lower(name) AS "
                       "name, price * 1.2 AS gross\" (instead of --columns)");
  verb.app->add_flag("--explain", args->explain, kExplainHelp);
  verb.app->add_option("--limit", args->limit, "Print at most this many rows")->check(AtLeast(0));
  verb.app->add_option("--offset", args->offset, "Skip this many rows first")->check(AtLeast(0));
  AddVersionFlags(verb.app, &args->at, /*with_tag=*/true);
  verb.app->add_flag("--with-rowid", args->with_rowid, "Add the _rowid column (stable ids for `take`)");
  verb.run = [args]() -> Status {
    QUIVER_ASSIGN_OR_RETURN(TablePtr table, OpenTable(args->ref, args->at));
    ScanBuilder scan = table->Scan();
    scan.Columns(args->output.columns).Offset(args->offset).WithRowId(args->with_rowid).Where(args->where);
    if (!args->select.empty()) scan.Select(args->select);
    if (args->limit) scan.Limit(*args->limit);
    if (args->explain) {
      QUIVER_ASSIGN_OR_RETURN(std::string plan, scan.Explain());
      std::cout << plan;
      return Status::OK();
    }
    QUIVER_ASSIGN_OR_RETURN(auto reader, scan.ToReader());
    return PrintRows(*reader, args->output);
  };
}

void RegisterTake(VerbList& verbs) {
  struct Args {
    TableRef ref;
    OutputArgs output;
    std::vector<uint64_t> row_ids;
  };
  auto args = std::make_shared<Args>();
  Verb& verb = verbs.Add("take", "Print rows by row id (see scan --with-rowid), in the order given.",
                         "quiver take ./db items --rowids 1,5,9 --columns id,text");
  AddTableArgs(verb.app, &args->ref);
  verb.app->add_option("--rowids", args->row_ids, "Row ids, comma-separated")->delimiter(',')->required();
  AddOutputArgs(verb.app, &args->output);
  verb.run = [args]() -> Status {
    QUIVER_ASSIGN_OR_RETURN(TablePtr table, OpenTable(args->ref));
    QUIVER_ASSIGN_OR_RETURN(BatchPtr rows, table->TakeRowIds(args->row_ids, args->output.columns));
    auto reader = MakeBatchReader(rows->schema(), {rows});
    return PrintRows(*reader, args->output);
  };
}

void RegisterSchema(VerbList& verbs) {
  struct Args {
    TableRef ref;
    VersionRef at;
  };
  auto args = std::make_shared<Args>();
  Verb& verb = verbs.Add("schema", "Print a table's columns and their types, one per line.",
                         "quiver schema ./db items");
  AddTableArgs(verb.app, &args->ref);
  AddVersionFlags(verb.app, &args->at, /*with_tag=*/true);
  verb.run = [args]() -> Status {
    QUIVER_ASSIGN_OR_RETURN(TablePtr table, OpenTable(args->ref, args->at));
    std::cout << table->schema()->ToString() << '\n';
    return Status::OK();
  };
}

Status PrintRows(BatchReader& rows, const OutputArgs& output) {
  QUIVER_ASSIGN_OR_RETURN(convert::OutputFormat format, convert::ParseOutputFormat(output.format));
  return convert::WriteBatches(rows, format, std::cout);
}

}  // namespace

void RegisterDataCommands(VerbList& verbs) {
  RegisterCreate(verbs);
  RegisterAdd(verbs);
  RegisterMerge(verbs);
  RegisterCount(verbs);
  RegisterScan(verbs);
  RegisterTake(verbs);
  RegisterSchema(verbs);
}

}  // namespace quiver::cli
