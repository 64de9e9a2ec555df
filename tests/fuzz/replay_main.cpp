// A main for the fuzz targets without libFuzzer (g++ builds, CTest): runs
// every file given (or every file of every directory given), then N inputs
// made by mutating those files with a fixed seed, through
// LLVMFuzzerTestOneInput. A finding aborts (an uncaught exception, a trap, a
// sanitizer report), so the test fails with the input's origin printed.
//
//   fuzz_replay_NAME [--random N] [--seed S] [--max-len L] PATH...
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void run(const Bytes& b) { LLVMFuzzerTestOneInput(b.data(), b.size()); }

// A few libFuzzer-like mutations: byte changes, insertions, deletions,
// copies within the input, splices with another input, interesting numbers.
Bytes mutate(const std::vector<Bytes>& corpus, std::mt19937_64& rng, std::size_t max_len) {
  auto pick = [&](std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(rng() % n); };
  Bytes b = corpus.empty() ? Bytes{} : corpus[pick(corpus.size())];
  const unsigned rounds = 1 + static_cast<unsigned>(rng() % 8);
  for (unsigned k = 0; k < rounds; ++k) {
    switch (rng() % 7) {
      case 0:
        if (!b.empty()) b[pick(b.size())] = static_cast<std::uint8_t>(rng());
        break;
      case 1:
        if (!b.empty()) b[pick(b.size())] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
        break;
      case 2:
        b.insert(b.begin() + static_cast<long>(pick(b.size() + 1)), static_cast<std::uint8_t>(rng()));
        break;
      case 3:
        if (!b.empty()) {
          const std::size_t at = pick(b.size()), n = 1 + pick(std::min<std::size_t>(16, b.size() - at));
          b.erase(b.begin() + static_cast<long>(at), b.begin() + static_cast<long>(at + n));
        }
        break;
      case 4:
        if (!b.empty()) {
          const std::size_t from = pick(b.size()), n = 1 + pick(std::min<std::size_t>(32, b.size() - from));
          const Bytes piece(b.begin() + static_cast<long>(from), b.begin() + static_cast<long>(from + n));
          b.insert(b.begin() + static_cast<long>(pick(b.size() + 1)), piece.begin(), piece.end());
        }
        break;
      case 5:
        if (!corpus.empty()) {
          const Bytes& o = corpus[pick(corpus.size())];
          const std::size_t cut = pick(b.size() + 1), from = pick(o.size() + 1);
          b.resize(cut);
          b.insert(b.end(), o.begin() + static_cast<long>(from), o.end());
        }
        break;
      case 6: {
        static const char* const kTokens[] = {"0",
                                              "1",
                                              "-1",
                                              "0xffffffffffffffff",
                                              "18446744073709551616",
                                              ":",
                                              "\n",
                                              "- ",
                                              "{",
                                              "}",
                                              "[",
                                              "]",
                                              "\"",
                                              "true",
                                              "\xff\xfe"};
        const char* t = kTokens[pick(std::size(kTokens))];
        b.insert(b.begin() + static_cast<long>(pick(b.size() + 1)), t, t + std::strlen(t));
        break;
      }
    }
  }
  if (b.size() > max_len) b.resize(max_len);
  return b;
}

}  // namespace

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
  unsigned long long random = 0, seed = 1;
  std::size_t max_len = 8192;
  std::vector<std::filesystem::path> files;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if ((a == "--random" || a == "--seed" || a == "--max-len") && i + 1 < argc) {
      const unsigned long long v = std::strtoull(argv[++i], nullptr, 0);
      if (a == "--random")
        random = v;
      else if (a == "--seed")
        seed = v;
      else
        max_len = static_cast<std::size_t>(v);
    } else if (std::filesystem::is_directory(a)) {
      for (const auto& e : std::filesystem::recursive_directory_iterator(a))
        if (e.is_regular_file()) files.push_back(e.path());
    } else {
      files.emplace_back(a);
    }
  }
  std::sort(files.begin(), files.end());
  std::vector<Bytes> corpus;
  for (const auto& f : files) {
    std::fprintf(stderr, "replay: %s\n", f.c_str());
    corpus.push_back(read_file(f));
    run(corpus.back());
  }
  std::mt19937_64 rng(seed);
  for (unsigned long long n = 0; n < random; ++n) {
    const Bytes b = mutate(corpus, rng, max_len);
    // The input's number: rerun with --random N+1 to reach it again.
    if (std::getenv("FUZZ_REPLAY_VERBOSE")) std::fprintf(stderr, "replay: random input %llu\n", n);
    // FUZZ_REPLAY_SAVE=FILE: each random input is written there before it
    // runs, so after a finding FILE holds the input that found it.
    if (const char* save = std::getenv("FUZZ_REPLAY_SAVE"))
      std::ofstream(save, std::ios::binary)
          .write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
    run(b);
  }
  std::printf("replay: %zu corpus inputs, %llu random inputs (seed %llu): no findings\n", files.size(),
              random, seed);
  return 0;
}
