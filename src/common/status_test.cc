#include "quiver/status.h"

#include <gtest/gtest.h>

namespace quiver {
namespace {

TEST(StatusTest, OkHasNoMessage) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kOk);
  EXPECT_EQ(s.message(), "");
  EXPECT_EQ(s.ToString(), "OK");
  EXPECT_TRUE(Status::OK().ok());
}

TEST(StatusTest, CodeAndMessage) {
  Status s = Status::IOError("open foo: No such file or directory");
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(s.IsIOError());
  EXPECT_FALSE(s.IsNotFound());
  EXPECT_EQ(s.message(), "open foo: No such file or directory");
  EXPECT_EQ(s.ToString(), "IOError: open foo: No such file or directory");
}

TEST(StatusTest, ExplicitOkCodeIsOk) {
  Status s(StatusCode::kOk, "ignored");
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.message(), "");
}

TEST(StatusTest, EveryCodeHasAName) {
  EXPECT_EQ(StatusCodeName(StatusCode::kOk), "OK");
  EXPECT_EQ(StatusCodeName(StatusCode::kInvalidArgument), "InvalidArgument");
  EXPECT_EQ(StatusCodeName(StatusCode::kNotFound), "NotFound");
  EXPECT_EQ(StatusCodeName(StatusCode::kAlreadyExists), "AlreadyExists");
  EXPECT_EQ(StatusCodeName(StatusCode::kCorruption), "Corruption");
  EXPECT_EQ(StatusCodeName(StatusCode::kIOError), "IOError");
  EXPECT_EQ(StatusCodeName(StatusCode::kNotSupported), "NotSupported");
  EXPECT_EQ(StatusCodeName(StatusCode::kConflict), "Conflict");
  EXPECT_EQ(StatusCodeName(StatusCode::kCancelled), "Cancelled");
  EXPECT_EQ(StatusCodeName(StatusCode::kResourceExhausted), "ResourceExhausted");
  EXPECT_EQ(StatusCodeName(StatusCode::kInternal), "Internal");
  EXPECT_EQ(Status::Cancelled("x").ToString(), "Cancelled: x");
  EXPECT_EQ(Status::Internal("").ToString(), "Internal");
}

TEST(StatusTest, WithContextPrefixes) {
  Status s = Status::Corruption("bad checksum").WithContext("reading data/1.lance");
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_EQ(s.message(), "reading data/1.lance: bad checksum");
  EXPECT_TRUE(Status::OK().WithContext("ctx").ok());
}

TEST(StatusTest, CopiesShareState) {
  Status a = Status::Conflict("version 3 exists");
  Status b = a;
  EXPECT_EQ(b.ToString(), a.ToString());
  EXPECT_TRUE(b.IsConflict());
}

Result<int> Half(int x) {
  if (x % 2 != 0) return Status::InvalidArgument("odd: " + std::to_string(x));
  return x / 2;
}

Status Quarter(int x, int* out) {
  QUIVER_ASSIGN_OR_RETURN(int h, Half(x));
  QUIVER_ASSIGN_OR_RETURN(*out, Half(h));
  return Status::OK();
}

Status Chain(bool fail) {
  QUIVER_RETURN_NOT_OK(fail ? Status::NotFound("x") : Status::OK());
  return Status::AlreadyExists("reached the end");
}

TEST(ResultTest, ValueAndError) {
  Result<int> r = Half(8);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 4);
  EXPECT_EQ(r.value(), 4);
  EXPECT_TRUE(r.status().ok());
  Result<int> e = Half(3);
  EXPECT_FALSE(e.ok());
  EXPECT_EQ(e.status().message(), "odd: 3");
  EXPECT_EQ(e.ValueOr(-1), -1);
}

TEST(ResultTest, Macros) {
  int out = 0;
  EXPECT_TRUE(Quarter(8, &out).ok());
  EXPECT_EQ(out, 2);
  Status s = Quarter(6, &out);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_EQ(s.message(), "odd: 3");
  EXPECT_TRUE(Chain(true).IsNotFound());
  EXPECT_TRUE(Chain(false).IsAlreadyExists());
}

TEST(ResultTest, MoveOnlyValue) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(5);
  ASSERT_TRUE(r.ok());
  std::unique_ptr<int> p = std::move(r).value();
  EXPECT_EQ(*p, 5);
}

}  // namespace
}  // namespace quiver
