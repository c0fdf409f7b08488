#include "vivid/vivid.h"

namespace vivid {

// VIVID_VERSION comes from project(VERSION) in CMakeLists.txt, the one place it is written.
const char* version() { return VIVID_VERSION; }

}  // namespace vivid
