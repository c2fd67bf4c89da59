// Verbs that change existing rows and columns: delete, update, add-column,
// drop-column, alter-column, and the scalar index verbs (index, indices,
// drop-index, optimize-indices). merge lives with the file verbs in
// data_commands.cc.
#include <iomanip>
#include <iostream>
#include <memory>
#include <mutex>

#include "command.h"
#include "progress.h"

namespace quiver::cli {
namespace {

// "col = expr" -> (col, expr), splitting at the first '=' that is not part
// of a comparison; the expression is checked by the table.
Result<std::pair<std::string, std::string>> SplitAssignment(const std::string& text) {
  size_t eq = std::string::npos;
  char quote = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quote) {
      if (c == quote) quote = 0;
      continue;
    }
    if (c == '"' || c == '`' || c == '\'') {
      quote = c;
    } else if (c == '=') {
      eq = i;
      break;
    }
  }
  if (eq == std::string::npos) {
    return Status::InvalidArgument("--set \"" + text + "\": expected column = expression");
  }
  auto trim = [](std::string s) {
    const size_t b = s.find_first_not_of(" \t");
    const size_t e = s.find_last_not_of(" \t");
    return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
  };
  std::string column = trim(text.substr(0, eq));
  std::string value = trim(text.substr(eq + 1));
  if (column.size() >= 2 && (column.front() == '"' || column.front() == '`') &&
      column.back() == column.front()) {
    column = column.substr(1, column.size() - 2);
  }
  if (column.empty() || value.empty()) {
    return Status::InvalidArgument("--set \"" + text + "\": expected column = expression");
  }
  return std::make_pair(column, value);
}

void RegisterDelete(VerbList& verbs) {
  struct Args {
    TableRef ref;
    std::string where;
  };
  auto args = std::make_shared<Args>();
  Verb& verb = verbs.Add("delete", "Delete the rows a SQL predicate selects, as a new version.",
                         "quiver delete ./db items --where \"category = 'obsolete'\"",
                         "Deleted rows stay readable in older versions until cleanup removes those.");
  AddTableArgs(verb.app, &args->ref);
  verb.app->add_option("--where", args->where, "SQL predicate of the rows to delete (\"true\" for all)")
      ->required();
  verb.run = [args]() -> Status {
    QUIVER_ASSIGN_OR_RETURN(TablePtr table, OpenTable(args->ref));
    QUIVER_ASSIGN_OR_RETURN(DeleteResult result, table->Delete(args->where));
    if (result.num_deleted_rows == 0) {
      std::cout << "no rows matched; nothing changed (version " << result.version << ")\n";
    } else {
      std::cout << "deleted " << FormatCount(result.num_deleted_rows) << " rows, version " << result.version
                << '\n';
    }
    return Status::OK();
  };
}

void RegisterUpdate(VerbList& verbs) {
  struct Args {
    TableRef ref;
    std::vector<std::string> sets;
    std::string where;
  };
  auto args = std::make_shared<Args>();
  Verb& verb =
      verbs.Add("update", "Set columns to SQL expressions in the rows a predicate selects.",
                "quiver update ./db items --set 'price = price * 1.1' --where \"category = 'books'\"",
                "Each --set is `column = expression`; expressions see the row's current values. "
                "Without --where every row is updated.");
  AddTableArgs(verb.app, &args->ref);
  verb.app->add_option("--set", args->sets, "column = SQL expression (repeatable)")->required();
  verb.app->add_option("--where", args->where, "SQL predicate of the rows to update (default: all rows)");
  verb.run = [args]() -> Status {
    std::vector<std::pair<std::string, std::string>> values;
    for (const std::string& s : args->sets) {
      QUIVER_ASSIGN_OR_RETURN(auto assignment, SplitAssignment(s));
      values.push_back(std::move(assignment));
    }
    QUIVER_ASSIGN_OR_RETURN(TablePtr table, OpenTable(args->ref));
    QUIVER_ASSIGN_OR_RETURN(UpdateResult result, table->Update(values, args->where));
    if (result.rows_updated == 0) {
      std::cout << "no rows matched; nothing changed (version " << result.version << ")\n";
    } else {
      std::cout << "updated " << FormatCount(result.rows_updated) << " rows, version " << result.version
                << '\n';
    }
    return Status::OK();
  };
}

void RegisterAddColumn(VerbList& verbs) {
  struct Args {
    TableRef ref;
    std::string name;
    std::string expr;
    std::string type;
  };
  auto args = std::make_shared<Args>();
  Verb& verb = verbs.Add("add-column", "Add a column computed from a SQL expression, or all-null of a type.",
                         "quiver add-column ./db items gross --expr 'price * 1.2'",
                         "With --type instead of --expr the column starts all-null (no data is written).");
  AddTableArgs(verb.app, &args->ref);
  verb.app->add_option("name", args->name, "The new column's name")->required();
  auto* expr = verb.app->add_option("--expr", args->expr, "SQL expression over the existing columns");
  auto* type = verb.app->add_option("--type", args->type,
                                    "Type of an all-null column, e.g. int64, string, "
                                    "fixed_size_list<float>[128]");
  expr->excludes(type);
  verb.run = [args]() -> Status {
    QUIVER_ASSIGN_OR_RETURN(TablePtr table, OpenTable(args->ref));
    uint64_t version = 0;
    if (!args->type.empty()) {
      QUIVER_ASSIGN_OR_RETURN(TypePtr type, ParseType(args->type));
      QUIVER_ASSIGN_OR_RETURN(version, table->AddColumns(std::vector<Field>{Field(args->name, type)}));
    } else if (!args->expr.empty()) {
      QUIVER_ASSIGN_OR_RETURN(version, table->AddColumns({{args->name, args->expr}}));
    } else {
      return Status::InvalidArgument("add-column needs --expr or --type");
    }
    std::cout << "added column \"" << args->name << "\", version " << version << '\n';
    return Status::OK();
  };
}

void RegisterDropColumn(VerbList& verbs) {
  struct Args {
    TableRef ref;
    std::vector<std::string> names;
  };
  auto args = std::make_shared<Args>();
  Verb& verb = verbs.Add("drop-column", "Drop columns from the table's schema, as a new version.",
                         "quiver drop-column ./db items notes",
                         "The data stays on disk (older versions still read it) until compaction and "
                         "cleanup remove it.");
  AddTableArgs(verb.app, &args->ref);
  verb.app->add_option("names", args->names, "Columns to drop")->required();
  verb.run = [args]() -> Status {
    QUIVER_ASSIGN_OR_RETURN(TablePtr table, OpenTable(args->ref));
    QUIVER_ASSIGN_OR_RETURN(uint64_t version, table->DropColumns(args->names));
    std::cout << "dropped " << args->names.size() << " column" << (args->names.size() == 1 ? "" : "s")
              << ", version " << version << '\n';
    return Status::OK();
  };
}

void RegisterAlterColumn(VerbList& verbs) {
  struct Args {
    TableRef ref;
    std::string name;
    std::string rename;
    std::string type;
    std::string nullable;
  };
  auto args = std::make_shared<Args>();
  Verb& verb =
      verbs.Add("alter-column", "Rename a column, change its nullability, or cast it to a wider type.",
                "quiver alter-column ./db items price --rename cost --type double");
  AddTableArgs(verb.app, &args->ref);
  verb.app->add_option("name", args->name, "The column to change")->required();
  verb.app->add_option("--rename", args->rename, "New name");
  verb.app->add_option("--type", args->type, "New type (only casts that keep every value)");
  verb.app->add_option("--nullable", args->nullable, "true or false (false fails if the column holds nulls)")
      ->check(CLI::IsMember({"true", "false"}));
  verb.run = [args]() -> Status {
    ColumnAlteration alt;
    alt.path = args->name;
    if (!args->rename.empty()) alt.rename = args->rename;
    if (!args->nullable.empty()) alt.nullable = args->nullable == "true";
    if (!args->type.empty()) {
      QUIVER_ASSIGN_OR_RETURN(alt.data_type, ParseType(args->type));
    }
    if (!alt.rename && !alt.nullable && !alt.data_type) {
      return Status::InvalidArgument("alter-column needs --rename, --type or --nullable");
    }
    QUIVER_ASSIGN_OR_RETURN(TablePtr table, OpenTable(args->ref));
    QUIVER_ASSIGN_OR_RETURN(uint64_t version, table->AlterColumns({alt}));
    std::cout << "altered column \"" << args->name << "\", version " << version << '\n';
    return Status::OK();
  };
}

void RegisterIndex(VerbList& verbs) {
  struct Args {
    TableRef ref;
    std::string column;
    std::string type = "BTREE";
    std::string name;
    IndexOptions vector;
  };
  auto args = std::make_shared<Args>();
  Verb& verb = verbs.Add(
      "index", "Build an index on a column: scalar indexes for filters, vector indexes for search.",
      "quiver index ./db items category --type BITMAP\n  quiver index ./db items vector --type IVF_PQ "
      "--metric cosine\n"
      "  quiver index ./db items text --type FTS --with-position --language English",
      "Scalar: BTREE (equality, ranges and IN on numbers, strings and dates), BITMAP (columns with few "
      "distinct values: equality, IN, IS NULL), LABEL_LIST (list columns: array_has_any, array_has_all); "
      "check with `quiver scan ... --explain`. Vector (on a fixed-size list column): IVF_FLAT, IVF_PQ, "
      "IVF_SQ, IVF_RQ, IVF_HNSW_SQ, IVF_HNSW_PQ, HNSW; unset sizes are chosen from the rows and the "
      "dimension; check with `quiver search ... --explain`. Full-text (on a text column or a list of "
      "text): FTS, searched with `quiver search --text`; by default words are lower-cased, accents "
      "folded, English stop words removed and words stemmed (turn each off with --no-...); phrase "
      "queries need --with-position.");
  AddTableArgs(verb.app, &args->ref);
  verb.app->add_option("column", args->column, "The column to index")->required();
  verb.app
      ->add_option("--type", args->type,
                   "BTREE, BITMAP, LABEL_LIST, IVF_FLAT, IVF_PQ, IVF_SQ, IVF_RQ, IVF_HNSW_SQ, "
                   "IVF_HNSW_PQ, HNSW or FTS")
      ->capture_default_str();
  verb.app->add_option("--name", args->name, "Index name (default <column>_idx)");
  IndexOptions& v = args->vector;
  verb.app->add_option("--metric", v.metric, "Vector indexes: l2, cosine or dot")->capture_default_str();
  verb.app->add_option("--partitions", v.num_partitions, "IVF: partitions (default about sqrt(rows))")
      ->check(AtLeast(1));
  verb.app->add_option("--sub-vectors", v.num_sub_vectors, "PQ: sub-vectors, dividing the dimension")
      ->check(AtLeast(1));
  verb.app->add_option("--bits", v.num_bits, "PQ: bits per code, 4 or 8 (default 8)")
      ->check(CLI::IsMember({4, 8}));
  verb.app->add_option("--sample-rate", v.sample_rate, "IVF: k-means training rows per partition")
      ->capture_default_str()
      ->check(AtLeast(1));
  verb.app->add_option("--max-iterations", v.max_iterations, "IVF: k-means iterations")
      ->capture_default_str()
      ->check(AtLeast(1));
  verb.app->add_option("--m", v.m, "HNSW: neighbours per node")->capture_default_str()->check(AtLeast(2));
  verb.app->add_option("--ef-construction", v.ef_construction, "HNSW: build beam width")
      ->capture_default_str()
      ->check(AtLeast(1));
  IndexOptions::Fts& f = v.fts;
  verb.app->add_option("--tokenizer", f.base_tokenizer, "FTS: simple, whitespace, raw or ngram")
      ->capture_default_str()
      ->check(CLI::IsMember({"simple", "whitespace", "raw", "ngram"}));
  verb.app->add_option("--language", f.language, "FTS: language for stemming and stop words")
      ->capture_default_str();
  verb.app->add_flag("--stem,!--no-stem", f.stem, "FTS: stem words (Snowball; default on)");
  verb.app->add_flag("--remove-stop-words,!--no-remove-stop-words", f.remove_stop_words,
                     "FTS: drop the language's stop words (default on)");
  verb.app->add_flag("--ascii-folding,!--no-ascii-folding", f.ascii_folding,
                     "FTS: fold accented letters to ASCII (default on)");
  verb.app->add_flag("--lower-case,!--no-lower-case", f.lower_case, "FTS: lower-case words (default on)");
  verb.app->add_flag("--with-position", f.with_position, "FTS: store word positions (needed for phrases)");
  verb.app->add_option("--max-token-length", f.max_token_length, "FTS: drop longer words (0: no limit)")
      ->capture_default_str()
      ->check(AtLeast(0));
  verb.app->add_option("--ngram-min", f.ngram_min_length, "FTS ngram tokenizer: shortest n-gram")
      ->capture_default_str()
      ->check(AtLeast(1));
  verb.app->add_option("--ngram-max", f.ngram_max_length, "FTS ngram tokenizer: longest n-gram")
      ->capture_default_str()
      ->check(AtLeast(1));
  verb.app->add_flag("--prefix-only", f.prefix_only, "FTS ngram tokenizer: only n-grams that start a word");
  verb.run = [args]() -> Status {
    QUIVER_ASSIGN_OR_RETURN(IndexType type, ParseIndexType(args->type));
    QUIVER_ASSIGN_OR_RETURN(TablePtr table, OpenTable(args->ref));
    IndexOptions options = args->vector;
    options.name = args->name;
    std::unique_ptr<Progress> progress = std::make_unique<Progress>("indexing " + args->column);
    std::string stage;
    std::mutex mu;
    options.progress = [&](int64_t done) { progress->Update(done); };
    options.build_progress = [&](std::string_view s, uint64_t done, uint64_t total) {
      std::lock_guard<std::mutex> lock(mu);
      if (s != stage) {
        stage = s;
        progress->Finish();
        progress = std::make_unique<Progress>("indexing " + args->column + ": " + stage);
      }
      progress->Update(static_cast<int64_t>(done));
      (void)total;
    };
    const auto start = std::chrono::steady_clock::now();
    auto version = table->CreateIndex(args->column, type, options);
    progress->Finish();
    QUIVER_RETURN_NOT_OK(version.status());
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::cout << "built " << IndexTypeName(type) << " index on \"" << args->column << "\" in " << std::fixed
              << std::setprecision(2) << seconds << " s, version " << *version << '\n';
    return Status::OK();
  };
}

void RegisterIndices(VerbList& verbs) {
  struct Args {
    TableRef ref;
  };
  auto args = std::make_shared<Args>();
  Verb& verb = verbs.Add("indices", "List a table's indexes and how many rows each covers.",
                         "quiver indices ./db items");
  AddTableArgs(verb.app, &args->ref);
  verb.run = [args]() -> Status {
    QUIVER_ASSIGN_OR_RETURN(TablePtr table, OpenTable(args->ref));
    QUIVER_ASSIGN_OR_RETURN(auto indices, table->ListIndices());
    std::vector<std::vector<std::string>> rows;
    for (const IndexInfo& info : indices) {
      std::string columns;
      for (const auto& c : info.columns) columns += (columns.empty() ? "" : ",") + c;
      rows.push_back({info.name, info.type, columns, FormatCount(info.num_indexed_rows),
                      FormatCount(info.num_unindexed_rows), std::to_string(info.built_on_version),
                      info.metric.empty() ? "-" : info.metric,
                      info.size_bytes ? FormatBytes(info.size_bytes) : "-"});
    }
    if (rows.empty()) {
      std::cout << "no indexes\n";
      return Status::OK();
    }
    PrintTable({"name", "type", "columns", "indexed", "unindexed", "built on version", "metric", "size"},
               rows);
    return Status::OK();
  };
}

void RegisterDropIndex(VerbList& verbs) {
  struct Args {
    TableRef ref;
    std::string name;
  };
  auto args = std::make_shared<Args>();
  Verb& verb = verbs.Add("drop-index", "Remove an index (its files go at the next cleanup).",
                         "quiver drop-index ./db items category_idx");
  AddTableArgs(verb.app, &args->ref);
  verb.app->add_option("name", args->name, "Index name (see `quiver indices`)")->required();
  verb.run = [args]() -> Status {
    QUIVER_ASSIGN_OR_RETURN(TablePtr table, OpenTable(args->ref));
    QUIVER_RETURN_NOT_OK(table->DropIndex(args->name));
    std::cout << "dropped index \"" << args->name << "\", version " << table->version() << '\n';
    return Status::OK();
  };
}

void RegisterOptimizeIndices(VerbList& verbs) {
  struct Args {
    TableRef ref;
  };
  auto args = std::make_shared<Args>();
  Verb& verb = verbs.Add("optimize-indices", "Bring rows added since an index was built into it.",
                         "quiver optimize-indices ./db items",
                         "Queries are right without it (new rows are scanned); it makes them faster.");
  AddTableArgs(verb.app, &args->ref);
  verb.run = [args]() -> Status {
    QUIVER_ASSIGN_OR_RETURN(TablePtr table, OpenTable(args->ref));
    const uint64_t before = table->version();
    QUIVER_ASSIGN_OR_RETURN(uint64_t version, table->OptimizeIndices());
    if (version == before) {
      std::cout << "every index is up to date (version " << version << ")\n";
    } else {
      std::cout << "optimized indexes, version " << version << '\n';
    }
    return Status::OK();
  };
}

}  // namespace

void RegisterChangeCommands(VerbList& verbs) {
  RegisterDelete(verbs);
  RegisterUpdate(verbs);
  RegisterAddColumn(verbs);
  RegisterDropColumn(verbs);
  RegisterAlterColumn(verbs);
  RegisterIndex(verbs);
  RegisterIndices(verbs);
  RegisterDropIndex(verbs);
  RegisterOptimizeIndices(verbs);
}

}  // namespace quiver::cli
