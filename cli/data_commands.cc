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
  app->add_option("file", input->file,
                  "Input file: .jsonl .json .csv .tsv .npy .fvecs .bvecs .ivecs, or - for stdin")
      ->required();
  app->add_option("--format", input->format,
                  "File format (default: from the file's extension; required for -)")
      ->check(
          CLI::IsMember({"auto", "jsonl", "ndjson", "json", "csv", "tsv", "npy", "fvecs", "bvecs", "ivecs"}));
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
  verb.app->add_option("--compression", args->compression, "Compression of the data files")
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

void RegisterCount(VerbList& verbs) {
  struct Args {
    TableRef ref;
    VersionRef at;
  };
  auto args = std::make_shared<Args>();
  Verb& verb = verbs.Add("count", "Print the number of rows (just the number, for scripts).",
                         "quiver count ./db items --version 1");
  AddTableArgs(verb.app, &args->ref);
  AddVersionFlags(verb.app, &args->at, /*with_tag=*/true);
  verb.run = [args]() -> Status {
    QUIVER_ASSIGN_OR_RETURN(TablePtr table, OpenTable(args->ref, args->at));
    QUIVER_ASSIGN_OR_RETURN(int64_t rows, table->CountRows());
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
  app->add_option("--format", output->format, "table: aligned text; json: one JSON object per line; csv")
      ->capture_default_str()
      ->check(CLI::IsMember({"table", "json", "csv"}));
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
  };
  auto args = std::make_shared<Args>();
  Verb& verb = verbs.Add("scan", "Print a table's rows: some columns, a range, an older version.",
                         "quiver scan ./db items --columns id,text --limit 10 --format json");
  AddTableArgs(verb.app, &args->ref);
  AddOutputArgs(verb.app, &args->output);
  verb.app->add_option("--limit", args->limit, "Print at most this many rows")->check(AtLeast(0));
  verb.app->add_option("--offset", args->offset, "Skip this many rows first")->check(AtLeast(0));
  AddVersionFlags(verb.app, &args->at, /*with_tag=*/true);
  verb.app->add_flag("--with-rowid", args->with_rowid, "Add the _rowid column (stable ids for `take`)");
  verb.run = [args]() -> Status {
    QUIVER_ASSIGN_OR_RETURN(TablePtr table, OpenTable(args->ref, args->at));
    ScanBuilder scan = table->Scan();
    scan.Columns(args->output.columns).Offset(args->offset).WithRowId(args->with_rowid);
    if (args->limit) scan.Limit(*args->limit);
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
  RegisterCount(verbs);
  RegisterScan(verbs);
  RegisterTake(verbs);
  RegisterSchema(verbs);
}

}  // namespace quiver::cli
