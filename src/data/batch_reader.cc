#include "quiver/batch_reader.h"

namespace quiver {

Result<std::vector<BatchPtr>> BatchReader::ReadAll() {
  std::vector<BatchPtr> out;
  for (;;) {
    QUIVER_ASSIGN_OR_RETURN(BatchPtr batch, Next());
    if (!batch) return out;
    out.push_back(std::move(batch));
  }
}

namespace {

class VectorBatchReader final : public BatchReader {
 public:
  VectorBatchReader(SchemaPtr schema, std::vector<BatchPtr> batches)
      : schema_(std::move(schema)), batches_(std::move(batches)) {}

  const SchemaPtr& schema() const override { return schema_; }

  Result<BatchPtr> Next() override {
    if (next_ >= batches_.size()) return BatchPtr();
    BatchPtr batch = std::move(batches_[next_]);
    size_t index = next_++;
    if (!batch) return Status::InvalidArgument("batch " + std::to_string(index) + " is null");
    if (!batch->schema()->Equals(*schema_)) {
      return Status::InvalidArgument("batch " + std::to_string(index) +
                                     " does not match the reader's schema: expected\n" + schema_->ToString() +
                                     "\ngot\n" + batch->schema()->ToString());
    }
    return batch;
  }

 private:
  SchemaPtr schema_;
  std::vector<BatchPtr> batches_;
  size_t next_ = 0;
};

}  // namespace

std::unique_ptr<BatchReader> MakeBatchReader(SchemaPtr schema, std::vector<BatchPtr> batches) {
  return std::make_unique<VectorBatchReader>(std::move(schema), std::move(batches));
}

}  // namespace quiver
