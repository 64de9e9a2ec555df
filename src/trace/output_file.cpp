#include "trace/output_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "base/process.hpp"

namespace vtd {

namespace fs = std::filesystem;

struct OutputSet::Entry {
  std::string option, path;  // as given
  std::string dest;          // what is renamed over: `path`, or the file a symbolic link names
  std::string temp, backup;
  int slot = -1;  // base/process.hpp's record of `temp`
  std::ofstream out;
  bool existed = false;
  dev_t dev = 0;  // the destination's (existed) or its directory's
  ino_t ino = 0;
  std::string base;  // the destination's file name (with dev/ino of its directory: a new file)
};

namespace {

const char* file_kind(mode_t m) {
  if (S_ISCHR(m)) return "a character device";
  if (S_ISBLK(m)) return "a block device";
  if (S_ISFIFO(m)) return "a FIFO";
  if (S_ISSOCK(m)) return "a socket";
  return "not a regular file";
}

std::string dir_of(const std::string& path) {
  const fs::path p = fs::path(path).parent_path();
  return p.empty() ? std::string(".") : p.string();
}

}  // namespace

OutputSet::OutputSet(std::string command) : command_(std::move(command)) {}

OutputSet::~OutputSet() {
  if (!committed_) discard();
}

void OutputSet::discard() {
  for (auto& e : entries_) {
    if (e->out.is_open()) e->out.close();
    if (!e->temp.empty()) unlink(e->temp.c_str());
    forget_file(e->slot);
    e->slot = -1;
    e->temp.clear();
  }
}

void OutputSet::protect(const std::string& input, const std::string& what) {
  struct stat st;
  if (stat(input.c_str(), &st) == 0) inputs_.push_back({st.st_dev, st.st_ino, input, what});
}

OutputSet::Entry* OutputSet::find(const std::string& option) const {
  for (const auto& e : entries_)
    if (e->option == option) return e.get();
  return nullptr;
}

bool OutputSet::has(const std::string& option) const { return find(option) != nullptr; }

std::ostream& OutputSet::stream(const std::string& option) { return find(option)->out; }

bool OutputSet::add(const std::string& option, const std::string& path, std::string& error) {
  const std::string opt = "--" + option + ": ";
  auto refuse = [&](const std::string& why) {
    error = opt + why;
    return false;
  };
  if (path.empty()) return refuse("an empty file name");
  if (path == "-")
    return refuse("'-' is not a file: outputs are written to files (standard output carries the report)");
  auto e = std::make_unique<Entry>();
  e->option = option;
  e->path = e->dest = path;
  struct stat st;
  if (lstat(path.c_str(), &st) == 0) {
    if (S_ISLNK(st.st_mode)) {
      char* real = realpath(path.c_str(), nullptr);
      if (!real || stat(real, &st) != 0) {
        std::free(real);
        return refuse("cannot write " + path + ": a symbolic link to nothing");
      }
      e->dest = real;
      std::free(real);
    }
    if (S_ISDIR(st.st_mode)) return refuse(path + " is a directory");
    if (!S_ISREG(st.st_mode))
      return refuse(path + " is " + file_kind(st.st_mode) +
                    ", not a regular file (vtdsim writes an output by replacing a regular file, and never "
                    "replaces a device, a FIFO or a socket)");
    e->existed = true;
    e->dev = st.st_dev;
    e->ino = st.st_ino;
    for (const Input& in : inputs_)
      if (in.dev == st.st_dev && in.ino == st.st_ino)
        return refuse(path + " is " + in.what + (in.path != path ? " (" + in.path + ")" : "") +
                      ": an output never replaces an input");
    static const char* const kStd[] = {"standard input", "standard output", "standard error"};
    for (int fd = 0; fd < 3; ++fd) {
      struct stat sf;
      if (fstat(fd, &sf) == 0 && S_ISREG(sf.st_mode) && sf.st_dev == st.st_dev && sf.st_ino == st.st_ino)
        return refuse(path + " is where " + kStd[fd] + " goes");
    }
  } else if (errno == ENOENT) {
    const std::string dir = dir_of(path);
    struct stat sd;
    if (stat(dir.c_str(), &sd) != 0) {
      if (errno == ENOENT) return refuse("cannot write " + path + ": no such directory " + dir);
      return refuse("cannot write " + path + ": " + dir + ": " + std::strerror(errno));
    }
    if (!S_ISDIR(sd.st_mode)) return refuse("cannot write " + path + ": " + dir + " is not a directory");
  } else {
    return refuse("cannot write " + path + ": " + std::strerror(errno));
  }
  const std::string dir = dir_of(e->dest);
  e->base = fs::path(e->dest).filename().string();
  struct stat sd;
  if (stat(dir.c_str(), &sd) != 0) return refuse("cannot write " + path + ": " + std::strerror(errno));
  if (!e->existed) {  // a new file: its directory and name identify it
    e->dev = sd.st_dev;
    e->ino = sd.st_ino;
  }
  for (const auto& o : entries_)
    if (o->existed == e->existed && o->dev == e->dev && o->ino == e->ino &&
        (e->existed || o->base == e->base))
      return refuse("--" + o->option + " names the same file (" + o->path + ")");
  // A full file system is known now; a write error later is still caught by commit().
  struct statvfs vfs;
  if (statvfs(dir.c_str(), &vfs) == 0 && vfs.f_blocks > 0 &&
      (geteuid() == 0 ? vfs.f_bfree : vfs.f_bavail) == 0)
    return refuse("cannot write " + path + ": no space left on the file system of " + dir);

  // The temporary file: in the same directory, so that the rename stays on one file system.
  std::string pattern = (fs::path(dir) / (e->base + ".tmp.XXXXXX")).string();
  const int fd = mkstemp(pattern.data());
  if (fd < 0) return refuse("cannot write " + path + ": " + std::strerror(errno));
  e->temp = pattern;
  e->slot = remember_file(e->temp.c_str());
  // mkstemp makes it 0600: an existing file keeps its mode, a new one gets 0666 & ~umask.
  mode_t mode;
  if (e->existed && stat(e->dest.c_str(), &st) == 0) {
    mode = st.st_mode & 07777;
  } else {
    const mode_t mask = umask(0);
    umask(mask);
    mode = 0666 & ~mask;
  }
  fchmod(fd, mode);
  close(fd);
  e->out.open(e->temp, std::ios::binary | std::ios::trunc);
  entries_.push_back(std::move(e));
  if (!entries_.back()->out) return refuse("cannot write " + path);
  return true;
}

bool OutputSet::commit(std::string& error) {
  // Every output written in full first: a write error (a full disk) shows here.
  for (auto& e : entries_) {
    errno = 0;
    e->out.flush();
    const bool wrote = static_cast<bool>(e->out);
    const int err = errno;
    e->out.close();
    if (!wrote || e->out.fail()) {
      error = "--" + e->option + ": cannot write " + e->path + ": " +
              (err == ENOSPC || err == EDQUOT || err == EIO || err == EFBIG ? std::strerror(err)
                                                                            : "a write failed");
      discard();
      return false;
    }
  }
  // Then the renames, with signals held: none can stop vtdsim half-way.
  const SignalsHeld held;
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    Entry& e = *entries_[i];
    struct stat st;
    const bool exists = lstat(e.dest.c_str(), &st) == 0 && S_ISREG(st.st_mode);
    // A hard link keeps what the rename replaces, until every rename succeeded.
    if (exists && link(e.dest.c_str(), (e.temp + ".old").c_str()) == 0) e.backup = e.temp + ".old";
    if (rename(e.temp.c_str(), e.dest.c_str()) != 0) {
      error = "--" + e.option + ": cannot write " + e.path + ": " + std::strerror(errno);
      if (!e.backup.empty()) unlink(e.backup.c_str());
      for (std::size_t j = 0; j < i; ++j) {  // undo the renames done
        Entry& d = *entries_[j];
        if (!d.backup.empty())
          rename(d.backup.c_str(), d.dest.c_str());
        else
          unlink(d.dest.c_str());
        d.temp.clear();  // renamed: nothing left to remove
      }
      discard();
      return false;
    }
  }
  for (auto& e : entries_) {
    if (!e->backup.empty()) unlink(e->backup.c_str());
    forget_file(e->slot);
    e->slot = -1;
  }
  committed_ = true;
  return true;
}

}  // namespace vtd
