#ifndef COREST_DETAIL_INPUT_READER_HPP
#define COREST_DETAIL_INPUT_READER_HPP

// Reading JSON inputs strictly: typed getters that record the first problem as an
// INVALID_INPUT / MISSING_INPUT naming the input by its dotted path, unknown keys with a
// "did you mean" from the known names, numbers as integers only when they are whole.

#include <corest/detail/validate/messages.hpp>
#include <corest/request.hpp>

#include <boost/json/array.hpp>
#include <boost/json/kind.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace corest::detail {

inline std::optional<double> json_number(const boost::json::value& v) noexcept
{
    if (v.is_int64()) return static_cast<double>(v.get_int64());
    if (v.is_uint64()) return static_cast<double>(v.get_uint64());
    if (v.is_double()) return v.get_double();
    return std::nullopt;
}

/// An integral JSON number (1 and 1.0 alike, as JSON Schema's "integer"); huge values saturate.
inline std::optional<std::int64_t> json_integer(const boost::json::value& v) noexcept
{
    constexpr auto max = std::numeric_limits<std::int64_t>::max();
    if (v.is_int64()) return v.get_int64();
    if (v.is_uint64()) return v.get_uint64() > static_cast<std::uint64_t>(max) ? max : static_cast<std::int64_t>(v.get_uint64());
    if (v.is_double()) {
        double d = v.get_double();
        if (std::trunc(d) != d) return std::nullopt;
        if (d >= 9.2e18) return max;
        if (d <= -9.2e18) return std::numeric_limits<std::int64_t>::min();
        return static_cast<std::int64_t>(d);
    }
    return std::nullopt;
}

/// Levenshtein distance, for "did you mean" hints on unknown keys.
inline std::size_t edit_distance(std::string_view a, std::string_view b)
{
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diag = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diag = up;
        }
    }
    return row[b.size()];
}

inline std::string join_path(std::string_view parent, std::string_view key)
{
    return parent.empty() ? std::string(key) : std::string(parent) + "." + std::string(key);
}

inline std::string index_path(std::string_view parent, std::size_t i)
{
    return std::string(parent) + "[" + std::to_string(i) + "]";
}

/// Reads typed values out of the inputs. The first problem is kept (sticky),
/// later reads return harmless defaults, so mapping code stays linear.
class input_reader {
public:
    input_check problem;
    bool ok() const noexcept { return problem.ok(); }

    void fail(error code, std::string message)
    {
        if (problem.ok()) problem = {code, std::move(message)};
    }

    /// `input "P" must be EXPECTED, got TYPE`; with `show_value` a number or bool
    /// is shown itself. Never for string inputs: those may hold secrets.
    void wrong(std::string_view path, std::string_view expected, const boost::json::value& got, bool show_value = true)
    {
        std::string shown(json_kind_name(got));
        if (show_value && got.is_bool()) shown = got.get_bool() ? "true" : "false";
        else if (auto n = json_number(got); show_value && n) shown = format_number(*n);
        fail(error::invalid_input, input_ref(path) + " must be " + std::string(expected) + ", got " + shown);
    }

    /// Every key of `o` must be one of `known`; else `unknown input "path.key"` with a hint.
    void only_keys(std::string_view path, const boost::json::object& o, const std::vector<std::string_view>& known,
                   std::string_view takes = {})
    {
        for (const auto& kv : o) {
            std::string_view key = kv.key();
            if (std::find(known.begin(), known.end(), key) != known.end()) continue;
            std::string msg = "unknown input " + quote_name(join_path(path, key));
            std::string_view best;
            std::size_t best_distance = 3;
            for (auto k : known)
                if (auto d = edit_distance(key, k); d < best_distance && d < k.size()) best = k, best_distance = d;
            if (!best.empty()) msg += " (did you mean " + quote_name(join_path(path, best)) + "?)";
            if (!path.empty()) {
                msg += "; " + (takes.empty() ? input_ref(path) : std::string(takes)) + " takes:";
                for (std::size_t i = 0; i < known.size(); ++i) msg += (i ? ", " : " ") + std::string(known[i]);
            }
            return fail(error::invalid_input, std::move(msg));
        }
    }

    std::string string(std::string_view path, const boost::json::value& v)
    {
        if (v.is_string()) return std::string(v.get_string());
        wrong(path, "a string", v, false);
        return {};
    }

    bool boolean(std::string_view path, const boost::json::value& v)
    {
        if (v.is_bool()) return v.get_bool();
        wrong(path, "true or false", v);
        return false;
    }

    /// An integer in [lo, hi]; `expected` describes the range for the message.
    std::int64_t integer(std::string_view path, const boost::json::value& v, std::int64_t lo, std::int64_t hi,
                         std::string_view expected)
    {
        auto i = json_integer(v);
        if (i && *i >= lo && *i <= hi) return *i;
        wrong(path, expected, v);
        return lo;
    }

    /// A number >= 0 (or > 0 when `positive`).
    double number(std::string_view path, const boost::json::value& v, bool positive, std::string_view expected)
    {
        auto n = json_number(v);
        if (n && std::isfinite(*n) && (positive ? *n > 0 : *n >= 0)) return *n;
        wrong(path, expected, v);
        return 0;
    }

    /// A timeout: number >= 0 or null (null = 0 = none).
    double timeout(std::string_view path, const boost::json::value& v, std::string_view unit)
    {
        if (v.is_null()) return 0;
        return number(path, v, false, "a number of " + std::string(unit) + " >= 0 or null");
    }

    const boost::json::object* object(std::string_view path, const boost::json::value& v)
    {
        if (v.is_object()) return &v.get_object();
        wrong(path, "an object", v);
        return nullptr;
    }

    /// An object whose values are all strings, as ordered pairs (headers, cookies).
    header_list string_map(std::string_view path, const boost::json::value& v)
    {
        header_list out;
        if (auto* o = object(path, v))
            for (const auto& kv : *o) out.emplace_back(std::string(kv.key()), string(join_path(path, kv.key()), kv.value()));
        return out;
    }

    std::vector<unsigned> status_codes(std::string_view path, const boost::json::value& v)
    {
        std::vector<unsigned> out;
        if (!v.is_array()) {
            wrong(path, "an array of status codes (integers 100-599)", v);
            return out;
        }
        for (std::size_t i = 0; i < v.get_array().size(); ++i)
            out.push_back(static_cast<unsigned>(
                integer(index_path(path, i), v.get_array()[i], 100, 599, "an integer 100-599")));
        return out;
    }

    /// A multipart part header override: a string, or false to omit the header.
    part_header part_header_override(std::string_view path, const boost::json::value& v)
    {
        if (v.is_string()) return {part_header::mode::custom, std::string(v.get_string())};
        if (v.is_bool() && !v.get_bool()) return {part_header::mode::omit, {}};
        wrong(path, "a string, or false to omit the header", v);
        return {};
    }

    /// A required key of an object: MISSING_INPUT naming it when absent.
    const boost::json::value* required(std::string_view path, const boost::json::object& o, std::string_view key)
    {
        if (auto* v = o.if_contains(key)) return v;
        fail(error::missing_input, input_ref(join_path(path, key)) + " is required");
        return nullptr;
    }
};

} // namespace corest::detail

#endif
