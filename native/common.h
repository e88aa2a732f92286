// Small helpers shared by the addon's files: errno-coded errors, an owning fd, and a guard
// that keeps C++ exceptions from crossing the N-API boundary.
#pragma once

#include <napi.h>
#include <string.h>
#include <unistd.h>

#include <exception>
#include <string>

#include "errno_names.h"

namespace seccomp_node {

// Throws a JS Error whose `code` is the errno name and whose `errno` is the number.
[[noreturn]] inline void ThrowErrno(Napi::Env env, int err, const std::string& what) {
  Napi::Error error = Napi::Error::New(env, what + ": " + strerror(err));
  error.Set("code", Napi::String::New(env, ErrnoName(err)));
  error.Set("errno", Napi::Number::New(env, err));
  throw error;
}

[[noreturn]] inline void ThrowCode(Napi::Env env, const char* code, const std::string& message) {
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", Napi::String::New(env, code));
  throw error;
}

class UniqueFd {
 public:
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() {
    if (fd_ >= 0) close(fd_);
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  int get() const { return fd_; }
  // Gives the descriptor up: the caller owns it from now on.
  int Release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

// Wraps an addon function so that any C++ exception becomes a JS exception.
// node-addon-api already converts Napi::Error; this also catches std::exception
// (std::bad_alloc from a vector, say) that would otherwise terminate the process.
template <Napi::Value (*Fn)(const Napi::CallbackInfo&)>
Napi::Value Guarded(const Napi::CallbackInfo& info) {
  try {
    return Fn(info);
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& e) {
    ThrowCode(info.Env(), "ERR_SECCOMP_NATIVE", std::string("native error: ") + e.what());
  }
}

}  // namespace seccomp_node
