#include "table/fts_indexes.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "common/thread_pool.h"
#include "index/fts/fts_index.h"
#include "table/scan_reader.h"

namespace quiver {
namespace {

// Analyzes the live rows of `fragments` (all when unset) into `builder`.
Status AddRows(const Snapshot& snap, int field, std::optional<std::vector<uint64_t>> fragments,
               index::fts::SegmentBuilder* builder, const IndexProgressFn& progress) {
  const int64_t total = LiveRows(snap, fragments);
  QUIVER_ASSIGN_OR_RETURN(auto reader,
                          OpenColumnScan(std::make_shared<Snapshot>(snap), field, std::move(fragments)));
  for (;;) {
    QUIVER_ASSIGN_OR_RETURN(BatchPtr batch, reader->Next());
    if (batch == nullptr) break;
    const ArrayPtr& ids = batch->column(1);
    QUIVER_RETURN_NOT_OK(builder->AddBatch(
        *batch->column(0),
        std::span<const uint64_t>(ids->values<uint64_t>(), static_cast<size_t>(ids->length()))));
    if (progress) progress("analyzing", builder->num_docs(), static_cast<uint64_t>(total));
  }
  return Status::OK();
}

Status CheckTextColumn(const Field& f) {
  const DataType* t = f.type.get();
  if (t->id() == TypeId::kList || t->id() == TypeId::kLargeList) t = t->value_type().get();
  if (t->id() != TypeId::kUtf8 && t->id() != TypeId::kLargeUtf8) {
    return Status::InvalidArgument("FTS indexes need a text column (utf8, large_utf8 or a list of them); \"" +
                                   f.name + "\" is " + f.type->ToString());
  }
  return Status::OK();
}

}  // namespace

index::fts::AnalyzerOptions ToAnalyzerOptions(const IndexOptions::Fts& options) {
  index::fts::AnalyzerOptions out;
  out.tokenizer = options.base_tokenizer;
  out.language = options.language;
  out.lower_case = options.lower_case;
  out.stem = options.stem;
  out.remove_stop_words = options.remove_stop_words;
  out.ascii_folding = options.ascii_folding;
  out.max_token_length = options.max_token_length;
  out.ngram_min = options.ngram_min_length;
  out.ngram_max = options.ngram_max_length;
  out.prefix_only = options.prefix_only;
  return out;
}

Result<std::string> BuildFtsIndexFiles(const Snapshot& snap, int field, const IndexOptions& options,
                                       const std::string& prefix) {
  const Field& f = snap.schema().field(field);
  QUIVER_RETURN_NOT_OK(CheckTextColumn(f));
  const index::fts::AnalyzerOptions analyzer_options = ToAnalyzerOptions(options.fts);
  QUIVER_ASSIGN_OR_RETURN(auto analyzer, index::fts::Analyzer::Make(analyzer_options));
  index::fts::SegmentBuilder builder(analyzer.get(), options.fts.with_position, DefaultThreadPool());
  QUIVER_RETURN_NOT_OK(AddRows(snap, field, std::nullopt, &builder, options.build_progress));
  if (options.build_progress) options.build_progress("writing", 0, 1);
  auto segment = builder.Finish();
  QUIVER_ASSIGN_OR_RETURN(
      index::fts::FtsIndexMeta meta,
      index::fts::WriteFtsIndex(*segment, analyzer->options(), *snap.files->store(), prefix));
  if (options.build_progress) options.build_progress("writing", 1, 1);
  return meta.ToJson().dump();
}

Result<std::string> UpdateFtsIndexFiles(const Snapshot& snap, const IndexMeta& meta, int field,
                                        const std::vector<uint64_t>& fragments, const Roaring64Map& removed,
                                        const std::string& prefix) {
  QUIVER_ASSIGN_OR_RETURN(auto existing, snap.files->OpenFtsIndex(meta));
  const bool positions = existing->has_positions();
  // The old documents that stay, renumbered, with their postings.
  const auto row_ids = existing->row_ids();
  const auto lengths = existing->lengths();
  std::vector<uint32_t> new_number(row_ids.size(), index::fts::kNoDoc);
  std::vector<uint64_t> kept_ids;
  std::vector<uint32_t> kept_lengths;
  for (size_t d = 0; d < row_ids.size(); ++d) {
    if (removed.contains(row_ids[d])) continue;
    new_number[d] = static_cast<uint32_t>(kept_ids.size());
    kept_ids.push_back(row_ids[d]);
    kept_lengths.push_back(lengths[d]);
  }
  QUIVER_ASSIGN_OR_RETURN(auto terms, index::fts::DecodeSegment(*existing));
  for (auto& [term, raw] : terms) {
    index::fts::RawPostings kept;
    size_t pos = 0;
    for (size_t i = 0; i < raw.docs.size(); ++i) {
      const uint32_t to = new_number[raw.docs[i]];
      if (to != index::fts::kNoDoc) {
        kept.docs.push_back(to);
        kept.tfs.push_back(raw.tfs[i]);
        if (positions) {
          kept.positions.insert(kept.positions.end(), raw.positions.begin() + static_cast<int64_t>(pos),
                                raw.positions.begin() + static_cast<int64_t>(pos + raw.tfs[i]));
        }
      }
      pos += raw.tfs[i];
    }
    raw = std::move(kept);
  }
  std::erase_if(terms, [](const auto& t) { return t.second.docs.empty(); });
  index::fts::SegmentBuilder builder(&existing->analyzer(), positions, DefaultThreadPool());
  builder.AddDecoded(kept_ids, kept_lengths, std::move(terms));
  if (!fragments.empty()) QUIVER_RETURN_NOT_OK(AddRows(snap, field, fragments, &builder, nullptr));
  auto segment = builder.Finish();
  QUIVER_ASSIGN_OR_RETURN(
      index::fts::FtsIndexMeta updated,
      index::fts::WriteFtsIndex(*segment, existing->meta().analyzer, *snap.files->store(), prefix));
  return updated.ToJson().dump();
}

Status DescribeFtsIndex(const IndexMeta& meta, IndexInfo* info) {
  try {
    QUIVER_ASSIGN_OR_RETURN(auto details,
                            index::fts::FtsIndexMeta::FromJson(nlohmann::json::parse(meta.details)));
    info->size_bytes = details.size_bytes;
    nlohmann::json params = details.analyzer.ToJson();
    params["with_position"] = details.with_position;
    params["num_terms"] = details.num_terms;
    info->details = params.dump();
  } catch (const nlohmann::json::exception& e) {
    return Status::Corruption("malformed details in the manifest: " + std::string(e.what()));
  }
  return Status::OK();
}

Result<std::shared_ptr<const index::fts::MemorySegment>> TextSegmentOf(
    const Snapshot& snap, int field, const std::vector<const Fragment*>& fragments,
    const index::fts::Analyzer& analyzer, bool positions) {
  std::vector<uint64_t> ids;
  for (const Fragment* f : fragments) ids.push_back(f->id);
  index::fts::SegmentBuilder builder(&analyzer, positions, DefaultThreadPool());
  QUIVER_RETURN_NOT_OK(AddRows(snap, field, ids, &builder, nullptr));
  return std::shared_ptr<const index::fts::MemorySegment>(builder.Finish());
}

}  // namespace quiver
