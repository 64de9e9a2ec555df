// A command's output files, all written or none (docs/reliability.md):
// add() checks each destination before anything runs (a bad one is bad
// input, exit 2) and creates its temporary file in the destination's
// directory; the command writes the streams; commit() renames every
// temporary file over its destination once all were written in full, and
// otherwise removes them all, restoring what an already renamed one replaced.
// Temporary files are also removed when vtdsim is killed by SIGINT, SIGTERM
// or SIGHUP (base/process.hpp).
#pragma once

#include <sys/types.h>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

namespace vtd {

class OutputSet {
 public:
  explicit OutputSet(std::string command);
  ~OutputSet();
  OutputSet(const OutputSet&) = delete;
  OutputSet& operator=(const OutputSet&) = delete;

  // An input no output may replace (compared by device and inode, so another
  // path to it counts too); `what` names it in the message ("the scenario").
  // A path that does not exist is ignored (reading it fails later).
  void protect(const std::string& input, const std::string& what);

  // The destination of option `option` ("json" for --json): accepted when it
  // is a new file in an existing directory or an existing regular file (a
  // symbolic link to one: the file it names is replaced, the link stays).
  // Refused: an empty name, "-", a missing directory, a directory, anything
  // not a regular file (/dev/null, a FIFO, a socket), a protected input,
  // where standard input, output or error goes, a file another option
  // already names, a file system with no space left. False with `error`
  // ("--json: cannot write out/r.json: no such directory out") then.
  bool add(const std::string& option, const std::string& path, std::string& error);

  bool has(const std::string& option) const;
  // The stream to write option's output to (after add() succeeded).
  std::ostream& stream(const std::string& option);

  // All or none: false with `error` when some output could not be written
  // or renamed; then no destination changed.
  bool commit(std::string& error);

 private:
  struct Entry;
  Entry* find(const std::string& option) const;
  void discard();
  std::string command_;
  struct Input {
    dev_t dev;
    ino_t ino;
    std::string path, what;
  };
  std::vector<Input> inputs_;
  std::vector<std::unique_ptr<Entry>> entries_;
  bool committed_ = false;
};

}  // namespace vtd
