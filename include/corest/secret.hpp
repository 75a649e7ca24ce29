#ifndef COREST_SECRET_HPP
#define COREST_SECRET_HPP

// A string that must never be printed: passwords, tokens, client secrets,
// API key values. It has no operator<< and no implicit conversion; the
// value is read only through reveal(), so a leak has to be written on purpose.

#include <ostream>
#include <string>
#include <string_view>

namespace corest {

class secret {
public:
    secret() = default;
    secret(std::string value) : value_(std::move(value)) {}
    secret(const char* value) : value_(value) {}

    /// The plain value, for the one place that puts it on the wire.
    const std::string& reveal() const noexcept { return value_; }
    bool empty() const noexcept { return value_.empty(); }
    friend bool operator==(const secret&, const secret&) = default;

private:
    std::string value_;
};

/// Printing a secret prints a mask, so test failures and debug output stay clean.
inline std::ostream& operator<<(std::ostream& os, const secret&) { return os << "***"; }

} // namespace corest

#endif
