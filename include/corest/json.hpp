#ifndef COREST_JSON_HPP
#define COREST_JSON_HPP

// The JSON surface of corest: request::from_json (the inputs), to_json(result) (the
// outputs), json_text (JSON as corest writes it) and the list of input names.
//
//   auto parsed = corest::request::from_json(boost::json::parse(text));
//   if (!parsed.ok()) return corest::make_error_result(parsed.problem.code, parsed.problem.message);
//   corest::result r = co_await client.execute(parsed.request);
//   std::cout << corest::json_text(corest::to_json(r));

#include <corest/detail/json_text.hpp>
#include <corest/request.hpp>
#include <corest/result.hpp>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace corest {

/// Every top-level input name, in the order of docs/inputs.md. from_json
/// rejects any other key; profile merging uses it to tell inputs from
/// other keys of a secrets object. The only list of input names.
inline const std::vector<std::string_view>& input_names()
{
    static const std::vector<std::string_view> names{
        // target
        "url", "scheme", "hostname", "port", "base_path", "path", "params", "encode_url", "method", "resolve",
        // headers and cookies
        "headers", "cookies",
        // body
        "json", "data", "text", "urlencoded", "multipart",
        // authentication
        "username", "password", "authentication_method", "authentication",
        // TLS
        "verify_ssl", "check_hostname", "cacert", "client_cert", "client_key", "tls_min_version",
        // proxies
        "proxy", "no_proxy", "proxy_cacert",
        // protocol
        "http_version",
        // redirects
        "allow_redirects", "max_redirects",
        // timeouts
        "connect_timeout", "read_timeout", "write_timeout", "total_timeout", "timeout",
        // status handling and retries
        "expected_status_code", "retry_status_code", "retry_backoff", "retry_on_connection_error",
        "retry_non_idempotent",
        // response handling
        "dst", "max_response_bytes", "decompress", "circuit_breaker",
    };
    return names;
}

/// True when `name` is one of input_names().
inline bool is_input_name(std::string_view name)
{
    for (auto n : input_names())
        if (n == name) return true;
    return false;
}

/// The JSON form of a result: status, message, error, status_code, ... (impl/result_json.ipp).
inline boost::json::object to_json(const result& r);

/// JSON text of `v` as corest writes JSON everywhere (request bodies, the tool's output):
/// numbers keep their form (42, 1.5, 100.0, 1e+21; never Boost.JSON's 1.5E0), strings are
/// escaped as JSON requires, non-finite numbers are null. `pretty`: indented by two
/// spaces per level, else compact. Thread safety: none needed (a pure function).
inline std::string json_text(const boost::json::value& v, bool pretty = false)
{
    std::string out;
    detail::append_json(out, v, pretty ? std::optional<std::size_t>(0) : std::nullopt);
    return out;
}

} // namespace corest

#include <corest/impl/request_json.ipp>
#include <corest/impl/result_json.ipp>

#endif
