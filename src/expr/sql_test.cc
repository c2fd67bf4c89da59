// Runs the SQL expression tests in src/expr/testdata/*.test.
//
// File format (one directive per line; '#' starts a comment line; blank
// lines are ignored):
//
//   table: id int64, price double, name string, tags list<string>
//       Starts a new table: comma-separated "name type" pairs, types as
//       ParseType reads them (int32, double, string, date32,
//       timestamp[us], list<string>, struct<a: int32, b: string>, ...).
//   rows:
//       Followed by one line per row, values separated by commas: NULL,
//       integers, decimals (1.5, 1e3, nan, inf), 'strings' ('' is a quote;
//       also dates '2024-01-31' and timestamps '2024-01-31 12:00:00' for
//       date/timestamp columns), TRUE/FALSE, [lists] and {structs} written
//       as {a: 1, b: 'x'}. Rows end at the next directive.
//   query: <predicate>
//   expect: 1, 3
//       The predicate (CompilePredicate + SelectRows) selects the rows whose
//       first column has these values, in order; "expect: (none)" for none.
//   expr: <expression>
//   type: double                     (optional: the result type)
//   values: 21.0, NULL, 198.0
//       The expression (CompileExpression + Evaluate) gives these values,
//       one per row, written like row values.
//   error: <expression>
//   message: <text>
//       Compiling or evaluating the expression fails, and the message
//       contains <text>.
//   filter-error: <predicate>
//   message: <text>
//       As error:, but compiled with CompilePredicate (non-bool filters).
//
// now() is 2024-06-01 12:00:00 UTC in these tests. Every query and expr is
// also run on a copy of the table sliced out of a larger batch (non-zero
// array offsets), and must give the same answer there.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "expr/bind.h"
#include "expr/eval.h"
#include "quiver/builder.h"

namespace quiver::expr {
namespace {

namespace fs = std::filesystem;

fs::path TestDataDir() {
  // The sources sit beside this file; __FILE__ is the path the build
  // compiled it from.
  return fs::path(__FILE__).parent_path() / "testdata";
}

std::string Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

// Splits at commas outside quotes, brackets, braces and angle brackets.
std::vector<std::string> SplitTop(std::string_view s) {
  std::vector<std::string> out;
  int depth = 0;
  bool quoted = false;
  std::string cur;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (quoted) {
      cur += c;
      if (c == '\'') {
        if (i + 1 < s.size() && s[i + 1] == '\'') {
          cur += s[++i];
        } else {
          quoted = false;
        }
      }
      continue;
    }
    if (c == '\'') quoted = true;
    if (c == '[' || c == '{' || c == '<') ++depth;
    if (c == ']' || c == '}' || c == '>') --depth;
    if (c == ',' && depth == 0) {
      out.push_back(Trim(cur));
      cur.clear();
      continue;
    }
    cur += c;
  }
  if (!Trim(cur).empty() || !out.empty()) out.push_back(Trim(cur));
  return out;
}

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

// Appends one value written in the test syntax.
Status AppendValue(ArrayBuilder* b, std::string_view text) {
  const std::string v = Trim(text);
  const TypeId id = b->type()->id();
  if (IEquals(v, "null")) return b->AppendNull();
  if (IEquals(v, "true")) return b->AppendBool(true);
  if (IEquals(v, "false")) return b->AppendBool(false);
  if (v.size() >= 2 && v.front() == '\'' && v.back() == '\'') {
    std::string s;
    for (size_t i = 1; i + 1 < v.size(); ++i) {
      s += v[i];
      if (v[i] == '\'') ++i;
    }
    return b->AppendString(s);
  }
  if (v.size() >= 2 && v.front() == '[' && v.back() == ']') {
    if (!b->type()->is_list_like()) return Status::InvalidArgument("a list for a " + b->type()->ToString());
    for (const std::string& item : SplitTop(std::string_view(v).substr(1, v.size() - 2))) {
      QUIVER_RETURN_NOT_OK(AppendValue(b->child(0), item));
    }
    return b->AppendList();
  }
  if (v.size() >= 2 && v.front() == '{' && v.back() == '}') {
    if (id != TypeId::kStruct) return Status::InvalidArgument("a struct for a " + b->type()->ToString());
    const auto& fields = b->type()->children();
    std::vector<std::string> items = SplitTop(std::string_view(v).substr(1, v.size() - 2));
    if (items.size() != fields.size()) return Status::InvalidArgument("struct needs every field: " + v);
    for (size_t k = 0; k < items.size(); ++k) {
      const size_t colon = items[k].find(':');
      if (colon == std::string::npos)
        return Status::InvalidArgument("struct member without name: " + items[k]);
      QUIVER_RETURN_NOT_OK(AppendValue(b->child(static_cast<int>(k)), items[k].substr(colon + 1)));
    }
    return b->AppendStruct();
  }
  // A number.
  const bool is_float = v.find_first_of(".eEnN") != std::string::npos;
  if (is_float) {
    double d;
    if (IEquals(v, "nan")) {
      d = std::nan("");
    } else if (IEquals(v, "inf")) {
      d = INFINITY;
    } else if (IEquals(v, "-inf")) {
      d = -INFINITY;
    } else {
      d = std::stod(v);
    }
    return b->AppendDouble(d);
  }
  if (!v.empty() && v[0] != '-') {
    const uint64_t u = std::stoull(v);
    if (u > static_cast<uint64_t>(INT64_MAX)) return b->AppendUInt(u);
  }
  return b->AppendInt(std::stoll(v));
}

Result<ArrayPtr> BuildColumn(const TypePtr& type, const std::vector<std::string>& values) {
  auto b = ArrayBuilder::Make(type);
  for (const std::string& v : values) {
    Status st;
    try {
      st = AppendValue(b.get(), v);
    } catch (const std::exception& e) {
      st = Status::InvalidArgument(std::string("bad value: ") + e.what());
    }
    if (!st.ok())
      return Status::InvalidArgument("value " + v + " for " + type->ToString() + ": " + st.message());
  }
  return b->Finish();
}

struct Table {
  SchemaPtr schema;
  std::vector<std::vector<std::string>> rows;
  BatchPtr batch;
  BatchPtr sliced;  // the same rows at a non-zero offset
};

Status BuildTable(Table* t) {
  const int ncols = t->schema->num_fields();
  const int64_t n = static_cast<int64_t>(t->rows.size());
  std::vector<ArrayPtr> cols, padded;
  for (int c = 0; c < ncols; ++c) {
    std::vector<std::string> values, pad;
    for (const auto& row : t->rows) values.push_back(row[c]);
    // Padding: the rows again, reversed, before the real ones.
    for (auto it = t->rows.rbegin(); it != t->rows.rend(); ++it) pad.push_back((*it)[c]);
    pad.insert(pad.end(), values.begin(), values.end());
    pad.push_back(values.empty() ? "NULL" : values[0]);
    QUIVER_ASSIGN_OR_RETURN(ArrayPtr a, BuildColumn(t->schema->field(c).type, values));
    QUIVER_ASSIGN_OR_RETURN(ArrayPtr p, BuildColumn(t->schema->field(c).type, pad));
    cols.push_back(std::move(a));
    padded.push_back(std::move(p));
  }
  QUIVER_ASSIGN_OR_RETURN(t->batch, RecordBatch::Make(t->schema, cols));
  QUIVER_ASSIGN_OR_RETURN(BatchPtr big, RecordBatch::Make(t->schema, padded));
  t->sliced = big->Slice(n, n);
  return Status::OK();
}

BindOptions TestOptions() {
  BindOptions o;
  o.now_micros = int64_t{1717243200} * 1000000;  // 2024-06-01 12:00:00 UTC
  return o;
}

std::string Join(const Array& a, const std::vector<int64_t>& rows) {
  if (rows.empty()) return "(none)";
  std::string out;
  for (size_t i = 0; i < rows.size(); ++i) out += (i ? ", " : "") + a.FormatValue(rows[i]);
  return out;
}

std::string JoinAll(const Array& a) {
  std::string out;
  for (int64_t i = 0; i < a.length(); ++i) out += (i ? ", " : "") + a.FormatValue(i);
  return out;
}

class SqlFile {
 public:
  explicit SqlFile(fs::path path) : path_(std::move(path)) {}

  void Run() {
    std::ifstream in(path_);
    ASSERT_TRUE(in) << "cannot open " << path_;
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    size_t i = 0;
    auto next_directive = [&](const char* key, std::string* value) {
      while (i < lines.size() && (Trim(lines[i]).empty() || Trim(lines[i])[0] == '#')) ++i;
      const std::string line = i < lines.size() ? Trim(lines[i]) : "";
      const std::string prefix = std::string(key) + ":";
      if (line.rfind(prefix, 0) != 0) {
        ADD_FAILURE() << Where(i) << "expected \"" << prefix << "\"";
        return false;
      }
      *value = Trim(line.substr(prefix.size()));
      ++i;
      return true;
    };
    while (i < lines.size()) {
      const std::string line = Trim(lines[i]);
      const size_t at = i++;
      if (line.empty() || line[0] == '#') continue;
      const size_t colon = line.find(':');
      const std::string key = colon == std::string::npos ? line : line.substr(0, colon);
      const std::string arg = colon == std::string::npos ? "" : Trim(line.substr(colon + 1));
      if (key == "table") {
        table_ = Table();
        std::vector<Field> fields;
        for (const std::string& col : SplitTop(arg)) {
          const size_t sp = col.find(' ');
          auto type = ParseType(col.substr(sp + 1));
          ASSERT_TRUE(type.ok()) << Where(at) << type.status().ToString();
          fields.emplace_back(col.substr(0, sp), *type);
        }
        table_.schema = std::make_shared<const Schema>(std::move(fields));
      } else if (key == "rows") {
        while (i < lines.size()) {
          const std::string row = Trim(lines[i]);
          if (!row.empty() && row[0] != '#' && IsDirective(row)) break;
          ++i;
          if (row.empty() || row[0] == '#') continue;
          std::vector<std::string> values = SplitTop(row);
          ASSERT_EQ(values.size(), static_cast<size_t>(table_.schema->num_fields())) << Where(i - 1) << row;
          table_.rows.push_back(std::move(values));
        }
        Status st = BuildTable(&table_);
        ASSERT_TRUE(st.ok()) << Where(at) << st.ToString();
      } else if (key == "query") {
        std::string expect;
        if (!next_directive("expect", &expect)) continue;
        ++cases_;
        CheckQuery(at, arg, expect);
      } else if (key == "expr") {
        std::string type, values;
        if (i < lines.size() && Trim(lines[i]).rfind("type:", 0) == 0) {
          type = Trim(Trim(lines[i]).substr(5));
          ++i;
        }
        if (!next_directive("values", &values)) continue;
        ++cases_;
        CheckExpr(at, arg, type, values);
      } else if (key == "error" || key == "filter-error") {
        std::string message;
        if (!next_directive("message", &message)) continue;
        ++cases_;
        CheckError(at, arg, message, key == "filter-error");
      } else {
        ADD_FAILURE() << Where(at) << "unknown directive \"" << key << "\"";
      }
    }
  }

  int cases() const { return cases_; }

 private:
  static bool IsDirective(const std::string& line) {
    for (const char* k : {"table:", "rows:", "query:", "expect:", "expr:", "type:", "values:", "error:",
                          "filter-error:", "message:"}) {
      if (line.rfind(k, 0) == 0) return true;
    }
    return false;
  }

  std::string Where(size_t line) const {
    return path_.filename().string() + ":" + std::to_string(line + 1) + ": ";
  }

  void CheckQuery(size_t at, const std::string& sql, const std::string& expect) {
    ASSERT_TRUE(table_.batch) << Where(at) << "no table";
    auto pred = CompilePredicate(sql, *table_.schema, TestOptions());
    ASSERT_TRUE(pred.ok()) << Where(at) << sql << ": " << pred.status().ToString();
    for (const BatchPtr& batch : {table_.batch, table_.sliced}) {
      auto rows = SelectRows(**pred, *batch);
      ASSERT_TRUE(rows.ok()) << Where(at) << sql << ": " << rows.status().ToString();
      EXPECT_EQ(Join(*batch->column(0), *rows), expect)
          << Where(at) << sql << "\n  bound: " << (*pred)->ToString()
          << (batch == table_.sliced ? "\n  (on the sliced batch)" : "");
    }
  }

  void CheckExpr(size_t at, const std::string& sql, const std::string& type, const std::string& values) {
    ASSERT_TRUE(table_.batch) << Where(at) << "no table";
    auto e = CompileExpression(sql, *table_.schema, TestOptions());
    ASSERT_TRUE(e.ok()) << Where(at) << sql << ": " << e.status().ToString();
    if (!type.empty()) {
      EXPECT_EQ((*e)->type->ToString(), type) << Where(at) << sql;
    }
    auto expected = BuildColumn((*e)->type, SplitTop(values));
    ASSERT_TRUE(expected.ok()) << Where(at) << "values: " << expected.status().ToString();
    for (const BatchPtr& batch : {table_.batch, table_.sliced}) {
      auto got = Evaluate(**e, *batch);
      ASSERT_TRUE(got.ok()) << Where(at) << sql << ": " << got.status().ToString();
      ASSERT_TRUE((*got)->Validate().ok()) << Where(at) << (*got)->Validate().ToString();
      EXPECT_TRUE((*got)->Equals(**expected))
          << Where(at) << sql << "\n  bound:    " << (*e)->ToString() << "\n  got:      " << JoinAll(**got)
          << "\n  expected: " << JoinAll(**expected)
          << (batch == table_.sliced ? "\n  (on the sliced batch)" : "");
    }
  }

  void CheckError(size_t at, const std::string& sql, const std::string& message, bool filter) {
    ASSERT_TRUE(table_.schema) << Where(at) << "no table";
    Status st;
    auto e = filter ? CompilePredicate(sql, *table_.schema, TestOptions())
                    : CompileExpression(sql, *table_.schema, TestOptions());
    if (!e.ok()) {
      st = e.status();
    } else if (table_.batch) {
      st = Evaluate(**e, *table_.batch).status();
    }
    ASSERT_FALSE(st.ok()) << Where(at) << sql << " succeeded";
    EXPECT_NE(st.message().find(message), std::string::npos)
        << Where(at) << sql << "\n  message:  " << st.message() << "\n  expected: " << message;
  }

  fs::path path_;
  Table table_;
  int cases_ = 0;
};

TEST(SqlTest, TestDataFiles) {
  const fs::path dir = TestDataDir();
  ASSERT_TRUE(fs::is_directory(dir)) << dir;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".test") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  ASSERT_FALSE(files.empty());
  int total = 0;
  for (const fs::path& f : files) {
    SCOPED_TRACE(f.filename().string());
    SqlFile file(f);
    file.Run();
    total += file.cases();
  }
  std::cout << "[ sql      ] " << total << " cases in " << files.size() << " files\n";
}

}  // namespace
}  // namespace quiver::expr
