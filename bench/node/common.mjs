// What the LanceDB sides of the benchmarks (lancedb_storage.mjs,
// lancedb_filter.mjs) share: the LanceDB and Arrow modules, argument
// parsing, progress messages, reading the raw column files of bench_data.h,
// building the Arrow table, timing and statistics.

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";

// Without this Lance logs warnings that slow queries down (lancedb-figures.md).
// Set before the native module loads, hence the dynamic imports below.
process.env.LANCEDB_LOG = process.env.LANCEDB_LOG ?? "error";
export const lancedb = await import("@lancedb/lancedb");
export const arrow = await import("apache-arrow");

// `--key value` pairs into a copy of `defaults`: only its keys are accepted,
// and a value is a number where the default is one. Throws when a key of
// `required` is left empty.
export function parseArgs(argv, defaults, required) {
  const opts = { ...defaults };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, "");
    if (!(key in opts) || i + 1 >= argv.length) throw new Error(`unknown or incomplete option "${argv[i]}"`);
    opts[key] = typeof opts[key] === "number" ? Number(argv[i + 1]) : argv[i + 1];
  }
  if (required.some((key) => !opts[key])) {
    const flags = required.map((key) => `--${key}`);
    const list = flags.length > 1 ? `${flags.slice(0, -1).join(", ")} and ${flags[flags.length - 1]}` : flags[0];
    throw new Error(`${list} ${flags.length > 1 ? "are" : "is"} required`);
  }
  return opts;
}

export function log(msg) {
  process.stderr.write(`[lancedb] ${msg}\n`);
}

// A typed view of a whole file (copied when the file's buffer is misaligned).
export function readTyped(path, Type) {
  const buf = readFileSync(path);
  if (buf.byteOffset % Type.BYTES_PER_ELEMENT === 0) {
    return new Type(buf.buffer, buf.byteOffset, buf.byteLength / Type.BYTES_PER_ELEMENT);
  }
  return new Type(new Uint8Array(buf).buffer);
}

// The scalar columns of the raw column files in `dir`, with the row count
// and dimension from meta.json (the vector file is left to whoever needs it).
export function readColumns(dir) {
  const meta = JSON.parse(readFileSync(join(dir, "meta.json"), "utf8"));
  return {
    rows: meta.rows,
    dim: meta.dim,
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

// The columns as an Arrow table of `batchRows`-row record batches, sharing
// the typed arrays' memory (only utf8 offsets are copied, to rebase them):
// id, vector (only when `c.vector` is set), text, category, price, the
// schemas storage_bench and filter_bench give Quiver.
export function buildTable(c, batchRows) {
  const vectorType = c.vector
    ? new arrow.FixedSizeList(c.dim, new arrow.Field("item", new arrow.Float32(), true))
    : null;
  const schema = new arrow.Schema([
    new arrow.Field("id", new arrow.Int64(), true),
    ...(vectorType ? [new arrow.Field("vector", vectorType, true)] : []),
    new arrow.Field("text", new arrow.Utf8(), true),
    new arrow.Field("category", new arrow.Utf8(), true),
    new arrow.Field("price", new arrow.Float64(), true),
  ]);
  const batches = [];
  for (let begin = 0; begin < c.rows; begin += batchRows) {
    const end = Math.min(c.rows, begin + batchRows);
    const n = end - begin;
    const vector = () =>
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
      });
    const children = [
      arrow.makeData({ type: new arrow.Int64(), length: n, nullCount: 0, data: c.id.subarray(begin, end) }),
      ...(vectorType ? [vector()] : []),
      utf8Slice(c.textOffsets, c.text, begin, end),
      utf8Slice(c.categoryOffsets, c.category, begin, end),
      arrow.makeData({ type: new arrow.Float64(), length: n, nullCount: 0, data: c.price.subarray(begin, end) }),
    ];
    const struct = arrow.makeData({ type: new arrow.Struct(schema.fields), length: n, nullCount: 0, children });
    batches.push(new arrow.RecordBatch(schema, struct));
  }
  return new arrow.Table(schema, batches);
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

// Median, min and max of repeated runs.
export function summary(times) {
  return { median: median(times), min: Math.min(...times), max: Math.max(...times), reps: times.length };
}

// Median, mean, p99 (nearest rank), min and max of repeated runs.
export function detailedSummary(times) {
  const s = [...times].sort((a, b) => a - b);
  const n = s.length;
  return {
    median: median(s),
    mean: s.reduce((a, b) => a + b, 0) / n,
    p99: s[Math.ceil(0.99 * n) - 1],
    min: s[0],
    max: s[n - 1],
    reps: n,
  };
}

// [milliseconds, result] of one awaited call of `fn`.
export async function timed(fn) {
  const t0 = performance.now();
  const result = await fn();
  return [performance.now() - t0, result];
}

// Creates table "bench" from `table` in a new database at `dir`; the time
// of the createTable call, in milliseconds.
export async function timedCreateTable(dir, table) {
  const db = await lancedb.connect(dir);
  const [ms, created] = await timed(() => db.createTable("bench", table));
  created.close();
  db.close();
  return ms;
}

// The versions of the peer's packages and of node, for the JSON.
export function versions() {
  const version = (pkg) => {
    const path = new URL(`./node_modules/${pkg}/package.json`, import.meta.url);
    return existsSync(path) ? JSON.parse(readFileSync(path, "utf8")).version : "unknown";
  };
  return {
    lancedb_version: version("@lancedb/lancedb"),
    apache_arrow_version: version("apache-arrow"),
    node_version: process.version,
  };
}

// Runs `main`, printing its error (prefixed with `name`) and exiting with
// status 1 when it throws.
export async function run(name, main) {
  try {
    await main();
  } catch (err) {
    process.stderr.write(`${name}: ${err.stack ?? err}\n`);
    process.exit(1);
  }
}
