#!/usr/bin/env node
// LanceDB's side of the filter benchmark (bench/filter_bench.cc runs it and
// prints both sides; bench/README.md says what each figure means).
//
//   node lancedb_filter.mjs --spec FILE --data DIR --db DIR
//
// --spec is the JSON written by filter_bench: the exact predicate strings
// (the filter, the lookups, the delete and the update), repetition counts and
// the batch size. --data holds the raw column files of bench_data.h (the
// vector file is not read: this benchmark has no vector column); --db is a
// directory this script owns (it is emptied first and removed at the end).
// Prints one JSON object on stdout; progress goes to stderr.
//
// What is timed (performance.now() around one awaited call, nothing else):
//   filter count  table.countRows(filter)
//   filter ids    table.query().where(filter).select(["id"]).toArrow()
//   lookups       table.query().where("id = K").toArrow(), whole rows, one
//                 query at a time: first without an index, then after
//                 table.createIndex("id", {config: Index.btree()})
//   delete        table.delete(predicate)
//   update        table.update({where, valuesSql: {column: expression}})
// Deletes and updates each run on a fresh copy of the table directory (made
// before the index, untimed), the first `mutate_warmup` of them untimed.
// Filters and lookups start with `warmup` untimed runs; figures are medians
// (lookups: also mean and p99).

import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";

// Without this Lance logs warnings that slow queries down (lancedb-figures.md).
// Set before the native module loads, hence the dynamic imports below.
process.env.LANCEDB_LOG = process.env.LANCEDB_LOG ?? "error";
const lancedb = await import("@lancedb/lancedb");
const arrow = await import("apache-arrow");

function parseArgs(argv) {
  const opts = { spec: "", data: "", db: "" };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, "");
    if (!(key in opts) || i + 1 >= argv.length) throw new Error(`unknown or incomplete option "${argv[i]}"`);
    opts[key] = argv[i + 1];
  }
  if (!opts.spec || !opts.data || !opts.db) throw new Error("--spec, --data and --db are required");
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
    id: readTyped(join(dir, "id.i64"), BigInt64Array),
    textOffsets: readTyped(join(dir, "text.off"), Int32Array),
    text: readTyped(join(dir, "text.utf8"), Uint8Array),
    categoryOffsets: readTyped(join(dir, "category.off"), Int32Array),
    category: readTyped(join(dir, "category.utf8"), Uint8Array),
    price: readTyped(join(dir, "price.f64"), Float64Array),
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

// The columns (id, text, category, price: the schema filter_bench gives
// Quiver) as an Arrow table of `batchRows`-row record batches.
function buildTable(c, batchRows) {
  const schema = new arrow.Schema([
    new arrow.Field("id", new arrow.Int64(), true),
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
      utf8Slice(c.textOffsets, c.text, begin, end),
      utf8Slice(c.categoryOffsets, c.category, begin, end),
      arrow.makeData({ type: new arrow.Float64(), length: n, nullCount: 0, data: c.price.subarray(begin, end) }),
    ];
    const struct = arrow.makeData({ type: new arrow.Struct(schema.fields), length: n, nullCount: 0, children });
    batches.push(new arrow.RecordBatch(schema, struct));
  }
  return new arrow.Table(schema, batches);
}

// Median, mean, p99 (nearest rank), min and max.
function summary(times) {
  const s = [...times].sort((a, b) => a - b);
  const n = s.length;
  const m = n >> 1;
  return {
    median: n % 2 ? s[m] : (s[m - 1] + s[m]) / 2,
    mean: s.reduce((a, b) => a + b, 0) / n,
    p99: s[Math.ceil(0.99 * n) - 1],
    min: s[0],
    max: s[n - 1],
    reps: n,
  };
}

async function timed(fn) {
  const t0 = performance.now();
  const result = await fn();
  return [performance.now() - t0, result];
}

// Point lookups, one query at a time; checks that each returns its row.
async function timeLookups(tbl, predicates, keys, cols, warmup) {
  const times = [];
  for (let q = 0; q < predicates.length; ++q) {
    const [ms, result] = await timed(() => tbl.query().where(predicates[q]).toArrow());
    if (result.numRows !== 1 || result.numCols !== 4) {
      throw new Error(`"${predicates[q]}" returned ${result.numRows} rows x ${result.numCols} columns, expected 1 x 4`);
    }
    const k = keys[q];
    if (Number(result.getChild("id").get(0)) !== k || result.getChild("price").get(0) !== cols.price[k]) {
      throw new Error(`"${predicates[q]}" returned another row`);
    }
    if (q >= warmup) times.push(ms);
  }
  return summary(times);
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const spec = JSON.parse(readFileSync(opts.spec, "utf8"));
  const cols = readColumns(opts.data);
  const table = buildTable(cols, spec.batch_rows);
  const out = { peer: "lancedb" };

  rmSync(opts.db, { recursive: true, force: true });
  mkdirSync(opts.db, { recursive: true });
  const dbDir = join(opts.db, "db");

  // Ingest (untimed for the targets; reported for reference).
  {
    const db = await lancedb.connect(dbDir);
    const [ms, created] = await timed(() => db.createTable("bench", table));
    created.close();
    db.close();
    out.ingest_ms = ms;
    log(`ingest: ${ms.toFixed(0)} ms`);
  }

  // Delete and update 1 %, each on a fresh copy of the table (no index yet).
  async function mutate(what, op, verify) {
    const times = [];
    let rows = 0;
    for (let r = 0; r < spec.mutate_warmup + spec.mutate_reps; ++r) {
      const copy = join(opts.db, "mutate");
      rmSync(copy, { recursive: true, force: true });
      cpSync(dbDir, copy, { recursive: true });
      const db = await lancedb.connect(copy);
      const tbl = await db.openTable("bench");
      const [ms, n] = await timed(() => op(tbl));
      if (r >= spec.mutate_warmup) times.push(ms);
      rows = n;
      await verify(tbl);
      tbl.close();
      db.close();
      rmSync(copy, { recursive: true, force: true });
    }
    out[`${what}_ms`] = summary(times);
    out[`${what}_rows`] = rows;
    log(`${what}: median ${out[`${what}_ms`].median.toFixed(1)} ms, ${rows} rows`);
  }
  await mutate(
    "delete",
    async (tbl) => (await tbl.delete(spec.delete_predicate)).numDeletedRows,
    async (tbl) => {
      const left = await tbl.countRows();
      if (left !== cols.rows - spec.expected_deleted_rows) {
        throw new Error(`after the delete the table has ${left} rows`);
      }
    },
  );
  await mutate(
    "update",
    async (tbl) =>
      (
        await tbl.update({
          where: spec.update_predicate,
          valuesSql: { [spec.update_column]: spec.update_expression },
        })
      ).rowsUpdated,
    async (tbl) => {
      const rows = await tbl.countRows();
      const high = await tbl.countRows(spec.update_check);
      if (rows !== cols.rows || high !== spec.expected_update_check_rows) {
        throw new Error(
          `after the update the table has ${rows} rows, ${high} with ${spec.update_check}; ` +
            `expected ${cols.rows}, ${spec.expected_update_check_rows}`,
        );
      }
    },
  );

  const db = await lancedb.connect(dbDir);
  const tbl = await db.openTable("bench");
  if ((await tbl.countRows()) !== cols.rows) throw new Error("the table lost rows");
  out.explain_filter = await tbl.query().where(spec.filter).select(["id"]).explainPlan();

  // Full-scan filter: the count, then the matching ids.
  const countMs = [];
  for (let r = 0; r < spec.warmup + spec.scan_reps; ++r) {
    const [ms, n] = await timed(() => tbl.countRows(spec.filter));
    if (r >= spec.warmup) countMs.push(ms);
    out.filter_count = n;
  }
  const idsMs = [];
  for (let r = 0; r < spec.warmup + spec.scan_reps; ++r) {
    const [ms, result] = await timed(() => tbl.query().where(spec.filter).select(["id"]).toArrow());
    if (r >= spec.warmup) idsMs.push(ms);
    if (result.numCols !== 1) throw new Error(`the filtered query returned ${result.numCols} columns`);
    let sum = 0;
    for (const v of result.getChild("id").toArray()) sum += Number(v);
    out.filter_ids_rows = result.numRows;
    out.filter_ids_sum = sum;
  }
  out.filter_count_ms = summary(countMs);
  out.filter_ids_ms = summary(idsMs);
  log(`filter: count median ${out.filter_count_ms.median.toFixed(1)} ms, ids median ${out.filter_ids_ms.median.toFixed(1)} ms`);

  // Point lookups without an index, then with a BTREE.
  out.explain_lookup_noindex = await tbl.query().where(spec.lookups_noindex[0]).explainPlan();
  out.lookup_noindex_ms = await timeLookups(tbl, spec.lookups_noindex, spec.lookup_keys_noindex, cols, spec.warmup);
  log(`lookup without index: p50 ${out.lookup_noindex_ms.median.toFixed(3)} ms`);
  [out.index_build_ms] = await timed(() => tbl.createIndex("id", { config: lancedb.Index.btree() }));
  out.explain_lookup_index = await tbl.query().where(spec.lookups_index[0]).explainPlan();
  out.lookup_index_ms = await timeLookups(tbl, spec.lookups_index, spec.lookup_keys_index, cols, spec.warmup);
  log(`BTREE on id built in ${out.index_build_ms.toFixed(0)} ms; lookup p50 ${out.lookup_index_ms.median.toFixed(3)} ms`);
  tbl.close();
  db.close();

  const version = (pkg) => {
    const path = new URL(`./node_modules/${pkg}/package.json`, import.meta.url);
    return existsSync(path) ? JSON.parse(readFileSync(path, "utf8")).version : "unknown";
  };
  out.lancedb_version = version("@lancedb/lancedb");
  out.apache_arrow_version = version("apache-arrow");
  out.node_version = process.version;
  out.rows = cols.rows;
  rmSync(opts.db, { recursive: true, force: true });
  process.stdout.write(JSON.stringify(out) + "\n");
}

try {
  await main();
} catch (err) {
  process.stderr.write(`lancedb_filter: ${err.stack ?? err}\n`);
  process.exit(1);
}
