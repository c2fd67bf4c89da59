// Date and time functions: now() (current_timestamp), current_date (today),
// date_trunc(unit, t), date_part(field, t) (datepart; what EXTRACT(field
// FROM t) means). Timestamps are UTC; time zones are not applied.
//
// date_trunc units: microsecond, millisecond, second, minute, hour, day,
// week (to Monday), month, quarter, year. The result has t's type (a date
// stays a date).
// date_part fields: year, quarter, month, week (ISO 8601 week number), day,
// hour, minute, second, millisecond and microsecond (of the minute, as in
// DataFusion: seconds * 1000 + ms), nanosecond, dow (0 = Sunday), doy
// (1..366), epoch (seconds since 1970, float64). The result is int32 except
// for epoch.
#include <cmath>

#include "common/datetime.h"
#include "expr/functions.h"

namespace quiver::expr {
namespace {

struct NowState {
  int64_t micros;
};

// The binder resolves BindOptions::now_micros (or the clock) before binding.
Status BindClock(CallBinding& call, TypePtr type) {
  auto state = std::make_shared<NowState>();
  state->micros = call.options.now_micros.value_or(0);
  call.state = std::move(state);
  call.type = std::move(type);
  call.nullable = false;
  return Status::OK();
}

Status BindNow(CallBinding& call) { return BindClock(call, timestamp(TimeUnit::kMicro, "UTC")); }
Status BindCurrentDate(CallBinding& call) { return BindClock(call, date32()); }

int64_t NowMicros(const BoundExpr& call) {
  return call.state ? static_cast<const NowState*>(call.state.get())->micros : 0;
}

Result<Datum> NowKernel(const BoundExpr& call, const std::vector<Datum>&, int64_t) {
  return Datum(Scalar::Timestamp(NowMicros(call), call.type));
}

Result<Datum> CurrentDateKernel(const BoundExpr& call, const std::vector<Datum>&, int64_t) {
  return Datum(Scalar::Date(TimestampToDays(NowMicros(call), TimeUnit::kMicro)));
}

bool IsTemporal(const DataType& t) { return t.id() == TypeId::kDate32 || t.id() == TypeId::kTimestamp; }

std::string Lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return s;
}

enum class Field : uint8_t {
  kMicrosecond,
  kMillisecond,
  kSecond,
  kMinute,
  kHour,
  kDay,
  kWeek,
  kMonth,
  kQuarter,
  kYear,
  kNanosecond,
  kDow,
  kDoy,
  kEpoch,
};

bool ParseField(std::string name, Field* f) {
  name = Lower(std::move(name));
  struct Entry {
    const char* name;
    Field field;
  };
  static const Entry kEntries[] = {
      {"microsecond", Field::kMicrosecond},
      {"microseconds", Field::kMicrosecond},
      {"us", Field::kMicrosecond},
      {"millisecond", Field::kMillisecond},
      {"milliseconds", Field::kMillisecond},
      {"ms", Field::kMillisecond},
      {"second", Field::kSecond},
      {"seconds", Field::kSecond},
      {"minute", Field::kMinute},
      {"minutes", Field::kMinute},
      {"hour", Field::kHour},
      {"hours", Field::kHour},
      {"day", Field::kDay},
      {"days", Field::kDay},
      {"week", Field::kWeek},
      {"weeks", Field::kWeek},
      {"month", Field::kMonth},
      {"months", Field::kMonth},
      {"quarter", Field::kQuarter},
      {"year", Field::kYear},
      {"years", Field::kYear},
      {"nanosecond", Field::kNanosecond},
      {"nanoseconds", Field::kNanosecond},
      {"dow", Field::kDow},
      {"doy", Field::kDoy},
      {"epoch", Field::kEpoch},
  };
  for (const Entry& e : kEntries) {
    if (name == e.name) {
      *f = e.field;
      return true;
    }
  }
  return false;
}

struct FieldState {
  Field field;
};

Status BindFieldAndTime(CallBinding& call, bool trunc) {
  if (call.args[0]->type->id() != TypeId::kNull) QUIVER_RETURN_NOT_OK(BindStringArg(call, 0));
  QUIVER_ASSIGN_OR_RETURN(Scalar unit, ConstantArg(call, 0, trunc ? "the unit" : "the field"));
  const BoundExpr& t = *call.args[1];
  if (t.type->id() == TypeId::kNull) {
    QUIVER_RETURN_NOT_OK(call.cast_arg(1, timestamp(TimeUnit::kMicro)));
  } else if (t.type->is_string_like()) {
    // A timestamp written as a string literal.
    QUIVER_RETURN_NOT_OK(call.cast_arg(1, timestamp(TimeUnit::kMicro)));
  } else if (!IsTemporal(*t.type)) {
    return call.Error("argument 2 must be a date or timestamp, got " + call.describe_arg(1));
  }
  if (unit.is_null()) return call.Error("the unit must not be NULL");
  Field f;
  const std::string& name = std::get<std::string>(unit.value);
  if (!ParseField(name, &f) || (trunc && f > Field::kYear)) {
    return call.Error(std::string(trunc ? "unknown unit '" : "unknown field '") + name + "'");
  }
  auto state = std::make_shared<FieldState>();
  state->field = f;
  call.state = state;
  if (trunc) {
    call.type = call.args[1]->type;
  } else {
    call.type = f == Field::kEpoch ? float64() : int32();
  }
  return Status::OK();
}

Status BindDateTrunc(CallBinding& call) { return BindFieldAndTime(call, true); }
Status BindDatePart(CallBinding& call) { return BindFieldAndTime(call, false); }

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

// Monday = 0 .. Sunday = 6; 1970-01-01 was a Thursday.
int64_t IsoWeekday(int64_t days) { return ((days % 7) + 7 + 3) % 7; }

int64_t TruncDays(int64_t days, Field f) {
  int64_t y;
  unsigned m, d;
  switch (f) {
    case Field::kWeek:
      return days - IsoWeekday(days);
    case Field::kMonth:
      CivilFromDays(days, &y, &m, &d);
      return DaysFromCivil(y, m, 1);
    case Field::kQuarter:
      CivilFromDays(days, &y, &m, &d);
      return DaysFromCivil(y, (m - 1) / 3 * 3 + 1, 1);
    case Field::kYear:
      CivilFromDays(days, &y, &m, &d);
      return DaysFromCivil(y, 1, 1);
    default:
      return days;
  }
}

Result<Datum> DateTruncKernel(const BoundExpr& call, const std::vector<Datum>& args, int64_t n) {
  const Field f = static_cast<const FieldState*>(call.state.get())->field;
  QUIVER_ASSIGN_OR_RETURN(ArrayPtr in, ToArray(args[1], n));
  const DataType& type = *in->type();
  if (type.id() == TypeId::kDate32) {
    BufferPtr values = AllocateValues<int32_t>(n);
    int32_t* out = MutableValues<int32_t>(values);
    const int32_t* src = in->values<int32_t>();
    for (int64_t i = 0; i < n; ++i) out[i] = static_cast<int32_t>(TruncDays(src[i], f));
    return Datum(MakeFixedArray(call.type, n, values, CopyBitmap(ValidityOf(*in), n)));
  }
  const int64_t per_second = UnitsPerSecond(type.unit());
  int64_t step = 0;  // sub-day units: truncate to a multiple of `step`
  switch (f) {
    case Field::kMicrosecond:
      step = std::max<int64_t>(1, per_second / 1000000);
      break;
    case Field::kMillisecond:
      step = std::max<int64_t>(1, per_second / 1000);
      break;
    case Field::kSecond:
      step = per_second;
      break;
    case Field::kMinute:
      step = per_second * 60;
      break;
    case Field::kHour:
      step = per_second * 3600;
      break;
    case Field::kDay:
      step = per_second * 86400;
      break;
    default:
      break;
  }
  BufferPtr values = AllocateValues<int64_t>(n);
  int64_t* out = MutableValues<int64_t>(values);
  const int64_t* src = in->values<int64_t>();
  for (int64_t i = 0; i < n; ++i) {
    if (step > 0) {
      out[i] = FloorDiv(src[i], step) * step;
      continue;
    }
    const int64_t days = TruncDays(TimestampToDays(src[i], type.unit()), f);
    int64_t v = 0;
    if (!DaysToTimestamp(days, type.unit(), &v) && in->IsValid(i)) {
      return Status::InvalidArgument("value " + in->FormatValue(i) + " out of range " + InExpr(call));
    }
    out[i] = v;
  }
  return Datum(MakeFixedArray(call.type, n, values, CopyBitmap(ValidityOf(*in), n)));
}

int64_t IsoWeek(int64_t days) {
  // The week's Thursday decides the ISO year; the week number counts from
  // the first week holding a Thursday.
  const int64_t thursday = days - IsoWeekday(days) + 3;
  int64_t y;
  unsigned m, d;
  CivilFromDays(thursday, &y, &m, &d);
  return (thursday - DaysFromCivil(y, 1, 1)) / 7 + 1;
}

double PartOf(Field f, int64_t value, bool is_date, TimeUnit unit) {
  const int64_t per_second = is_date ? 1 : UnitsPerSecond(unit);
  const int64_t days = is_date ? value : TimestampToDays(value, unit);
  const int64_t in_day = is_date ? 0 : value - days * per_second * 86400;  // units since midnight
  const int64_t sec_of_day = in_day / per_second;
  const int64_t frac = in_day % per_second;  // units within the second
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  switch (f) {
    case Field::kYear:
      return static_cast<double>(y);
    case Field::kQuarter:
      return (m - 1) / 3 + 1;
    case Field::kMonth:
      return m;
    case Field::kWeek:
      return static_cast<double>(IsoWeek(days));
    case Field::kDay:
      return d;
    case Field::kHour:
      return static_cast<double>(sec_of_day / 3600);
    case Field::kMinute:
      return static_cast<double>(sec_of_day / 60 % 60);
    case Field::kSecond:
      return static_cast<double>(sec_of_day % 60);
    case Field::kMillisecond:
      return static_cast<double>(sec_of_day % 60 * 1000 + frac * 1000 / per_second);
    case Field::kMicrosecond:
      return static_cast<double>(sec_of_day % 60 * 1000000 + frac * 1000000 / per_second);
    case Field::kNanosecond:
      return static_cast<double>(sec_of_day % 60 * 1000000000 + frac * (1000000000 / per_second));
    case Field::kDow:
      return static_cast<double>((IsoWeekday(days) + 1) % 7);
    case Field::kDoy:
      return static_cast<double>(days - DaysFromCivil(y, 1, 1) + 1);
    case Field::kEpoch:
      return is_date ? static_cast<double>(days) * 86400.0
                     : static_cast<double>(FloorDiv(value, per_second)) +
                           static_cast<double>(value - FloorDiv(value, per_second) * per_second) / per_second;
  }
  return 0;
}

Result<Datum> DatePartKernel(const BoundExpr& call, const std::vector<Datum>& args, int64_t n) {
  const Field f = static_cast<const FieldState*>(call.state.get())->field;
  QUIVER_ASSIGN_OR_RETURN(ArrayPtr in, ToArray(args[1], n));
  const bool is_date = in->type()->id() == TypeId::kDate32;
  const TimeUnit unit = is_date ? TimeUnit::kSecond : in->type()->unit();
  const bool as_double = call.type->id() == TypeId::kFloat64;
  BufferPtr values = as_double ? AllocateValues<double>(n) : AllocateValues<int32_t>(n);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t v = is_date ? in->values<int32_t>()[i] : in->values<int64_t>()[i];
    const double part = in->IsValid(i) ? PartOf(f, v, is_date, unit) : 0;
    if (as_double) {
      MutableValues<double>(values)[i] = part;
    } else if (std::fabs(part) > 2147483647.0) {
      // Nanoseconds of the minute exceed int32 (as in DataFusion, which
      // errors too); so do years beyond +-2^31.
      return Status::InvalidArgument("date_part value " + std::to_string(static_cast<int64_t>(part)) +
                                     " does not fit in int32 " + InExpr(call));
    } else {
      MutableValues<int32_t>(values)[i] = static_cast<int32_t>(part);
    }
  }
  return Datum(MakeFixedArray(call.type, n, values, CopyBitmap(ValidityOf(*in), n)));
}

}  // namespace

void AddDatetimeFunctions(std::vector<std::pair<std::string, FunctionDef>>* out) {
  // now() and current_date read the bind-time clock; they fold to constants.
  out->emplace_back("now", FunctionDef{"now", 0, 0, BindNow, NowKernel});
  out->emplace_back("current_timestamp", FunctionDef{"now", 0, 0, BindNow, NowKernel});
  out->emplace_back("current_date", FunctionDef{"current_date", 0, 0, BindCurrentDate, CurrentDateKernel});
  out->emplace_back("today", FunctionDef{"current_date", 0, 0, BindCurrentDate, CurrentDateKernel});
  out->emplace_back("date_trunc", FunctionDef{"date_trunc", 2, 2, BindDateTrunc, DateTruncKernel});
  out->emplace_back("datetrunc", FunctionDef{"date_trunc", 2, 2, BindDateTrunc, DateTruncKernel});
  out->emplace_back("date_part", FunctionDef{"date_part", 2, 2, BindDatePart, DatePartKernel});
  out->emplace_back("datepart", FunctionDef{"date_part", 2, 2, BindDatePart, DatePartKernel});
  out->emplace_back("extract", FunctionDef{"date_part", 2, 2, BindDatePart, DatePartKernel});
}

}  // namespace quiver::expr
