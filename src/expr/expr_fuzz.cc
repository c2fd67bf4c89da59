// Fuzz target for the SQL expression parser, binder and evaluator. Every
// input is parsed as an expression, a select list and an assignment;
// whatever parses must print (Expr::ToString) as text that parses back to
// the same text, and whatever fails must fail with InvalidArgument or
// NotSupported. Expressions that parse are bound and evaluated on a small
// batch, which may fail but never crash. A violation aborts.
//
// Built two ways (cmake/fuzz.cmake): as a libFuzzer binary with clang and
// QUIVER_FUZZ=ON (scripts/fuzz.sh), and always with tests/fuzz_driver.cc, a
// standalone driver that the test suite runs for a bounded time.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "expr/ast.h"
#include "expr/bind.h"
#include "expr/eval.h"
#include "expr/parser.h"
#include "quiver/builder.h"

namespace quiver::expr {
namespace {

[[noreturn]] void Fail(std::string_view what, std::string_view input, std::string_view detail) {
  std::fprintf(stderr, "expr_fuzz: %.*s\n  input:  \"%.*s\"\n  detail: %.*s\n", static_cast<int>(what.size()),
               what.data(), static_cast<int>(input.size()), input.data(), static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

// Bad input must be reported as bad input, never as another kind of error.
void CheckFailure(const Status& status, std::string_view input) {
  if (!status.IsInvalidArgument() && !status.IsNotSupported()) {
    Fail("parse failed with an unexpected status code", input, status.ToString());
  }
  if (status.message().empty()) Fail("parse failed without a message", input, "");
}

// ToString must give text that parses to a tree with the same text.
void CheckRoundTrip(const Expr& expr, std::string_view input) {
  const std::string text = expr.ToString();
  Result<ExprPtr> again = ParseExpression(text);
  if (!again.ok()) Fail("ToString text does not parse", input, text + " -> " + again.status().ToString());
  const std::string text2 = (*again)->ToString();
  if (text2 != text) Fail("ToString text parses to another tree", input, text + " -> " + text2);
}

// A small batch of every common column kind, NULLs included, that parsed
// expressions are bound against and evaluated on.
const RecordBatch& FuzzBatch() {
  static const BatchPtr batch = [] {
    std::vector<Field> fields = {Field("id", int64()),
                                 Field("qty", int32()),
                                 Field("price", float64()),
                                 Field("name", utf8()),
                                 Field("flag", boolean()),
                                 Field("day", date32()),
                                 Field("ts", timestamp(TimeUnit::kMicro)),
                                 Field("tags", list(utf8())),
                                 Field("meta", struct_({Field("source", utf8()), Field("rank", int32())}))};
    auto schema = std::make_shared<Schema>(fields);
    std::vector<std::unique_ptr<ArrayBuilder>> b;
    for (const Field& f : fields) b.push_back(ArrayBuilder::Make(f.type));
    for (int row = 0; row < 4; ++row) {
      const bool null = row == 3;
      auto value = [&](ArrayBuilder& builder, auto append) {
        (void)(null ? builder.AppendNull() : append());
      };
      value(*b[0], [&] { return b[0]->AppendInt(row - 1); });
      value(*b[1], [&] { return b[1]->AppendInt(row * 7); });
      value(*b[2], [&] { return b[2]->AppendDouble(row == 2 ? 0.0 : row * 1.5); });
      value(*b[3], [&] { return b[3]->AppendString(row == 1 ? "" : "Ab%_c"); });
      value(*b[4], [&] { return b[4]->AppendBool(row % 2 == 0); });
      value(*b[5], [&] { return b[5]->AppendString("2024-02-29"); });
      value(*b[6], [&] { return b[6]->AppendString("2024-01-31 12:00:00"); });
      (void)b[7]->child(0)->AppendString("x");
      (void)b[7]->AppendList();
      (void)b[8]->child(0)->AppendString("web");
      (void)b[8]->child(1)->AppendInt(row);
      (void)b[8]->AppendStruct();
    }
    std::vector<ArrayPtr> columns;
    for (auto& builder : b) columns.push_back(builder->Finish());
    return std::make_shared<RecordBatch>(schema, 4, std::move(columns));
  }();
  return *batch;
}

// Binding and evaluating must return a Status for any tree the parser
// produces (errors of any kind are fine), never crash, hang or leak.
void BindAndEvaluate(const Expr& expr) {
  const RecordBatch& batch = FuzzBatch();
  BindOptions options;
  options.now_micros = 0;
  Result<BoundExprPtr> bound = Bind(expr, *batch.schema(), options);
  if (!bound.ok()) return;
  Result<ArrayPtr> value = Evaluate(**bound, batch);
  if (value.ok() && (*value)->length() != batch.num_rows()) {
    Fail("evaluation returned the wrong number of rows", expr.ToString(), "");
  }
  if ((*bound)->type->id() == TypeId::kBool) (void)SelectRows(**bound, batch);
  (void)AsColumnPredicate(**bound);
}

void FuzzExpression(std::string_view input) {
  Result<ExprPtr> expr = ParseExpression(input);
  if (!expr.ok()) return CheckFailure(expr.status(), input);
  CheckRoundTrip(**expr, input);
  BindAndEvaluate(**expr);
}

void FuzzSelectList(std::string_view input) {
  Result<std::vector<SelectItem>> items = ParseSelectList(input);
  if (!items.ok()) return CheckFailure(items.status(), input);
  if (items->empty()) Fail("empty select list parsed", input, "");
  for (const SelectItem& item : *items) {
    if (item.alias.empty()) Fail("select item without a name", input, item.expr->ToString());
    CheckRoundTrip(*item.expr, input);
  }
}

void FuzzAssignment(std::string_view input) {
  Result<Assignment> assignment = ParseAssignment(input);
  if (!assignment.ok()) return CheckFailure(assignment.status(), input);
  if (assignment->column.empty()) Fail("assignment to an empty column name", input, "");
  CheckRoundTrip(*assignment->expr, input);
}

}  // namespace
}  // namespace quiver::expr

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  quiver::expr::FuzzExpression(input);
  quiver::expr::FuzzSelectList(input);
  quiver::expr::FuzzAssignment(input);
  return 0;
}
