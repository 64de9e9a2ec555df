#include "trace/output_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <vector>

namespace vtd {

OutputFile::~OutputFile() {
  if (!temp_.empty() && !committed_) {
    out_.close();
    std::remove(temp_.c_str());
  }
}

bool OutputFile::reserve(std::string& error) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (path_.empty()) {
    error = "empty file name";
    return false;
  }
  if (fs::is_directory(path_, ec)) {
    error = path_ + " is a directory";
    return false;
  }
  // mkstemp in the destination's directory: the rename stays on one file system.
  std::string pattern = path_ + ".tmp.XXXXXX";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  const int fd = mkstemp(buf.data());
  if (fd < 0) {
    error = "cannot write " + path_ + ": " + std::strerror(errno);
    return false;
  }
  close(fd);
  temp_ = buf.data();
  out_.open(temp_, std::ios::binary | std::ios::trunc);
  if (!out_) {
    std::remove(temp_.c_str());
    temp_.clear();
    error = "cannot write " + path_;
    return false;
  }
  return true;
}

bool OutputFile::commit(std::string& error) {
  if (temp_.empty()) {
    error = "nothing reserved for " + path_;
    return false;
  }
  out_.flush();
  const bool ok = static_cast<bool>(out_);
  out_.close();
  if (!ok || out_.fail()) {
    error = "cannot write " + path_ + " (write failed)";
    return false;
  }
  // mkstemp creates the file 0600; give it the usual 0666 & ~umask.
  const mode_t mask = umask(0);
  umask(mask);
  chmod(temp_.c_str(), 0666 & ~mask);
  if (std::rename(temp_.c_str(), path_.c_str()) != 0) {
    error = "cannot write " + path_ + ": " + std::strerror(errno);
    return false;
  }
  committed_ = true;
  return true;
}

}  // namespace vtd
