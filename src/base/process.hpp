// Process hygiene: worker processes die with their parent, and SIGINT,
// SIGTERM or SIGHUP to vtdsim kill its workers and remove its temporary
// output files before it dies of the signal (docs/reliability.md).
#pragma once

#include <sys/types.h>

#include <csignal>

namespace vtd {

// Installs the handlers for SIGINT, SIGTERM and SIGHUP (main, once). The
// handler only makes async-signal-safe calls: unlink() each registered file,
// kill() each registered worker, then re-raises the signal with its default
// action (the exit status says which signal ended vtdsim).
void install_signal_cleanup();

// A file the handler removes (a temporary output). Returns a slot for
// forget_file, or -1 when every slot is taken (the file is then not removed
// on a signal: still correct, only untidy).
int remember_file(const char* path);
void forget_file(int slot);

// A worker process the handler kills.
void remember_worker(pid_t pid);
void forget_worker(pid_t pid);

// Call first in a forked worker: it gets SIGKILL when `parent` dies (also
// when that happened before this call), default signal actions, and forgets
// the parent's files and workers (they are the parent's to clean up).
void become_worker(pid_t parent);

// Blocks SIGINT, SIGTERM and SIGHUP while alive: a signal during the renames
// that commit a command's outputs waits until all of them are in place.
class SignalsHeld {
 public:
  SignalsHeld();
  ~SignalsHeld();
  SignalsHeld(const SignalsHeld&) = delete;
  SignalsHeld& operator=(const SignalsHeld&) = delete;

 private:
  sigset_t old_;
};

}  // namespace vtd
