// Fuzz target for the SQL expression parser. Every input is parsed as an
// expression, a select list and an assignment; whatever parses must print
// (Expr::ToString) as text that parses back to the same text, and whatever
// fails must fail with InvalidArgument or NotSupported. A violation aborts.
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
#include "expr/parser.h"

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

// The place to bind the expression against a fixed schema and evaluate it
// on a small batch once the binder and evaluator are fuzzed too: both must
// return a Status for any tree the parser produces, never crash.
void BindAndEvaluate(const Expr& expr) { (void)expr; }

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
