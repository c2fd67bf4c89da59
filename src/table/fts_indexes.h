// A table's full-text indexes: building and updating them from a text
// column, and the in-memory segments that make rows added since a build
// searchable at once.
//
// Thread-safety: plain functions over immutable snapshots.
#pragma once

#include <roaring/roaring64map.hh>

#include <memory>
#include <string>
#include <vector>

#include "index/fts/analyzer.h"
#include "index/fts/segment.h"
#include "quiver/table.h"
#include "table/snapshot.h"

namespace quiver {

index::fts::AnalyzerOptions ToAnalyzerOptions(const IndexOptions::Fts& options);

// Builds an FTS index over schema field `field` of `snap` (its live rows)
// into `prefix`; returns the details JSON for the manifest. InvalidArgument
// when the column is not text or the options are invalid.
Result<std::string> BuildFtsIndexFiles(const Snapshot& snap, int field, const IndexOptions& options,
                                       const std::string& prefix);

// The index `meta` without `removed` rows, with the rows of `fragments`
// added (analyzed with the index's own settings), into `prefix`; returns the
// details.
Result<std::string> UpdateFtsIndexFiles(const Snapshot& snap, const IndexMeta& meta, int field,
                                        const std::vector<uint64_t>& fragments, const Roaring64Map& removed,
                                        const std::string& prefix);

// Settings and size of an FTS index, for ListIndices.
Status DescribeFtsIndex(const IndexMeta& meta, IndexInfo* info);

// The live rows of `fragments` (field `field`) as an in-memory segment.
Result<std::shared_ptr<const index::fts::MemorySegment>> TextSegmentOf(
    const Snapshot& snap, int field, const std::vector<const Fragment*>& fragments,
    const index::fts::Analyzer& analyzer, bool positions);

}  // namespace quiver
