// Deletion files: which physical rows of a fragment are deleted, as a
// serialised Roaring bitmap of row offsets. Layout in docs/format.md
// ("Deletion files").
//
// Thread-safety: plain functions.
#pragma once

#include <roaring/roaring.hh>

#include <string>
#include <string_view>

#include "quiver/status.h"

namespace quiver {

std::string EncodeDeletionFile(const Roaring& deleted);
// Corruption naming `key` when the bytes are damaged.
Result<Roaring> DecodeDeletionFile(std::string_view bytes, std::string_view key);

}  // namespace quiver
