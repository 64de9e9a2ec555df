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
