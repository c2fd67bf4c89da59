// The Arrow JS side of tests/arrow_ipc_peer_test.cc: reads Arrow IPC that
// Quiver wrote, and writes IPC for Quiver to read, printing the values as
// JSON in a canonical form both sides can produce:
//   null -> null; bool -> true/false; integers, dates (days since the epoch)
//   and timestamps (in their unit) -> decimal strings; floats -> numbers
//   (non-finite ones as "NaN", "Infinity", "-Infinity"); strings -> strings;
//   binary -> lower-case hex; lists -> arrays; structs -> objects.
//
// Usage:
//   node arrow_ipc_peer.mjs read FILE      prints {"schema": [...], "columns": {...}}
//   node arrow_ipc_peer.mjs write DIR      writes DIR/js.arrow (file) and
//                                          DIR/js.arrows (stream), prints the same
// apache-arrow is loaded from bench/node/node_modules (scripts/install_bench_peers.sh),
// or from the directory in ARROW_JS_DIR.
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const arrowDir = process.env.ARROW_JS_DIR ||
  new URL('../../bench/node/node_modules/apache-arrow/', import.meta.url).pathname;
const arrow = await import(pathToFileURL(arrowDir + '/Arrow.node.mjs').href);
const { Type, Table, Field, vectorFromArray, tableFromIPC, tableToIPC } = arrow;

const kMsPerDay = 86400000;

function hex(bytes) {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

// The canonical form of value `v` (as Vector.get returns it) of `type`.
function canon(type, v) {
  if (v === null || v === undefined) return null;
  switch (type.typeId) {
    case Type.Null:
      return null;
    case Type.Bool:
      return v;
    case Type.Int:
      return v.toString();
    case Type.Float:
      return Number.isFinite(v) ? v : String(v);
    case Type.Utf8:
    case Type.LargeUtf8:
      return v;
    case Type.Binary:
    case Type.LargeBinary:
      return hex(v);
    case Type.Date:
      return String(Math.round(v / kMsPerDay));
    case Type.List:
    case Type.FixedSizeList: {
      const child = type.children[0].type;
      const out = [];
      for (let i = 0; i < v.length; ++i) out.push(canon(child, v.get(i)));
      return out;
    }
    case Type.Struct: {
      const out = {};
      for (const f of type.children) out[f.name] = canon(f.type, v[f.name]);
      return out;
    }
    default:
      throw new Error(`no canonical form for ${type}`);
  }
}

// Timestamps read through Vector.get are milliseconds as doubles, which
// loses precision: read the stored int64 values instead.
function timestampColumn(vector) {
  const out = [];
  for (const data of vector.data) {
    for (let i = 0; i < data.length; ++i) {
      out.push(data.getValid(i) ? data.values[i].toString() : null);
    }
  }
  return out;
}

function describe(table) {
  const schema = table.schema.fields.map((f) => ({
    name: f.name,
    type: String(f.type),
    nullable: f.nullable,
    metadata: Object.fromEntries(f.metadata),
  }));
  const columns = {};
  for (const f of table.schema.fields) {
    const vector = table.getChild(f.name);
    if (f.type.typeId === Type.Timestamp) {
      columns[f.name] = timestampColumn(vector);
      continue;
    }
    const values = [];
    for (let i = 0; i < vector.length; ++i) values.push(canon(f.type, vector.get(i)));
    columns[f.name] = values;
  }
  return { schema, metadata: Object.fromEntries(table.schema.metadata), num_rows: table.numRows, columns };
}

// A table of every type Arrow JS and Quiver share, with nulls.
function makeTable() {
  const item = (type) => new Field('item', type, true);
  const point = new arrow.Struct([new Field('a', new arrow.Int32(), true), new Field('b', new arrow.Utf8(), true)]);
  const day = (y, m, d) => new Date(Date.UTC(y, m - 1, d));
  const columns = {
    i8: vectorFromArray([1, -128, null, 127], new arrow.Int8()),
    i16: vectorFromArray([1, -32768, null, 32767], new arrow.Int16()),
    i32: vectorFromArray([1, -2147483648, null, 2147483647], new arrow.Int32()),
    i64: vectorFromArray([1n, -9223372036854775808n, null, 9223372036854775807n], new arrow.Int64()),
    u8: vectorFromArray([0, 255, null, 7], new arrow.Uint8()),
    u16: vectorFromArray([0, 65535, null, 7], new arrow.Uint16()),
    u32: vectorFromArray([0, 4294967295, null, 7], new arrow.Uint32()),
    u64: vectorFromArray([0n, 18446744073709551615n, null, 7n], new arrow.Uint64()),
    f16: vectorFromArray([0.5, -2, null, 65504], new arrow.Float16()),
    f32: vectorFromArray([0.1, -1e30, null, 3.5], new arrow.Float32()),
    f64: vectorFromArray([0.1, -1e300, null, Infinity], new arrow.Float64()),
    bool: vectorFromArray([true, false, null, true], new arrow.Bool()),
    str: vectorFromArray(['', 'héllo', null, 'end'], new arrow.Utf8()),
    large_str: vectorFromArray(['x', null, '', 'long text'], new arrow.LargeUtf8()),
    bin: vectorFromArray([new Uint8Array([1, 2]), new Uint8Array([]), null, new Uint8Array([255])],
      new arrow.Binary()),
    large_bin: vectorFromArray([null, new Uint8Array([0]), new Uint8Array([]), new Uint8Array([9, 8])],
      new arrow.LargeBinary()),
    vector: vectorFromArray([[1, 2, 3], [0.5, -0.25, 4], null, [7, 8, 9]],
      new arrow.FixedSizeList(3, item(new arrow.Float32()))),
    list: vectorFromArray([[1, 2], [], null, [3, null]], new arrow.List(item(new arrow.Int32()))),
    point: vectorFromArray([{ a: 1, b: 'x' }, null, { a: null, b: 'y' }, { a: 3, b: null }], point),
    points: vectorFromArray([[{ a: 1, b: 'p' }], [], null, [{ a: 2, b: 'q' }, { a: 3, b: 'r' }]],
      new arrow.List(item(point))),
    ts_ms: vectorFromArray([0, 1700000000123, null, -1000], new arrow.TimestampMillisecond('UTC')),
    ts_us: vectorFromArray([0, 1700000000123, null, 5], new arrow.TimestampMicrosecond()),
    date: vectorFromArray([day(1970, 1, 1), day(2024, 1, 31), null, day(1969, 12, 31)], new arrow.DateDay()),
    nothing: vectorFromArray([null, null, null, null], new arrow.Null()),
  };
  return new Table(columns);
}

const [mode, path] = process.argv.slice(2);
if (mode === 'read') {
  const table = tableFromIPC(readFileSync(path));
  process.stdout.write(JSON.stringify(describe(table)));
} else if (mode === 'write') {
  const table = makeTable();
  writeFileSync(`${path}/js.arrow`, tableToIPC(table, 'file'));
  writeFileSync(`${path}/js.arrows`, tableToIPC(table, 'stream'));
  // What a reader must find: the values as they read back here.
  process.stdout.write(JSON.stringify(describe(tableFromIPC(tableToIPC(table, 'stream')))));
} else {
  process.stderr.write('usage: arrow_ipc_peer.mjs read FILE | write DIR\n');
  process.exit(2);
}
