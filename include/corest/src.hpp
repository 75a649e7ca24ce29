#ifndef COREST_SRC_HPP
#define COREST_SRC_HPP

// Separate compilation: define COREST_SEPARATE_COMPILATION for every file of the program
// that includes corest, and include this header in exactly one .cpp file. That file
// compiles the call machinery once; the others only declare it and compile faster.
//
//   // corest.cpp
//   #include <corest/src.hpp>
//
// In CMake, link the `corest::compiled` target instead, which does both.

#ifndef COREST_SEPARATE_COMPILATION
#error "<corest/src.hpp> is for separate compilation: define COREST_SEPARATE_COMPILATION everywhere corest is included"
#endif

#include <corest/detail/client_core.hpp>
#include <corest/impl/client_core.ipp>

#endif
