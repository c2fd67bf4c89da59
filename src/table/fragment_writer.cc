#include "table/fragment_writer.h"

#include <memory>

#include "common/thread_pool.h"
#include "table/commit.h"

namespace quiver {

Result<BatchPtr> ConformBatch(const SchemaPtr& target, const BatchPtr& batch) {
  const Schema& given = *batch->schema();
  QUIVER_RETURN_NOT_OK(target->CheckCompatible(given));
  std::vector<ArrayPtr> columns;
  columns.reserve(target->num_fields());
  for (const Field& field : target->fields()) {
    ArrayPtr column = batch->GetColumn(field.name);
    if (column == nullptr) {
      return Status::InvalidArgument("data has no column \"" + field.name + "\" (" + field.type->ToString() +
                                     ")");
    }
    if (!field.nullable && column->null_count() > 0) {
      return Status::InvalidArgument("column \"" + field.name + "\" is not nullable, but the data has " +
                                     std::to_string(column->null_count()) + " null values");
    }
    columns.push_back(std::move(column));
  }
  return std::make_shared<RecordBatch>(target, batch->num_rows(), std::move(columns));
}

void DeleteFiles(TableFiles& files, const std::vector<std::string>& keys) {
  for (const std::string& key : keys) (void)files.store()->Delete(files.Key(key));
}

namespace {

// One data file in progress: its writer and the fragment it will become.
struct OpenFile {
  std::unique_ptr<DataFileWriter> writer;
  std::string key;
};

Result<WrittenFragments> WriteAll(TableFiles& files, const SchemaPtr& schema,
                                  const std::vector<int32_t>& field_ids, BatchReader& data,
                                  const WriteOptions& options, WrittenFragments& out, OpenFile& open) {
  QUIVER_ASSIGN_OR_RETURN(Compression compression, ParseCompression(options.compression));
  DataFileOptions file_options;
  file_options.compression = compression;
  // Pages are encoded and compressed on the shared pool (what the table
  // layer passes to all its parallel work).
  file_options.executor = DefaultThreadPool();
  const int64_t max_rows = std::max<int64_t>(1, options.max_rows_per_file);

  auto finish_file = [&]() -> Status {
    QUIVER_ASSIGN_OR_RETURN(DataFileMetadata meta, open.writer->Finish());
    open.writer.reset();
    Fragment fragment;
    fragment.physical_rows = meta.num_rows;
    fragment.files.push_back({open.key, field_ids, meta.file_size});
    out.fragments.push_back(std::move(fragment));
    out.keys.push_back(open.key);
    return Status::OK();
  };

  for (;;) {
    QUIVER_ASSIGN_OR_RETURN(BatchPtr batch, data.Next());
    if (batch == nullptr) break;
    QUIVER_ASSIGN_OR_RETURN(batch, ConformBatch(schema, batch));
    int64_t done = 0;
    while (done < batch->num_rows()) {
      if (open.writer == nullptr) {
        open.key = "data/" + NewUniqueId() + ".qvd";
        QUIVER_ASSIGN_OR_RETURN(
            open.writer, DataFileWriter::Open(files.store(), files.Key(open.key), schema, file_options));
      }
      const int64_t room = max_rows - open.writer->num_rows();
      const int64_t n = std::min(room, batch->num_rows() - done);
      BatchPtr part = (done == 0 && n == batch->num_rows()) ? batch : batch->Slice(done, n);
      QUIVER_RETURN_NOT_OK(open.writer->Write(*part));
      done += n;
      out.rows += n;
      if (open.writer->num_rows() >= max_rows) QUIVER_RETURN_NOT_OK(finish_file());
    }
    if (options.progress) options.progress(out.rows);
  }
  if (open.writer != nullptr && open.writer->num_rows() > 0) QUIVER_RETURN_NOT_OK(finish_file());
  return std::move(out);
}

}  // namespace

Result<WrittenFragments> WriteFragments(TableFiles& files, const SchemaPtr& schema,
                                        const std::vector<int32_t>& field_ids, BatchReader& data,
                                        const WriteOptions& options) {
  WrittenFragments out;
  OpenFile open;
  auto result = WriteAll(files, schema, field_ids, data, options, out, open);
  if (!result.ok()) {
    if (open.writer != nullptr) open.writer->Abort();
    DeleteFiles(files, out.keys);
  }
  return result;
}

}  // namespace quiver
