#ifndef COREST_VERSION_HPP
#define COREST_VERSION_HPP

#define COREST_VERSION_STRING "0.1.0"

namespace corest {
inline constexpr const char* version = COREST_VERSION_STRING;
inline constexpr const char* user_agent = "corest/" COREST_VERSION_STRING;
} // namespace corest

#endif
