#include "convert/csv_reader.h"

#include <algorithm>
#include <deque>
#include <unordered_map>

#include "convert/json_convert.h"
#include "convert/text_util.h"
#include "quiver/builder.h"

namespace quiver::convert {

namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

std::string LinePrefix(int64_t line) { return "line " + std::to_string(line) + ": "; }

}  // namespace

// ---------------------------------------------------------------------------
// Parser

CsvParser::CsvParser(InputFile* in, char delimiter) : in_(in), delimiter_(delimiter) {
  special_[static_cast<unsigned char>(delimiter)] = true;
  special_[static_cast<unsigned char>('\n')] = true;
  special_[static_cast<unsigned char>('\r')] = true;
}

Result<CsvParser::Parse> CsvParser::ParseRecord(std::string_view w, size_t* consumed, int64_t* newlines) {
  spans_.clear();
  scratch_.clear();
  *newlines = 0;
  const bool eof = in_->at_eof();
  const size_t n = w.size();
  size_t i = 0;
  while (true) {
    Span span{0, 0, false, false};
    if (i < n && w[i] == '"') {
      span.quoted = true;
      ++i;
      const size_t start = i;
      bool escaped = false;
      while (true) {
        size_t q = w.find('"', i);
        if (q == std::string_view::npos) {
          if (eof) {
            return Status::InvalidArgument(LinePrefix(line_) +
                                           "unterminated quoted field (the file ends inside quotes)");
          }
          return Parse::kNeedMore;
        }
        if (q + 1 == n && !eof) return Parse::kNeedMore;  // a doubled quote may follow
        *newlines += std::count(w.begin() + i, w.begin() + q, '\n');
        if (q + 1 < n && w[q + 1] == '"') {
          if (!escaped) {
            escaped = true;
            span.begin = scratch_.size();
            scratch_.append(w.substr(start, q + 1 - start));
          } else {
            scratch_.append(w.substr(i, q + 1 - i));
          }
          i = q + 2;
          continue;
        }
        if (escaped) {
          scratch_.append(w.substr(i, q - i));
          span.size = scratch_.size() - span.begin;
          span.in_scratch = true;
        } else {
          span.begin = start;
          span.size = q - start;
        }
        i = q + 1;
        break;
      }
      if (i < n && !special_[static_cast<unsigned char>(w[i])]) {
        return Status::InvalidArgument(LinePrefix(line_ + *newlines) + "unexpected character '" +
                                       std::string(1, w[i]) + "' after a closing quote");
      }
    } else {
      const size_t start = i;
      while (i < n && !special_[static_cast<unsigned char>(w[i])]) ++i;
      span.begin = start;
      span.size = i - start;
    }
    spans_.push_back(span);
    if (i == n) {
      if (!eof) return Parse::kNeedMore;
      *consumed = i;
      return Parse::kComplete;
    }
    const char c = w[i];
    if (c == delimiter_) {
      ++i;
      if (i == n && !eof) return Parse::kNeedMore;
      continue;
    }
    if (c == '\r') {
      if (i + 1 == n && !eof) return Parse::kNeedMore;
      i += (i + 1 < n && w[i + 1] == '\n') ? 2 : 1;
    } else {  // '\n'
      ++i;
    }
    *consumed = i;
    return Parse::kComplete;
  }
}

Result<bool> CsvParser::Next(std::vector<CsvField>* fields, int64_t* line) {
  while (true) {
    std::string_view w = in_->window();
    if (first_) {
      if (w.size() < kUtf8Bom.size() && !in_->at_eof()) {
        QUIVER_RETURN_NOT_OK(in_->Refill().status());
        continue;
      }
      first_ = false;
      if (w.starts_with(kUtf8Bom)) {
        in_->Consume(kUtf8Bom.size());
        continue;
      }
    }
    if (w.empty()) {
      if (in_->at_eof()) return false;
      QUIVER_RETURN_NOT_OK(in_->Refill().status());
      continue;
    }
    size_t consumed = 0;
    int64_t newlines = 0;
    QUIVER_ASSIGN_OR_RETURN(Parse parse, ParseRecord(w, &consumed, &newlines));
    if (parse == Parse::kNeedMore) {
      QUIVER_RETURN_NOT_OK(in_->Refill().status());
      continue;
    }
    in_->Consume(consumed);
    *line = line_;
    line_ += 1 + newlines;
    if (spans_.size() == 1 && spans_[0].size == 0 && !spans_[0].quoted) continue;  // an empty line
    fields->resize(spans_.size());
    for (size_t f = 0; f < spans_.size(); ++f) {
      const Span& s = spans_[f];
      const char* base = s.in_scratch ? scratch_.data() : w.data();
      (*fields)[f] = CsvField{std::string_view(base + s.begin, s.size), s.quoted};
    }
    return true;
  }
}

// ---------------------------------------------------------------------------
// Inference

namespace {

// What the values of one column seen so far have in common.
struct CsvColumnInference {
  enum class Kind { kNull, kInt, kFloat, kBool, kVector, kString };
  Kind kind = Kind::kNull;
  int64_t dim = 0;
  int64_t dim_line = 0;

  Status Add(const CsvField& field, std::string_view name, int64_t line, std::vector<float>* scratch) {
    if (field.text.empty() || kind == Kind::kString) return Status::OK();
    Kind k;
    int64_t i;
    double d;
    bool b;
    if (ParseInt64(field.text, &i)) {
      k = Kind::kInt;
    } else if (ParseFloat(field.text, &d)) {
      k = Kind::kFloat;
    } else if (ParseBool(field.text, &b)) {
      k = Kind::kBool;
    } else if (ParseFloatList(field.text, scratch)) {
      k = Kind::kVector;
    } else {
      k = Kind::kString;
    }
    if (k == Kind::kVector) {
      const int64_t n = static_cast<int64_t>(scratch->size());
      if (kind == Kind::kNull) {
        dim = n;
        dim_line = line;
      } else if (kind == Kind::kVector && n != dim) {
        return Status::InvalidArgument(LinePrefix(line) + "column \"" + std::string(name) +
                                       "\": vector has " + std::to_string(n) + " values, expected " +
                                       std::to_string(dim) + " (the length on line " +
                                       std::to_string(dim_line) + ")");
      }
    }
    if (kind == Kind::kNull || kind == k) {
      kind = k;
    } else if ((kind == Kind::kInt && k == Kind::kFloat) || (kind == Kind::kFloat && k == Kind::kInt)) {
      kind = Kind::kFloat;
    } else {
      kind = Kind::kString;
    }
    return Status::OK();
  }

  TypePtr ToType() const {
    switch (kind) {
      case Kind::kInt:
        return int64();
      case Kind::kFloat:
        return float64();
      case Kind::kBool:
        return boolean();
      case Kind::kVector:
        return vector_type(static_cast<int32_t>(dim));
      default:
        return utf8();
    }
  }
};

// A record kept for after inference: its fields copied into one string.
struct SavedRecord {
  int64_t line;
  std::string data;
  std::vector<uint32_t> ends;
  std::vector<bool> quoted;

  void Save(const std::vector<CsvField>& fields, int64_t at) {
    line = at;
    for (const CsvField& f : fields) {
      data.append(f.text);
      ends.push_back(static_cast<uint32_t>(data.size()));
      quoted.push_back(f.quoted);
    }
  }
  void Restore(std::vector<CsvField>* fields) const {
    fields->resize(ends.size());
    uint32_t begin = 0;
    for (size_t i = 0; i < ends.size(); ++i) {
      (*fields)[i] = CsvField{std::string_view(data).substr(begin, ends[i] - begin), quoted[i]};
      begin = ends[i];
    }
  }
};

// How the text of one CSV column becomes values of its type.
enum class Conversion {
  kInteger,
  kUnsigned,
  kFloating,
  kBool,
  kString,
  kTemporal,
  kFloatVector,
  kJson,
  kNullOnly
};

Conversion ConversionFor(const DataType& type) {
  switch (type.id()) {
    case TypeId::kInt8:
    case TypeId::kInt16:
    case TypeId::kInt32:
    case TypeId::kInt64:
    case TypeId::kUInt8:
    case TypeId::kUInt16:
    case TypeId::kUInt32:
      return Conversion::kInteger;
    case TypeId::kTimestamp:
    case TypeId::kDate32:
      return Conversion::kTemporal;
    case TypeId::kUInt64:
      return Conversion::kUnsigned;
    case TypeId::kFloat16:
    case TypeId::kFloat32:
    case TypeId::kFloat64:
      return Conversion::kFloating;
    case TypeId::kBool:
      return Conversion::kBool;
    case TypeId::kUtf8:
    case TypeId::kLargeUtf8:
    case TypeId::kBinary:
    case TypeId::kLargeBinary:
      return Conversion::kString;
    case TypeId::kFixedSizeList:
      return (type.value_type()->id() == TypeId::kFloat32 || type.value_type()->id() == TypeId::kFloat16)
                 ? Conversion::kFloatVector
                 : Conversion::kJson;
    case TypeId::kList:
    case TypeId::kLargeList:
    case TypeId::kStruct:
      return Conversion::kJson;
    case TypeId::kNull:
      return Conversion::kNullOnly;
  }
  return Conversion::kJson;
}

class CsvFileReader final : public FileReader {
 public:
  CsvFileReader(std::unique_ptr<InputFile> file, char delimiter, const FileReadOptions& options)
      : file_(std::move(file)), parser_(file_.get(), delimiter), options_(options) {}

  Status Init() {
    int64_t line = 0;
    QUIVER_ASSIGN_OR_RETURN(bool more, parser_.Next(&fields_, &line));
    if (!more) return Status::InvalidArgument(file_->path() + " is empty: a CSV file needs a header row");
    std::vector<std::string> names;
    for (size_t i = 0; i < fields_.size(); ++i) {
      std::string name(TrimSpace(fields_[i].text));
      if (name.empty()) name = "column_" + std::to_string(i + 1);
      if (std::find(names.begin(), names.end(), name) != names.end()) {
        return Status::InvalidArgument("line " + std::to_string(line) + ": the header names column \"" +
                                       name + "\" twice");
      }
      names.push_back(std::move(name));
    }
    num_fields_ = names.size();
    if (options_.schema) {
      schema_ = options_.schema;
      for (const std::string& name : names) {
        int index = schema_->FieldIndex(name);
        if (index < 0) {
          std::string known;
          for (const Field& f : schema_->fields()) known += (known.empty() ? "" : ", ") + f.name;
          return Status::InvalidArgument("CSV column \"" + name +
                                         "\" is not in the schema (columns: " + known + ")");
        }
        target_.push_back(index);
      }
      for (int i = 0; i < schema_->num_fields(); ++i) {
        const Field& field = schema_->field(i);
        if (std::find(target_.begin(), target_.end(), i) == target_.end() && !field.nullable) {
          return Status::InvalidArgument("column \"" + field.name +
                                         "\" is not nullable but the CSV file has no such column");
        }
      }
    } else {
      std::vector<CsvColumnInference> columns(num_fields_);
      const int64_t infer_rows = std::max<int64_t>(1, options_.infer_rows);
      while (static_cast<int64_t>(lookahead_.size()) < infer_rows) {
        QUIVER_ASSIGN_OR_RETURN(more, parser_.Next(&fields_, &line));
        if (!more) break;
        QUIVER_RETURN_NOT_OK(CheckFieldCount(line));
        for (size_t c = 0; c < num_fields_; ++c) {
          QUIVER_RETURN_NOT_OK(columns[c].Add(fields_[c], names[c], line, &scratch_));
        }
        lookahead_.emplace_back().Save(fields_, line);
      }
      std::vector<Field> schema_fields;
      for (size_t c = 0; c < num_fields_; ++c) {
        schema_fields.emplace_back(names[c], columns[c].ToType());
        target_.push_back(static_cast<int>(c));
      }
      schema_ = std::make_shared<Schema>(std::move(schema_fields));
    }
    in_file_.assign(schema_->num_fields(), false);
    for (int c : target_) in_file_[c] = true;
    for (const Field& f : schema_->fields()) {
      builders_.push_back(ArrayBuilder::Make(f.type));
      conversions_.push_back(ConversionFor(*f.type));
    }
    return Status::OK();
  }

  const SchemaPtr& schema() const override { return schema_; }
  int64_t bytes_read() const override { return file_->position(); }
  int64_t total_bytes() const override { return file_->size(); }

  Result<BatchPtr> Next() override {
    if (!error_.ok()) return error_;
    const int64_t batch_size = std::max<int64_t>(1, options_.batch_size);
    int64_t rows = 0;
    while (!done_ && rows < batch_size) {
      int64_t line = 0;
      if (!lookahead_.empty()) {
        lookahead_.front().Restore(&fields_);
        line = lookahead_.front().line;
        Status st = AppendRecord(line);
        lookahead_.pop_front();
        if (!st.ok()) return Fail(st);
      } else {
        Result<bool> more = parser_.Next(&fields_, &line);
        if (!more.ok()) return Fail(more.status());
        if (!*more) {
          done_ = true;
          break;
        }
        Status st = CheckFieldCount(line);
        if (st.ok()) st = AppendRecord(line);
        if (!st.ok()) return Fail(st);
      }
      ++rows;
    }
    if (rows == 0) return BatchPtr();
    std::vector<ArrayPtr> columns;
    columns.reserve(builders_.size());
    for (size_t i = 0; i < builders_.size(); ++i) {
      if (in_file_[i]) {
        columns.push_back(builders_[i]->Finish());
      } else {
        columns.push_back(MakeNullArray(schema_->field(static_cast<int>(i)).type, rows));
      }
    }
    return std::make_shared<const RecordBatch>(schema_, rows, std::move(columns));
  }

 private:
  Status Fail(Status st) {
    error_ = st;
    return st;
  }

  Status CheckFieldCount(int64_t line) const {
    if (fields_.size() == num_fields_) return Status::OK();
    return Status::InvalidArgument(LinePrefix(line) + "expected " + std::to_string(num_fields_) +
                                   " fields (as in the header), got " + std::to_string(fields_.size()));
  }

  Status ValueError(int64_t line, int column, const CsvField& f) const {
    const Field& field = schema_->field(column);
    std::string text(Utf8Prefix(f.text, 40));
    if (text.size() < f.text.size()) text += "…";
    return Status::InvalidArgument(LinePrefix(line) + "column \"" + field.name + "\": expected " +
                                   field.type->ToString() + ", got \"" + text + "\"");
  }

  Status BuilderError(int64_t line, int column, const Status& st) const {
    return Status::InvalidArgument(LinePrefix(line) + "column \"" + schema_->field(column).name +
                                   "\": " + st.message());
  }

  Status AppendRecord(int64_t line) {
    for (size_t c = 0; c < num_fields_; ++c) {
      const int column = target_[c];
      Status st = AppendField(fields_[c], column, line);
      if (!st.ok()) return st;
    }
    return Status::OK();
  }

  Status AppendField(const CsvField& f, int column, int64_t line) {
    ArrayBuilder* b = builders_[column].get();
    const Conversion conversion = conversions_[column];
    if (f.text.empty() && !(f.quoted && conversion == Conversion::kString)) {
      if (!schema_->field(column).nullable) {
        return Status::InvalidArgument(LinePrefix(line) + "column \"" + schema_->field(column).name +
                                       "\" is not nullable, got an empty field");
      }
      Status st = b->AppendNull();
      return st.ok() ? st : BuilderError(line, column, st);
    }
    Status st;
    switch (conversion) {
      case Conversion::kInteger: {
        int64_t v;
        double d;
        if (ParseInt64(f.text, &v)) {
          st = b->AppendInt(v);
        } else if (ParseFloat(f.text, &d)) {
          st = b->AppendDouble(d);
        } else {
          return ValueError(line, column, f);
        }
        break;
      }
      case Conversion::kUnsigned: {
        uint64_t v;
        double d;
        if (ParseUInt64(f.text, &v)) {
          st = b->AppendUInt(v);
        } else if (ParseFloat(f.text, &d)) {
          st = b->AppendDouble(d);
        } else {
          return ValueError(line, column, f);
        }
        break;
      }
      case Conversion::kFloating: {
        double d;
        if (!ParseFloat(f.text, &d)) return ValueError(line, column, f);
        st = b->AppendDouble(d);
        break;
      }
      case Conversion::kBool: {
        bool v;
        if (!ParseBool(f.text, &v)) return ValueError(line, column, f);
        st = b->AppendBool(v);
        break;
      }
      case Conversion::kString:
        st = b->AppendString(f.text);
        break;
      case Conversion::kTemporal: {
        // An integer in the column's unit, or ISO 8601 text.
        int64_t v;
        st = ParseInt64(f.text, &v) ? b->AppendInt(v) : b->AppendString(TrimSpace(f.text));
        break;
      }
      case Conversion::kFloatVector:
        if (ParseFloatList(f.text, &scratch_)) {
          const int32_t dim = schema_->field(column).type->list_size();
          if (static_cast<int64_t>(scratch_.size()) != dim) {
            return Status::InvalidArgument(LinePrefix(line) + "column \"" + schema_->field(column).name +
                                           "\": vector has " + std::to_string(scratch_.size()) +
                                           " values, expected " + std::to_string(dim));
          }
          st = b->AppendVector(scratch_.data(), dim);
          break;
        }
        [[fallthrough]];  // not a plain list of numbers (nulls?): the JSON path explains
      case Conversion::kJson: {
        Json value;
        try {
          value = Json::parse(f.text.begin(), f.text.end());
        } catch (const Json::exception&) {
          return ValueError(line, column, f);
        }
        const Field& field = schema_->field(column);
        st = AppendJsonValue(value, field, b, JsonPath{nullptr, field.name}, &scratch_);
        if (!st.ok()) return Status::InvalidArgument(LinePrefix(line) + st.message());
        return st;
      }
      case Conversion::kNullOnly:
        return ValueError(line, column, f);
    }
    return st.ok() ? st : BuilderError(line, column, st);
  }

  std::unique_ptr<InputFile> file_;
  CsvParser parser_;
  FileReadOptions options_;
  SchemaPtr schema_;
  size_t num_fields_ = 0;
  std::vector<int> target_;    // per CSV column, its schema column
  std::vector<bool> in_file_;  // per schema column, whether the file has it
  std::vector<std::unique_ptr<ArrayBuilder>> builders_;
  std::vector<Conversion> conversions_;
  std::deque<SavedRecord> lookahead_;
  std::vector<CsvField> fields_;
  std::vector<float> scratch_;
  Status error_;
  bool done_ = false;
};

}  // namespace

Result<std::unique_ptr<FileReader>> OpenCsvReader(std::unique_ptr<InputFile> file, char delimiter,
                                                  const FileReadOptions& options) {
  auto reader = std::make_unique<CsvFileReader>(std::move(file), delimiter, options);
  QUIVER_RETURN_NOT_OK(reader->Init());
  return std::unique_ptr<FileReader>(std::move(reader));
}

}  // namespace quiver::convert
