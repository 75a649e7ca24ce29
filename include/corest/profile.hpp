#ifndef COREST_PROFILE_HPP
#define COREST_PROFILE_HPP

// Connector profiles and secrets (docs/cli.md, "Connector profiles and secrets").
//
//   boost::json::object merged;
//   auto check = corest::merge_inputs(connector, secrets, call_inputs, merged);
//   if (!check.ok()) return corest::make_error_result(check.code, check.message);
//   auto parsed = corest::request::from_json(merged);
//
// A call's inputs are the connector's values, overridden key by key (top level)
// by the secrets object's keys that are input names, overridden by the call's
// inputs. Then every `{{secrets.NAME}}` in any string value is replaced from the
// secrets object, else from the environment variable COREST_SECRET_NAME.
// Messages name the secret and the input, never a secret's value.

#include <corest/detail/json_text.hpp>
#include <corest/error.hpp>
#include <corest/json.hpp>
#include <corest/request.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>

#include <charconv>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace corest {

namespace detail {

inline bool secret_name_char(char c) noexcept
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '.';
}

/// A number as the text a person wrote: 8080, -1, 2.5, 100.0 (as corest writes JSON numbers).
inline std::string number_text(const boost::json::value& v) { return json_scalar_text(v).value_or(std::string()); }

inline std::string_view json_type_name(const boost::json::value& v) noexcept
{
    switch (v.kind()) {
    case boost::json::kind::null: return "null";
    case boost::json::kind::bool_: return "a bool";
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
    case boost::json::kind::double_: return "a number";
    case boost::json::kind::string: return "a string";
    case boost::json::kind::array: return "an array";
    case boost::json::kind::object: return "an object";
    }
    return "a value";
}

inline std::string profile_input_ref(std::string_view path)
{
    return "input \"" + std::string(path) + "\"";
}

/// The value of secret `name`: the secrets object first, then COREST_SECRET_<name>.
inline input_check lookup_secret(const boost::json::object& secrets, std::string_view name, std::string_view path,
                                 std::string& out)
{
    const std::string quoted = "\"" + std::string(name) + "\"";
    if (const auto* v = secrets.if_contains(name)) {
        if (v->is_string()) {
            out.assign(v->get_string().data(), v->get_string().size());
            return {};
        }
        if (v->is_number()) {
            out = number_text(*v);
            return {};
        }
        return {error::invalid_input, "secret " + quoted + " used in " + profile_input_ref(path) +
                                          " must be a string or a number in the secrets file, not " +
                                          std::string(json_type_name(*v))};
    }
    const std::string env_name = "COREST_SECRET_" + std::string(name);
    if (const char* env = std::getenv(env_name.c_str())) {
        out = env;
        return {};
    }
    return {error::missing_input, "unknown secret " + quoted + " (not in the secrets file and " + env_name +
                                      " is not set), used in " + profile_input_ref(path)};
}

/// Replaces every `{{secrets.NAME}}` (spaces allowed inside the braces) in `s`.
/// A `{{secrets.` that does not form a placeholder is INVALID_INPUT: sending
/// it literally would hide a typo.
inline input_check substitute_secrets(boost::json::string& s, const boost::json::object& secrets,
                                      std::string_view path)
{
    const std::string_view text(s.data(), s.size());
    if (text.find("{{") == std::string_view::npos) return {};
    std::string out;
    std::size_t pos = 0;
    bool changed = false;
    for (;;) {
        const std::size_t open = text.find("{{", pos);
        if (open == std::string_view::npos) break;
        std::size_t i = open + 2;
        while (i < text.size() && text[i] == ' ') ++i;
        constexpr std::string_view prefix = "secrets.";
        if (text.substr(i, prefix.size()) != prefix) {
            // Some other use of braces: keep it as written ("{{{secrets.a}}" still works).
            out.append(text.substr(pos, open + 1 - pos));
            pos = open + 1;
            continue;
        }
        i += prefix.size();
        const std::size_t name_begin = i;
        while (i < text.size() && secret_name_char(text[i])) ++i;
        const std::string_view name = text.substr(name_begin, i - name_begin);
        while (i < text.size() && text[i] == ' ') ++i;
        if (name.empty() || text.substr(i, 2) != "}}")
            return {error::invalid_input, "malformed secret placeholder in " + profile_input_ref(path) +
                                              ": write {{secrets.NAME}} (NAME of letters, digits, _ - .)"};
        std::string value;
        if (auto check = lookup_secret(secrets, name, path, value); !check.ok()) return check;
        out.append(text.substr(pos, open - pos));
        out += value;
        pos = i + 2;
        changed = true;
    }
    if (!changed) return {};
    out.append(text.substr(pos));
    s = out;
    return {};
}

inline input_check substitute_all(boost::json::value& v, const boost::json::object& secrets, const std::string& path)
{
    if (v.is_string()) return substitute_secrets(v.get_string(), secrets, path);
    if (v.is_object()) {
        for (auto& kv : v.get_object()) {
            std::string child = path.empty() ? std::string(kv.key()) : path + "." + std::string(kv.key());
            if (auto check = substitute_all(kv.value(), secrets, child); !check.ok()) return check;
        }
    } else if (v.is_array()) {
        auto& a = v.get_array();
        for (std::size_t i = 0; i < a.size(); ++i)
            if (auto check = substitute_all(a[i], secrets, path + "[" + std::to_string(i) + "]"); !check.ok())
                return check;
    }
    return {};
}

// Keys whose values pick a mode from a fixed vocabulary ("basic", "header", ...):
// never secret, and masking such words would garble every output.
inline bool is_mode_key(std::string_view key) noexcept
{
    return key == "type" || key == "location" || key == "client_authentication" || key == "authentication_method";
}

inline void collect_secret_strings(const boost::json::value& v, std::vector<std::string>& out)
{
    if (v.is_string()) {
        if (!v.get_string().empty()) out.emplace_back(v.get_string().data(), v.get_string().size());
    } else if (v.is_number()) {
        out.push_back(number_text(v));
    } else if (v.is_object()) {
        for (const auto& kv : v.get_object())
            if (!is_mode_key(kv.key())) collect_secret_strings(kv.value(), out);
    } else if (v.is_array()) {
        for (const auto& e : v.get_array()) collect_secret_strings(e, out);
    }
}

} // namespace detail

/// Merges a call's inputs over a connector and its secrets (in the order docs/cli.md gives) into
/// `merged` (replaced), then resolves `{{secrets.NAME}}` in every string value,
/// however deeply nested.
///
/// Errors: MISSING_INPUT for an unknown secret (neither a key of `secrets` nor
/// the environment variable COREST_SECRET_NAME), INVALID_INPUT for a malformed
/// placeholder or a secret that is not a string or number; the message names the
/// secret and the input, never a value. `merged` is unspecified on error.
/// Thread safety: reads the environment (std::getenv) only.
inline input_check merge_inputs(const boost::json::object& connector, const boost::json::object& secrets,
                                const boost::json::object& call, boost::json::object& merged)
{
    merged = connector;
    for (const auto& kv : secrets)
        if (is_input_name(kv.key())) merged[kv.key()] = kv.value();
    for (const auto& kv : call) merged[kv.key()] = kv.value();
    for (auto& kv : merged)
        if (auto check = detail::substitute_all(kv.value(), secrets, std::string(kv.key())); !check.ok())
            return check;
    return {};
}

/// Every value in a secrets object (strings, numbers as text; nested values too,
/// except mode words such as an `authentication.type`), for masking printed output.
/// Empty strings are left out.
inline std::vector<std::string> secret_strings(const boost::json::object& secrets)
{
    std::vector<std::string> out;
    for (const auto& kv : secrets)
        if (!detail::is_mode_key(kv.key())) detail::collect_secret_strings(kv.value(), out);
    return out;
}

} // namespace corest

#endif
