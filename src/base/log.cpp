#include "base/log.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

#include "base/cycles.hpp"

namespace vtd {

namespace {

// %C: the current simulation cycle.
class CycleFlag : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg&, const std::tm&, spdlog::memory_buf_t& dest) override {
    auto s = std::to_string(LogCycle::now());
    dest.append(s.data(), s.data() + s.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<CycleFlag>(); }
};

std::shared_ptr<spdlog::sinks::sink> shared_sink() {
  static auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  return sink;
}

spdlog::level::level_enum g_level = spdlog::level::warn;

}  // namespace

bool setup_logging(const std::string& level) {
  // Every episode asks; compiling the pattern again is most of its cost.
  static std::string configured;
  if (!configured.empty() && level == configured) return true;
  auto lvl = spdlog::level::from_str(level);
  if (lvl == spdlog::level::off && level != "off") return false;
  configured = level;
  g_level = lvl;
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<CycleFlag>('C').set_pattern("[cycle %C] [%n] %l: %v");
  shared_sink()->set_formatter(std::move(formatter));
  spdlog::apply_all([&](std::shared_ptr<spdlog::logger> l) { l->set_level(lvl); });
  return true;
}

std::shared_ptr<spdlog::logger> module_logger(const std::string& module_name) {
  if (auto l = spdlog::get(module_name)) return l;
  auto l = std::make_shared<spdlog::logger>(module_name, shared_sink());
  l->set_level(g_level);
  spdlog::register_logger(l);
  return l;
}

}  // namespace vtd
