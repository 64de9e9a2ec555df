// The RunListener end of ChromeTrace: apart so that chrome_trace.cpp stays
// free of the platform (and SystemC) headers RunResult comes with.
#include "platform/simulation.hpp"
#include "trace/chrome_trace.hpp"

namespace vtd {

void ChromeTrace::on_finish(const RunResult& r) { finish(r.findings, r.cycles); }

}  // namespace vtd
