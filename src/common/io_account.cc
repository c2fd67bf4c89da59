#include "common/io_account.h"

namespace quiver {

namespace {
thread_local IoAccount* current_account = nullptr;
}  // namespace

IoAccount* CurrentIoAccount() { return current_account; }

ScopedIoAccount::ScopedIoAccount(IoAccount* account) : previous_(current_account) {
  current_account = account;
}

ScopedIoAccount::~ScopedIoAccount() { current_account = previous_; }

}  // namespace quiver
