// JSON rows already in memory (an HTTP request body, a binding's argument) as
// a record batch: the same type rules as the JSON file readers of
// file_reader.h, without a file.
//
// Thread-safety: pure functions.
#pragma once

#include "convert/json_convert.h"
#include "quiver/array.h"

namespace quiver::convert {

// `rows` must be a JSON array of objects. With a schema the rows are parsed
// into it (keys matched to columns by name, missing keys null, unknown keys
// an error); without one the schema is inferred from every row. Errors name
// the row: `row 3: column "vector": expected 4 values, got 3`.
Result<BatchPtr> JsonRowsToBatch(const Json& rows, const SchemaPtr& schema = nullptr);

}  // namespace quiver::convert
