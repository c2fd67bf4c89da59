#include "expr/functions.h"

#include <algorithm>
#include <unordered_map>

namespace quiver::expr {

Status CallBinding::Error(const std::string& msg) const {
  return Status::InvalidArgument(name + ": " + msg + " at position " + std::to_string(position));
}

Status BindStringArg(CallBinding& call, size_t i) {
  const TypePtr& t = call.args[i]->type;
  if (t->id() == TypeId::kNull) return call.cast_arg(i, utf8());
  if (t->id() == TypeId::kUtf8 || t->id() == TypeId::kLargeUtf8) return Status::OK();
  return call.Error("argument " + std::to_string(i + 1) + " must be a string, got " + call.describe_arg(i));
}

Status BindIntArg(CallBinding& call, size_t i) {
  const TypePtr& t = call.args[i]->type;
  if (t->id() == TypeId::kNull || t->is_integer()) return call.cast_arg(i, int64());
  return call.Error("argument " + std::to_string(i + 1) + " must be an integer, got " + call.describe_arg(i));
}

Result<Scalar> ConstantArg(const CallBinding& call, size_t i, const char* what) {
  if (call.args[i]->kind != BoundExpr::Kind::kLiteral) {
    return call.Error(std::string(what) + " must be a constant, got " + call.describe_arg(i));
  }
  return call.args[i]->literal;
}

namespace {

struct Registry {
  std::unordered_map<std::string, FunctionDef> by_name;
  std::vector<std::string> names;

  Registry() {
    std::vector<std::pair<std::string, FunctionDef>> all;
    AddStringFunctions(&all);
    AddMathFunctions(&all);
    AddListFunctions(&all);
    AddDatetimeFunctions(&all);
    AddConditionalFunctions(&all);
    for (auto& [name, def] : all) {
      names.push_back(name);
      by_name.emplace(name, def);
    }
  }
};

const Registry& GetRegistry() {
  static const Registry registry;
  return registry;
}

template <typename T>
ArrayPtr ChooseFixed(const TypePtr& type, const std::vector<Datum>& sources,
                     const std::vector<int32_t>& choice, int64_t n) {
  BufferPtr values = AllocateValues<T>(n);
  T* out = MutableValues<T>(values);
  BufferPtr validity = AllocateBitmap(n);
  uint8_t* vbits = validity->mutable_data();
  std::vector<const T*> ptrs(sources.size(), nullptr);
  std::vector<T> consts(sources.size(), T{});
  std::vector<bool> const_null(sources.size(), false);
  for (size_t k = 0; k < sources.size(); ++k) {
    if (sources[k].is_array()) {
      ptrs[k] = sources[k].array->values<T>();
    } else if (sources[k].scalar.is_null()) {
      const_null[k] = true;
    } else {
      consts[k] = ScalarTo<T>(sources[k].scalar);
    }
  }
  for (int64_t i = 0; i < n; ++i) {
    const int32_t c = choice[i];
    if (c < 0 || const_null[c]) {
      out[i] = T{};
      continue;
    }
    if (ptrs[c] != nullptr) {
      if (sources[c].array->IsNull(i)) {
        out[i] = T{};
        continue;
      }
      out[i] = ptrs[c][i];
    } else {
      out[i] = consts[c];
    }
    SetBit(vbits, i);
  }
  return MakeFixedArray(type, n, values, validity);
}

}  // namespace

const FunctionDef* FindFunction(std::string_view name) {
  const auto& reg = GetRegistry();
  auto it = reg.by_name.find(std::string(name));
  return it == reg.by_name.end() ? nullptr : &it->second;
}

std::vector<std::string> FunctionNames() { return GetRegistry().names; }

Result<ArrayPtr> ChooseRows(const TypePtr& type, const std::vector<Datum>& sources,
                            const std::vector<int32_t>& choice, int64_t length) {
  const TypeId id = type->id();
  if (id == TypeId::kNull) return MakeNullArray(type, length);
  if (id == TypeId::kFloat16) {
    return ChooseFixed<uint16_t>(type, sources, choice, length);
  }
  if (id == TypeId::kBool) {
    BufferPtr values = AllocateBitmap(length);
    BufferPtr validity = AllocateBitmap(length);
    uint8_t* vb = values->mutable_data();
    uint8_t* nb = validity->mutable_data();
    for (int64_t i = 0; i < length; ++i) {
      const int32_t c = choice[i];
      if (c < 0) continue;
      const Datum& d = sources[c];
      if (d.is_array()) {
        if (d.array->IsNull(i)) continue;
        if (d.array->GetBool(i)) SetBit(vb, i);
      } else {
        if (d.scalar.is_null()) continue;
        if (ScalarTo<bool>(d.scalar)) SetBit(vb, i);
      }
      SetBit(nb, i);
    }
    return MakeBoolArray(length, values, validity);
  }
  if (type->is_string_like()) {
    StringWriter w(type, length);
    std::vector<std::unique_ptr<StringReader>> readers(sources.size());
    for (size_t k = 0; k < sources.size(); ++k) {
      if (sources[k].is_array()) readers[k] = std::make_unique<StringReader>(*sources[k].array);
    }
    for (int64_t i = 0; i < length; ++i) {
      const int32_t c = choice[i];
      if (c < 0) {
        w.AppendNull();
        continue;
      }
      const Datum& d = sources[c];
      if (d.is_array()) {
        if (d.array->IsNull(i)) {
          w.AppendNull();
        } else {
          w.Append((*readers[c])[i]);
        }
      } else if (d.scalar.is_null()) {
        w.AppendNull();
      } else {
        w.Append(std::get<std::string>(d.scalar.value));
      }
    }
    return w.Finish();
  }
  ArrayPtr fixed;
  Status st = VisitNumeric(id, [&](auto tag) -> Status {
    fixed = ChooseFixed<decltype(tag)>(type, sources, choice, length);
    return Status::OK();
  });
  if (st.ok()) return fixed;
  // Nested types: gather from all sources laid end to end, plus one NULL.
  std::vector<ArrayPtr> parts;
  for (const Datum& d : sources) {
    QUIVER_ASSIGN_OR_RETURN(ArrayPtr a, ToArray(d, length));
    parts.push_back(std::move(a));
  }
  parts.push_back(MakeNullArray(type, 1));
  QUIVER_ASSIGN_OR_RETURN(ArrayPtr all, Concatenate(parts));
  std::vector<int64_t> indices(static_cast<size_t>(length));
  const int64_t null_row = static_cast<int64_t>(sources.size()) * length;
  for (int64_t i = 0; i < length; ++i) indices[i] = choice[i] < 0 ? null_row : choice[i] * length + i;
  return Take(*all, indices);
}

}  // namespace quiver::expr
