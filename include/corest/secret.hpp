#ifndef COREST_SECRET_HPP
#define COREST_SECRET_HPP

// A string that must never be printed: passwords, tokens, client secrets,
// API key values. It has no operator<< and no implicit conversion; the
// value is read only through reveal(), so a leak has to be written on purpose.

#include <ostream>
#include <string>
#include <string_view>

namespace corest {

/// A password, token or key: readable through reveal() only, printed as ***.
class secret {
public:
    secret() = default;
    /// Holds `value`.
    secret(std::string value) : value_(std::move(value)) {}
    /// Holds `value`.
    secret(const char* value) : value_(value) {}

    /// The plain value, for the one place that puts it on the wire.
    const std::string& reveal() const noexcept { return value_; }
    /// True when there is no value.
    bool empty() const noexcept { return value_.empty(); }
    /// Equal values (compared as plain strings; not constant-time).
    friend bool operator==(const secret&, const secret&) = default;

private:
    std::string value_;
};

/// Printing a secret prints a mask, so test failures and debug output stay clean.
inline std::ostream& operator<<(std::ostream& os, const secret&) { return os << "***"; }

} // namespace corest

#endif
