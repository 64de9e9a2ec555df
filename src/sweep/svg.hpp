// The race window as a picture: offset across, one row per combination of
// the other dimensions, a color per verdict. Plain SVG, opens in a browser.
#pragma once

#include <string>

#include "sweep/sweep.hpp"

namespace vtd {

std::string sweep_svg(const SweepReport& r);

}  // namespace vtd
