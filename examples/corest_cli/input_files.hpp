#ifndef COREST_CLI_INPUT_FILES_HPP
#define COREST_CLI_INPUT_FILES_HPP

// Reading the tool's input files: inputs (JSON), connector and secrets files
// (JSON or YAML). Error messages name the file and the place, never its content
// (a secrets file's text must not reach the terminal).

#include <boost/json/array.hpp>
#include <boost/json/error.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parser.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>

#include <corest/detail/json_limits.hpp>
#include <corest/detail/validate.hpp>

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace corest_cli {

/// Reads a whole file ("-" = standard input). On failure returns false and sets
/// `error` to "cannot read PATH: reason".
inline bool read_text_file(const std::string& path, std::string& text, std::string& error)
{
    const bool is_stdin = path == "-";
    const std::string shown = is_stdin ? std::string("standard input") : path;
    int fd = is_stdin ? 0 : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        error = "cannot read " + shown + ": " + std::strerror(errno);
        return false;
    }
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        if (!is_stdin) ::close(fd);
        error = "cannot read " + shown + ": it is a directory";
        return false;
    }
    text.clear();
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            error = "cannot read " + shown + ": " + std::strerror(errno);
            if (!is_stdin) ::close(fd);
            return false;
        }
        if (n == 0) break;
        text.append(buf, static_cast<std::size_t>(n));
    }
    if (!is_stdin) ::close(fd);
    return true;
}

/// Why a JSON text was refused: a syntax error (what and where), or nesting deeper than
/// corest reads (naming the top-level input it happened under, when there is one).
struct json_text_error {
    std::string message;
    bool too_deep = false;
};

/// Parses one JSON document whose values may nest up to corest's limit of 1000 levels
/// (the top level is one more); on failure `error` says why.
inline std::optional<boost::json::value> parse_json_text(std::string_view text, json_text_error& error)
{
    boost::json::parse_options options;
    options.max_depth = corest::detail::max_json_depth + 1;
    boost::json::parser p({}, options);
    boost::system::error_code ec;
    std::size_t used = p.write_some(text.data(), text.size(), ec);
    if (!ec) {
        // write_some stops after one value: only white space may follow it.
        const std::size_t rest = text.find_first_not_of(" \t\r\n", used);
        if (rest == std::string_view::npos) return p.release();
        used = rest;
        ec = boost::json::error::extra_data;
    }
    if (ec == boost::json::error::too_deep) {
        error.too_deep = true;
        const auto key = corest::detail::key_nested_too_deep(text, options.max_depth);
        error.message = (key ? "input " + corest::detail::quote_name(*key) : std::string("the JSON text")) +
                        " nests deeper than " + std::to_string(corest::detail::max_json_depth) +
                        " levels of arrays and objects, the most corest reads";
        return std::nullopt;
    }
    // The position of the failure, as a person counts it.
    std::size_t line = 1, column = 1;
    for (std::size_t i = 0; i < used && i < text.size(); ++i) {
        if (text[i] == '\n') ++line, column = 1;
        else ++column;
    }
    error.message = ec.message() + " at " +
                    (text.find('\n') == std::string_view::npos ? std::string() : "line " + std::to_string(line) + ", ") +
                    "column " + std::to_string(column);
    return std::nullopt;
}

namespace detail {

inline bool any_of(std::string_view s, std::initializer_list<std::string_view> words)
{
    for (auto w : words)
        if (s == w) return true;
    return false;
}

/// A plain (unquoted) YAML scalar resolved as YAML 1.2's core schema does.
inline boost::json::value plain_scalar(const std::string& s)
{
    if (s.empty() || any_of(s, {"~", "null", "Null", "NULL"})) return nullptr;
    if (any_of(s, {"true", "True", "TRUE"})) return true;
    if (any_of(s, {"false", "False", "FALSE"})) return false;

    const char* first = s.data();
    const char* last = s.data() + s.size();
    if (*first == '+') {
        ++first;
        if (first == last || *first == '-' || *first == '+') return boost::json::string(s);
    }
    // Integers: decimal, 0x hex, 0o octal.
    int base = 10;
    const char* digits = first;
    if (last - first > 2 && first[0] == '0' && (first[1] == 'x' || first[1] == 'o')) {
        base = first[1] == 'x' ? 16 : 8;
        digits = first + 2;
    }
    std::int64_t i = 0;
    if (auto [end, ec] = std::from_chars(digits, last, i, base); ec == std::errc{} && end == last) return i;
    std::uint64_t u = 0;
    if (auto [end, ec] = std::from_chars(digits, last, u, base); ec == std::errc{} && end == last && *digits != '-')
        return u;
    // Floats: digits with a point or exponent; .inf and .nan are not JSON, kept as text.
    double d = 0;
    if (auto [end, ec] = std::from_chars(first, last, d, std::chars_format::general);
        ec == std::errc{} && end == last && std::isfinite(d))
        return d;
    return boost::json::string(s);
}

inline void yaml_to_json(const YAML::Node& node, boost::json::value& out, const std::string& path,
                         std::size_t depth = 0)
{
    if (depth > corest::detail::max_json_depth + 1)
        throw std::runtime_error(path + " nests deeper than " + std::to_string(corest::detail::max_json_depth) +
                                 " levels, the most corest reads");
    switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null: out = nullptr; return;
    case YAML::NodeType::Scalar: {
        const std::string& tag = node.Tag();
        // "!" = quoted or block scalar, always a string; "?" = plain, resolved by its text.
        if (tag == "!" || tag == "tag:yaml.org,2002:str") out = boost::json::string(node.Scalar());
        else out = plain_scalar(node.Scalar());
        return;
    }
    case YAML::NodeType::Sequence: {
        boost::json::array a;
        std::size_t i = 0;
        for (const auto& child : node) {
            boost::json::value v;
            yaml_to_json(child, v, path + "[" + std::to_string(i++) + "]", depth + 1);
            a.push_back(std::move(v));
        }
        out = std::move(a);
        return;
    }
    case YAML::NodeType::Map: {
        boost::json::object o;
        for (const auto& kv : node) {
            if (!kv.first.IsScalar())
                throw std::runtime_error("a key under " + (path.empty() ? std::string("the top level") : path) +
                                         " is not a plain text key");
            const std::string key = kv.first.Scalar();
            boost::json::value v;
            yaml_to_json(kv.second, v, path.empty() ? key : path + "." + key, depth + 1);
            o[key] = std::move(v);
        }
        out = std::move(o);
        return;
    }
    }
}

inline bool ends_with_ci(std::string_view s, std::string_view suffix)
{
    if (s.size() < suffix.size()) return false;
    for (std::size_t i = 0; i < suffix.size(); ++i) {
        char c = s[s.size() - suffix.size() + i];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (c != suffix[i]) return false;
    }
    return true;
}

} // namespace detail

/// Parses YAML text into JSON: quoted scalars stay strings; plain true/false are
/// bools, null/~/empty are null, integers int64, floats double, anything else a
/// string; sequences arrays, maps objects.
inline std::optional<boost::json::value> parse_yaml_text(const std::string& text, std::string& error)
{
    try {
        YAML::Node root = YAML::Load(text);
        boost::json::value v;
        detail::yaml_to_json(root, v, "");
        return v;
    } catch (const YAML::Exception& e) {
        // e.msg is generic ("illegal map value"); e.what() could quote the text.
        error = "invalid YAML: " + e.msg;
        if (!e.mark.is_null())
            error += " at line " + std::to_string(e.mark.line + 1) + ", column " + std::to_string(e.mark.column + 1);
    } catch (const std::exception& e) {
        error = std::string("invalid YAML: ") + e.what();
    }
    return std::nullopt;
}

/// Reads a connector or secrets file: *.json is JSON, *.yaml / *.yml is YAML, any
/// other name JSON when it parses as JSON, else YAML. The top level must be an
/// object (an empty YAML file is an empty object). `what` names the file's role
/// in messages ("connector file", "secrets file").
inline bool read_object_file(const std::string& path, std::string_view what, boost::json::object& out,
                             std::string& error)
{
    std::string text;
    if (!read_text_file(path, text, error)) {
        error = std::string(what) + " " + path + ": " + error;
        return false;
    }
    std::optional<boost::json::value> doc;
    std::string why;
    if (detail::ends_with_ci(path, ".yaml") || detail::ends_with_ci(path, ".yml")) {
        doc = parse_yaml_text(text, why);
    } else {
        json_text_error json_why;
        doc = parse_json_text(text, json_why);
        why = json_why.message;
        if (!doc && !json_why.too_deep && !detail::ends_with_ci(path, ".json")) {
            std::string yaml_why;
            doc = parse_yaml_text(text, yaml_why);
            if (!doc) why = "neither JSON (" + why + ") nor YAML (" + yaml_why + ")";
        }
    }
    if (!doc) {
        error = std::string(what) + " " + path + " is not valid: " + why;
        return false;
    }
    if (doc->is_null()) doc = boost::json::object();
    if (!doc->is_object()) {
        error = std::string(what) + " " + path + " must hold an object (key: value pairs) at the top level";
        return false;
    }
    out = std::move(doc->get_object());
    return true;
}

} // namespace corest_cli

#endif
