#!/usr/bin/env node
// LanceDB's side of the storage benchmark (bench/storage_bench.cc runs it and
// prints both sides; bench/README.md says what each figure means).
//
//   node lancedb_storage.mjs --data DIR --db DIR [--batch-rows 65536]
//        [--ingest-reps 3] [--scan-reps 10] [--take-reps 50] [--warmup 3]
//        [--take-count 100]
//
// --data holds the raw column files written by storage_bench or
// bench_datagen (bench_data.h); --db is a directory this script owns (it is
// emptied first). Prints one JSON object on stdout; progress goes to stderr.
//
// What is timed (performance.now() around one awaited call, nothing else):
//   ingest  db.createTable("bench", table): from an Arrow table already in
//           memory (built from the raw files beforehand, untimed) to the
//           committed table; one call, a new database directory each rep,
//           after one untimed warm-up ingest of the first 10,000 rows.
//   scan    table.query().select(["price"]).toArrow(): every value of one
//           scalar column, as an Arrow table in JS.
//   take    table.takeOffsets(rows).toArrow() and table.takeRowIds(ids)
//           .toArrow(): `take-count` rows with all columns; each rep takes a
//           different group of rows from take.u64. Row ids are looked up once,
//           untimed, from query().withRowId().
// Reported times are medians over the reps, after `warmup` untimed runs.

import { existsSync, readFileSync, readdirSync, rmSync, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";

// Without this Lance logs warnings that slow queries down (lancedb-figures.md).
// Set before the native module loads, hence the dynamic imports below.
process.env.LANCEDB_LOG = process.env.LANCEDB_LOG ?? "error";
const lancedb = await import("@lancedb/lancedb");
const arrow = await import("apache-arrow");

// Rows of the untimed warm-up ingest.
const kWarmupRows = 10000;

function parseArgs(argv) {
  const opts = {
    data: "",
    db: "",
    "batch-rows": 65536,
    "ingest-reps": 3,
    "scan-reps": 10,
    "take-reps": 50,
    warmup: 3,
    "take-count": 100,
  };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, "");
    if (!(key in opts) || i + 1 >= argv.length) {
      throw new Error(`unknown or incomplete option "${argv[i]}"`);
    }
    opts[key] = typeof opts[key] === "number" ? Number(argv[i + 1]) : argv[i + 1];
  }
  if (!opts.data || !opts.db) throw new Error("--data and --db are required");
  return opts;
}

function log(msg) {
  process.stderr.write(`[lancedb] ${msg}\n`);
}

// A typed view of a whole file (copied when the file's buffer is misaligned).
function readTyped(path, Type) {
  const buf = readFileSync(path);
  if (buf.byteOffset % Type.BYTES_PER_ELEMENT === 0) {
    return new Type(buf.buffer, buf.byteOffset, buf.byteLength / Type.BYTES_PER_ELEMENT);
  }
  return new Type(new Uint8Array(buf).buffer);
}

function readColumns(dir) {
  const meta = JSON.parse(readFileSync(join(dir, "meta.json"), "utf8"));
  return {
    rows: meta.rows,
    dim: meta.dim,
    id: readTyped(join(dir, "id.i64"), BigInt64Array),
    vector: readTyped(join(dir, "vector.f32"), Float32Array),
    textOffsets: readTyped(join(dir, "text.off"), Int32Array),
    text: readTyped(join(dir, "text.utf8"), Uint8Array),
    categoryOffsets: readTyped(join(dir, "category.off"), Int32Array),
    category: readTyped(join(dir, "category.utf8"), Uint8Array),
    price: readTyped(join(dir, "price.f64"), Float64Array),
    take: readTyped(join(dir, "take.u64"), BigUint64Array),
  };
}

// Rows [begin, end) of a utf8 column as Arrow data (offsets rebased to 0).
function utf8Slice(offsets, bytes, begin, end) {
  const base = offsets[begin];
  const valueOffsets = new Int32Array(end - begin + 1);
  for (let i = 0; i <= end - begin; ++i) valueOffsets[i] = offsets[begin + i] - base;
  return arrow.makeData({
    type: new arrow.Utf8(),
    length: end - begin,
    nullCount: 0,
    valueOffsets,
    data: bytes.subarray(base, offsets[end]),
  });
}

// The columns as an Arrow table of `batchRows`-row record batches, sharing
// the typed arrays' memory (only utf8 offsets are copied, to rebase them).
function buildTable(c, batchRows) {
  const vectorType = new arrow.FixedSizeList(c.dim, new arrow.Field("item", new arrow.Float32(), true));
  const schema = new arrow.Schema([
    new arrow.Field("id", new arrow.Int64(), true),
    new arrow.Field("vector", vectorType, true),
    new arrow.Field("text", new arrow.Utf8(), true),
    new arrow.Field("category", new arrow.Utf8(), true),
    new arrow.Field("price", new arrow.Float64(), true),
  ]);
  const batches = [];
  for (let begin = 0; begin < c.rows; begin += batchRows) {
    const end = Math.min(c.rows, begin + batchRows);
    const n = end - begin;
    const children = [
      arrow.makeData({ type: new arrow.Int64(), length: n, nullCount: 0, data: c.id.subarray(begin, end) }),
      arrow.makeData({
        type: vectorType,
        length: n,
        nullCount: 0,
        child: arrow.makeData({
          type: new arrow.Float32(),
          length: n * c.dim,
          nullCount: 0,
          data: c.vector.subarray(begin * c.dim, end * c.dim),
        }),
      }),
      utf8Slice(c.textOffsets, c.text, begin, end),
      utf8Slice(c.categoryOffsets, c.category, begin, end),
      arrow.makeData({ type: new arrow.Float64(), length: n, nullCount: 0, data: c.price.subarray(begin, end) }),
    ];
    const struct = arrow.makeData({ type: new arrow.Struct(schema.fields), length: n, nullCount: 0, children });
    batches.push(new arrow.RecordBatch(schema, struct));
  }
  return new arrow.Table(schema, batches);
}

// Sum of the sizes of the regular files under `dir` (apparent sizes).
function dirBytes(dir) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += dirBytes(path);
    else if (entry.isFile()) total += statSync(path).size;
  }
  return total;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function summary(times) {
  return { median: median(times), min: Math.min(...times), max: Math.max(...times), reps: times.length };
}

async function timed(fn) {
  const t0 = performance.now();
  const result = await fn();
  return [performance.now() - t0, result];
}

// Checks that a take returned exactly the rows asked for (id == row number).
function checkTake(result, offsets) {
  if (result.numRows !== offsets.length || result.numCols !== 5) {
    throw new Error(`take returned ${result.numRows} rows x ${result.numCols} columns, expected ${offsets.length} x 5`);
  }
  const got = Array.from(result.getChild("id").toArray(), Number).sort((a, b) => a - b);
  const want = offsets.map(Number).sort((a, b) => a - b);
  if (got.some((v, i) => v !== want[i])) throw new Error("take returned other rows than asked for");
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const cols = readColumns(opts.data);
  const [prepareMs, table] = await timed(() => buildTable(cols, opts["batch-rows"]));
  log(`${cols.rows} rows read and built into an Arrow table in ${prepareMs.toFixed(0)} ms (untimed)`);

  rmSync(opts.db, { recursive: true, force: true });
  mkdirSync(opts.db, { recursive: true });

  // One untimed ingest of a few rows first: the first createTable of a
  // process also pays for native start-up (thread pools, allocators).
  {
    const warmDir = join(opts.db, "warmup");
    const db = await lancedb.connect(warmDir);
    const small = buildTable({ ...cols, rows: Math.min(cols.rows, kWarmupRows) }, opts["batch-rows"]);
    (await db.createTable("bench", small)).close();
    db.close();
    rmSync(warmDir, { recursive: true, force: true });
  }

  // Ingest: a fresh database per rep; only the last one is kept for reads.
  const ingestMs = [];
  const tableBytes = [];
  let dbDir = "";
  for (let r = 0; r < opts["ingest-reps"]; ++r) {
    if (dbDir) rmSync(dbDir, { recursive: true, force: true });
    dbDir = join(opts.db, `ingest${r}`);
    const db = await lancedb.connect(dbDir);
    const [ms, created] = await timed(() => db.createTable("bench", table));
    created.close();
    db.close();
    ingestMs.push(ms);
    tableBytes.push(dirBytes(dbDir));
    log(`ingest rep ${r}: ${ms.toFixed(1)} ms, ${tableBytes[r]} bytes`);
  }

  const db = await lancedb.connect(dbDir);
  const tbl = await db.openTable("bench");
  const numRows = await tbl.countRows();
  if (numRows !== cols.rows) throw new Error(`table has ${numRows} rows, expected ${cols.rows}`);

  // Full scan of one scalar column.
  const scanMs = [];
  let scanSum = 0;
  for (let r = 0; r < opts.warmup + opts["scan-reps"]; ++r) {
    const [ms, result] = await timed(() => tbl.query().select(["price"]).toArrow());
    if (result.numRows !== cols.rows) throw new Error(`scan returned ${result.numRows} rows, expected ${cols.rows}`);
    if (r >= opts.warmup) scanMs.push(ms);
    if (r === 0) for (const v of result.getChild("price").toArray()) scanSum += v;
  }
  log(`scan: median ${median(scanMs).toFixed(2)} ms`);

  // Take: row groups from take.u64, one group per run (warm-ups included).
  const count = opts["take-count"];
  const groups = Math.floor(cols.take.length / count);
  if (groups < opts.warmup + opts["take-reps"]) {
    throw new Error(`take.u64 holds ${groups} groups of ${count}, need ${opts.warmup + opts["take-reps"]}`);
  }
  const group = (g) => Array.from(cols.take.subarray(g * count, (g + 1) * count), Number);
  const idsResult = await tbl.query().withRowId().select(["id"]).toArrow();
  const rowIdOf = new Array(cols.rows);
  {
    const ids = idsResult.getChild("id").toArray();
    const rowIds = idsResult.getChild("_rowid").toArray();
    for (let i = 0; i < ids.length; ++i) rowIdOf[Number(ids[i])] = rowIds[i];
  }
  const takeOffsetsMs = [];
  const takeRowIdsMs = [];
  for (let r = 0; r < opts.warmup + opts["take-reps"]; ++r) {
    const offsets = group(r);
    const [msOffsets, byOffset] = await timed(() => tbl.takeOffsets(offsets).toArrow());
    checkTake(byOffset, offsets);
    const rowIds = offsets.map((o) => rowIdOf[o]);
    const [msRowIds, byRowId] = await timed(() => tbl.takeRowIds(rowIds).toArrow());
    checkTake(byRowId, offsets);
    if (r >= opts.warmup) {
      takeOffsetsMs.push(msOffsets);
      takeRowIdsMs.push(msRowIds);
    }
  }
  log(`take: median ${median(takeOffsetsMs).toFixed(2)} ms by offset, ${median(takeRowIdsMs).toFixed(2)} ms by row id`);
  tbl.close();
  db.close();

  const version = (pkg) => {
    const path = new URL(`./node_modules/${pkg}/package.json`, import.meta.url);
    return existsSync(path) ? JSON.parse(readFileSync(path, "utf8")).version : "unknown";
  };
  const out = {
    peer: "lancedb",
    lancedb_version: version("@lancedb/lancedb"),
    apache_arrow_version: version("apache-arrow"),
    node_version: process.version,
    rows: cols.rows,
    batch_rows: opts["batch-rows"],
    prepare_ms: prepareMs,
    ingest_ms: summary(ingestMs),
    table_bytes: tableBytes[tableBytes.length - 1],
    table_bytes_all: tableBytes,
    scan_ms: summary(scanMs),
    scan_price_sum: scanSum,
    take_count: count,
    take_offsets_ms: summary(takeOffsetsMs),
    take_row_ids_ms: summary(takeRowIdsMs),
  };
  rmSync(opts.db, { recursive: true, force: true });
  process.stdout.write(JSON.stringify(out) + "\n");
}

try {
  await main();
} catch (err) {
  process.stderr.write(`lancedb_storage: ${err.stack ?? err}\n`);
  process.exit(1);
}
