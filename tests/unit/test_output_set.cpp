// OutputSet: every output of a command checked before anything runs, and
// written all or none.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "trace/output_file.hpp"

using namespace vtd;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path dir;
  TempDir() {
    std::string t = (fs::temp_directory_path() / "vtdsim-outputs-XXXXXX").string();
    dir = mkdtemp(t.data());
  }
  ~TempDir() { fs::remove_all(dir); }
  std::string operator/(const std::string& name) const { return (dir / name).string(); }
  // Every name in the directory (temporary files included).
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }
};

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void spit(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

}  // namespace

TEST_CASE("outputs are renamed into place together once all were written", "[outputs]") {
  TempDir t;
  spit(t / "old.json", "old");
  chmod((t / "old.json").c_str(), 0640);
  {
    OutputSet o("test");
    std::string err;
    REQUIRE(o.add("json", t / "old.json", err));
    REQUIRE(o.add("csv", t / "new.csv", err));
    o.stream("json") << "new json";
    o.stream("csv") << "new csv";
    CHECK(slurp(t / "old.json") == "old");  // nothing visible before commit
    REQUIRE(o.commit(err));
  }
  CHECK(slurp(t / "old.json") == "new json");
  CHECK(slurp(t / "new.csv") == "new csv");
  struct stat st;
  REQUIRE(stat((t / "old.json").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0640);  // a replaced file keeps its mode
  CHECK(t.names() == std::vector<std::string>{"new.csv", "old.json"});
}

TEST_CASE("a write error in one output leaves every destination as it was", "[outputs]") {
  TempDir t;
  spit(t / "a.json", "old a");
  OutputSet o("test");
  std::string err;
  REQUIRE(o.add("json", t / "a.json", err));
  REQUIRE(o.add("plot", t / "b.svg", err));
  o.stream("json") << "new a";
  o.stream("plot") << "new b";
  o.stream("plot").setstate(std::ios::badbit);  // as a failed write (a full disk) leaves it
  CHECK_FALSE(o.commit(err));
  CHECK_THAT(err, Catch::Matchers::Contains("--plot: cannot write"));
  CHECK(slurp(t / "a.json") == "old a");
  CHECK(t.names() == std::vector<std::string>{"a.json"});  // no b.svg, no temporary file
}

TEST_CASE("a rename that fails undoes the renames before it", "[outputs]") {
  TempDir t;
  spit(t / "a.json", "old a");
  OutputSet o("test");
  std::string err;
  REQUIRE(o.add("json", t / "a.json", err));
  REQUIRE(o.add("csv", t / "n.csv", err));
  REQUIRE(o.add("plot", t / "c.svg", err));
  o.stream("json") << "new a";
  o.stream("csv") << "new n";
  o.stream("plot") << "new c";
  fs::create_directory(t / "c.svg");  // appears after the check: its rename fails
  CHECK_FALSE(o.commit(err));
  CHECK_THAT(err, Catch::Matchers::Contains("--plot: cannot write"));
  CHECK(slurp(t / "a.json") == "old a");  // restored
  CHECK_FALSE(fs::exists(t / "n.csv"));   // removed
  CHECK(t.names() == std::vector<std::string>{"a.json", "c.svg"});
}

TEST_CASE("outputs not committed leave no temporary file", "[outputs]") {
  TempDir t;
  {
    OutputSet o("test");
    std::string err;
    REQUIRE(o.add("json", t / "r.json", err));
    o.stream("json") << "x";
    CHECK(t.names().size() == 1);  // the temporary file
  }
  CHECK(t.names().empty());
}

TEST_CASE("a bad destination is refused before anything is created", "[outputs]") {
  TempDir t;
  spit(t / "in.yaml", "input");
  fs::create_directory(t / "dir");
  fs::create_symlink(t / "in.yaml", t / "link.yaml");
  fs::create_symlink(t / "nothing", t / "dangling");
  REQUIRE(mkfifo((t / "fifo").c_str(), 0600) == 0);
  auto refused = [&](const std::string& path, const std::string& why, const std::string& other = "") {
    OutputSet o("test");
    o.protect(t / "in.yaml", "the scenario");
    std::string err;
    if (!other.empty()) REQUIRE(o.add("csv", other, err));
    CHECK_FALSE(o.add("json", path, err));
    CHECK_THAT(err, Catch::Matchers::StartsWith("--json: ") && Catch::Matchers::Contains(why));
  };
  refused("", "empty file name");
  refused("-", "'-' is not a file");
  refused(t / "no/such/r.json", "no such directory");
  refused(t / "dir", "is a directory");
  refused(t / "dir/", "is a directory");
  refused("/dev/null", "a character device");
  refused("/dev/full", "a character device");
  refused(t / "fifo", "a FIFO");
  refused(t / "in.yaml", "is the scenario");
  refused(t / "dir/../in.yaml", "is the scenario");
  refused(t / "link.yaml", "is the scenario");  // through a symbolic link
  refused(t / "dangling", "a symbolic link to nothing");
  refused(t / "r.json", "--csv names the same file", t / "r.json");
  refused(t / "dir/../r.json", "--csv names the same file", t / "r.json");
  // A hard link to the input is the input.
  REQUIRE(link((t / "in.yaml").c_str(), (t / "hard.yaml").c_str()) == 0);
  refused(t / "hard.yaml", "is the scenario");
  CHECK(slurp(t / "in.yaml") == "input");
  CHECK(t.names() ==
        std::vector<std::string>{"dangling", "dir", "fifo", "hard.yaml", "in.yaml", "link.yaml"});
}

TEST_CASE("an output through a symbolic link replaces the file it names and keeps the link", "[outputs]") {
  TempDir t;
  spit(t / "real.json", "old");
  fs::create_symlink("real.json", t / "link.json");
  OutputSet o("test");
  std::string err;
  REQUIRE(o.add("json", t / "link.json", err));
  o.stream("json") << "new";
  REQUIRE(o.commit(err));
  CHECK(fs::is_symlink(t / "link.json"));
  CHECK(slurp(t / "real.json") == "new");
}
