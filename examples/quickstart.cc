// Quiver in a few lines: create a table, append, count, scan, time-travel.
// Usage: quickstart_example <directory>
#include <iostream>

#include "quiver/quiver.h"

using namespace quiver;

// Three rows: id int64, text utf8, vector fixed_size_list<float32>[4].
Result<BatchPtr> MakeRows(int64_t first_id) {
  auto schema = std::make_shared<Schema>(
      std::vector<Field>{Field("id", int64()), Field("text", utf8()), Field("vector", vector_type(4))});
  auto id = ArrayBuilder::Make(int64()), text = ArrayBuilder::Make(utf8()),
       vec = ArrayBuilder::Make(vector_type(4));
  for (int64_t i = first_id; i < first_id + 3; ++i) {
    float v[4] = {float(i), 0.5f, -1.0f, 2.0f};
    QUIVER_RETURN_NOT_OK(id->AppendInt(i));
    QUIVER_RETURN_NOT_OK(text->AppendString("row " + std::to_string(i)));
    QUIVER_RETURN_NOT_OK(vec->AppendVector(v, 4));
  }
  return RecordBatch::Make(schema, {id->Finish(), text->Finish(), vec->Finish()});
}

Status Run(const std::string& dir) {
  QUIVER_ASSIGN_OR_RETURN(ConnectionPtr db, Connect(dir));
  QUIVER_ASSIGN_OR_RETURN(BatchPtr rows, MakeRows(0));
  CreateTableOptions create;
  create.mode = CreateMode::kOverwrite;  // rerunnable
  QUIVER_ASSIGN_OR_RETURN(TablePtr table, db->CreateTable("items", {rows}, create));
  QUIVER_ASSIGN_OR_RETURN(BatchPtr more, MakeRows(3));
  QUIVER_ASSIGN_OR_RETURN(uint64_t version, table->Add({more}));
  QUIVER_ASSIGN_OR_RETURN(int64_t count, table->CountRows());
  std::cout << "version " << version << ": " << count << " rows\n";

  QUIVER_ASSIGN_OR_RETURN(BatchPtr scan, table->Scan().Columns({"id", "text"}).Limit(4).ToBatch());
  for (int64_t i = 0; i < scan->num_rows(); ++i) {
    std::cout << scan->column(0)->FormatValue(i) << "  " << scan->column(1)->FormatValue(i) << '\n';
  }
  QUIVER_ASSIGN_OR_RETURN(auto versions, table->ListVersions());
  for (const VersionInfo& v : versions) std::cout << "v" << v.version << " " << v.operation << '\n';

  QUIVER_RETURN_NOT_OK(table->Checkout(1));  // time travel: read version 1
  QUIVER_ASSIGN_OR_RETURN(int64_t old_count, table->CountRows());
  std::cout << "version " << table->version() << ": " << old_count << " rows\n";
  return old_count == 3 && count == 6 ? Status::OK() : Status::Internal("unexpected row counts");
}

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: " << argv[0] << " <directory>\n";
    return 2;
  }
  Status status = Run(argv[1]);
  if (!status.ok()) std::cerr << status.ToString() << '\n';
  return status.ok() ? 0 : 1;
}
