// An output file written all at once or not at all: reserve() creates a
// temporary file next to the destination before anything runs (so an
// unwritable path is found early), commit() renames it over the destination
// after it was written in full; otherwise the temporary file is removed.
#pragma once

#include <fstream>
#include <string>

namespace vtd {

class OutputFile {
 public:
  explicit OutputFile(std::string path) : path_(std::move(path)) {}
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  // Creates the temporary file; false with `error` set when the destination
  // cannot be written (no such directory, no permission, a directory).
  bool reserve(std::string& error);
  // The stream to write to (valid after reserve()).
  std::ofstream& stream() { return out_; }
  // Flushes, closes and renames into place; false with `error` set otherwise
  // (the temporary file is then removed).
  bool commit(std::string& error);
  const std::string& path() const { return path_; }

 private:
  std::string path_, temp_;
  std::ofstream out_;
  bool committed_ = false;
};

}  // namespace vtd
