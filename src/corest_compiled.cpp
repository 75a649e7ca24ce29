// The one translation unit of the corest::compiled target: the call machinery compiled
// once (separate compilation; see include/corest/src.hpp).
#include <corest/src.hpp>
