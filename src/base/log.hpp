// Logging through spdlog, every line stamped with the simulation cycle and
// the emitting module's SystemC name: "[cycle 123] [top.iommu] debug: ...".
#pragma once

#include <spdlog/spdlog.h>

#include <memory>
#include <string>

namespace vtd {

// Configure the global sink, pattern and level ("trace".."off"); returns
// false on an unknown level name.
bool setup_logging(const std::string& level);
// Logger named after a module (created on first use).
std::shared_ptr<spdlog::logger> module_logger(const std::string& module_name);

}  // namespace vtd

// Logs at `lvl` (trace, debug, info, warn, critical) through `logger`
// only when that level is enabled: otherwise not one argument is evaluated
// (no to_string, no describe) and nothing is formatted. Hot paths (every
// store, burst, DMA request) log only through this.
#define VTD_LOG(logger, lvl, ...)                                             \
  do {                                                                        \
    if ((logger)->should_log(spdlog::level::lvl)) (logger)->lvl(__VA_ARGS__); \
  } while (0)
