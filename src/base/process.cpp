#include "base/process.hpp"

#include <sys/prctl.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>

namespace vtd {

namespace {

// Fixed slots written by the main flow and read by the handler: an atomic
// pointer store is all the handler can safely rely on (no locks, no
// allocation while it runs).
constexpr std::size_t kSlots = 64;
std::array<std::atomic<char*>, kSlots> g_files{};
std::array<std::atomic<pid_t>, 256> g_workers{};

constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP};

void on_signal(int sig) {
  const int saved = errno;
  for (auto& w : g_workers)
    if (const pid_t p = w.load(); p > 0) kill(p, SIGKILL);
  for (auto& f : g_files)
    if (char* p = f.load()) unlink(p);
  static const char msg[] = "vtdsim: interrupted\n";
  [[maybe_unused]] const ssize_t n = write(STDERR_FILENO, msg, sizeof msg - 1);
  errno = saved;
  // Die of the signal itself, as without a handler.
  signal(sig, SIG_DFL);
  raise(sig);
}

}  // namespace

void install_signal_cleanup() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  for (int s : kSignals) sigaddset(&sa.sa_mask, s);  // one cleanup at a time
  for (int s : kSignals) {
    // An ignored signal stays ignored (nohup, a shell's background job).
    struct sigaction old {};
    sigaction(s, nullptr, &old);
    if (old.sa_handler == SIG_IGN) continue;
    sigaction(s, &sa, nullptr);
  }
}

int remember_file(const char* path) {
  char* copy = strdup(path);
  if (!copy) return -1;
  for (std::size_t i = 0; i < kSlots; ++i) {
    char* expected = nullptr;
    if (g_files[i].compare_exchange_strong(expected, copy)) return static_cast<int>(i);
  }
  std::free(copy);
  return -1;
}

void forget_file(int slot) {
  if (slot < 0 || static_cast<std::size_t>(slot) >= kSlots) return;
  std::free(g_files[static_cast<std::size_t>(slot)].exchange(nullptr));
}

void remember_worker(pid_t pid) {
  for (auto& w : g_workers) {
    pid_t expected = 0;
    if (w.compare_exchange_strong(expected, pid)) return;
  }
  // No slot: the worker still dies with vtdsim (become_worker).
}

void forget_worker(pid_t pid) {
  for (auto& w : g_workers) {
    pid_t expected = pid;
    if (w.compare_exchange_strong(expected, 0)) return;
  }
}

void become_worker(pid_t parent) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  // The parent may have died between fork() and prctl(): then this process
  // was already reparented and no signal will come.
  if (getppid() != parent) _exit(3);
  for (int s : kSignals) {
    struct sigaction old {};
    sigaction(s, nullptr, &old);
    if (old.sa_handler == on_signal) signal(s, SIG_DFL);
  }
  // The parent's temporary files and workers are not this process's (the
  // strings leak: the worker ends with _exit).
  for (auto& f : g_files) f.store(nullptr);
  for (auto& w : g_workers) w.store(0);
}

SignalsHeld::SignalsHeld() {
  sigset_t block;
  sigemptyset(&block);
  for (int s : kSignals) sigaddset(&block, s);
  sigprocmask(SIG_BLOCK, &block, &old_);
}

SignalsHeld::~SignalsHeld() { sigprocmask(SIG_SETMASK, &old_, nullptr); }

}  // namespace vtd
