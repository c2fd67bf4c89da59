// The whole public C++ API of Quiver.
#pragma once

#include "quiver/array.h"
#include "quiver/batch_reader.h"
#include "quiver/buffer.h"
#include "quiver/builder.h"
#include "quiver/c_data.h"
#include "quiver/connection.h"
#include "quiver/fts_query.h"
#include "quiver/hybrid.h"
#include "quiver/schema.h"
#include "quiver/sort.h"
#include "quiver/status.h"
#include "quiver/table.h"
