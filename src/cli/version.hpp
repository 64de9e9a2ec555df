// vtdsim's version: the CMake project version and, when built from a git
// checkout, the commit (`git describe --always --dirty` at build time). The
// definition is generated into the build directory (cmake/version.cmake) and
// linked into the vtdsim executable only, so a new commit recompiles one file.
#pragma once

namespace vtd {

// "0.1.0"
const char* project_version();
// "ec2cd7d", "ec2cd7d-dirty", or "" when not built from a git checkout.
const char* git_commit();
// "vtdsim 0.1.0 (git ec2cd7d)", or "vtdsim 0.1.0" without a commit.
const char* version_text();

}  // namespace vtd
