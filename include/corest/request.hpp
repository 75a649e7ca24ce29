#ifndef COREST_REQUEST_HPP
#define COREST_REQUEST_HPP

// The inputs of one call as a C++ aggregate; every field carries its documented default.
// request::from_json (defined in json.hpp) maps the JSON form onto it; validation
// (detail/validate.hpp) checks it once before anything is sent, for C++ and JSON callers
// alike. Light on purpose: no OpenSSL, no Asio.

#include <corest/auth.hpp>
#include <corest/error.hpp>
#include <corest/method.hpp>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace corest {

/// Fractional seconds, as the timeout inputs are given. Zero means "no limit".
using seconds = std::chrono::duration<double>;

using header_list = std::vector<std::pair<std::string, std::string>>;

/// The value of the first entry named exactly `name`, or nullptr. Response headers are
/// lower-cased (their repeats joined), so a lower-case name finds a response header.
inline const std::string* find_header(const header_list& headers, std::string_view name) noexcept
{
    for (const auto& [k, v] : headers)
        if (k == name) return &v;
    return nullptr;
}

// ---- bodies -------------------------------------------------------------

struct json_body {
    boost::json::value value;   // serialized as is; a null value sends `null`
};
struct text_body {
    std::string text;
};
struct urlencoded_body {
    boost::json::object fields; // same value rules as params
};

/// A per-part header override: keep the default, replace it, or omit the header.
struct part_header {
    enum class mode { default_value, custom, omit };
    mode how = mode::default_value;
    std::string value;          // with mode::custom
};

struct multipart_part {
    std::string name;
    std::optional<std::string> value;     // a value part ...
    std::optional<std::string> file;      // ... or a file part, streamed from disk
    std::optional<std::string> filename;  // file parts: the filename sent (default: file's last segment)
    part_header content_type;
    part_header content_disposition;
    bool omit_content_length = false;     // "content-length": false
};

struct multipart_body {
    std::optional<std::string> content_type;  // default multipart/form-data
    std::optional<std::string> boundary;      // default: 32 random hex characters
    std::vector<multipart_part> parts;
};

using request_body = std::variant<std::monostate, json_body, text_body, urlencoded_body, multipart_body>;

// ---- policies -----------------------------------------------------------

enum class tls_version { v1_2, v1_3 };

/// The `http_version` input: which HTTP a call may speak.
enum class http_version_mode : unsigned char {
    automatic,   // "auto": https offers h2 and http/1.1 by ALPN; http speaks HTTP/1.1
    v1_1,        // "1.1": never HTTP/2
    v2           // "2": HTTP/2 only (ALPN h2 over https, prior knowledge over http)
};

struct retry_backoff_policy {
    double initial = 1;       // seconds
    double maximum = 60;      // seconds; also caps Retry-After
    double multiplier = 2;
    double deadline = 600;    // seconds from the first attempt after which no retry starts
};

struct circuit_breaker_options {
    bool enabled = false;
    unsigned failure_threshold = 5;
    double open_seconds = 30;
};

/// The `proxy` input of a call.
struct proxy_setting {
    enum class mode : unsigned char {
        environment,   // as the environment says (the default; `proxy: null`)
        none,          // no proxy, whatever the environment says (`proxy: false`)
        url            // this proxy (`proxy: "http://user:pw@proxy:3128"`)
    };
    mode how = mode::environment;
    std::string url;   // with mode::url
};

inline constexpr std::uint64_t default_max_response_bytes = 67108864;

/// Addresses used instead of DNS for one host and port on every hop of a call (curl's
/// --resolve). `host` is compared as URL hosts are (any case; an internationalized name
/// in either form); "*" matches any host on `port`. The URL, Host, SNI, certificate
/// checks and cookies still use the host name.
struct resolve_entry {
    std::string host;
    std::uint16_t port = 0;
    std::vector<std::string> addresses;   // IPv4, or IPv6 with or without brackets
};

// ---- the request --------------------------------------------------------

struct from_json_result;

struct request {
    // Target: `url` wins over the parts.
    std::optional<std::string> url;
    std::optional<std::string> scheme;      // default https
    std::optional<std::string> hostname;
    std::optional<unsigned> port;           // default 443 / 80 by scheme
    std::optional<std::string> base_path;
    std::optional<std::string> path;
    boost::json::object params;
    bool encode_url = true;
    corest::method method = corest::method::get;
    std::vector<resolve_entry> resolve;     // DNS overrides for host:port

    header_list headers;                    // sent as given, in order
    header_list cookies;                    // name -> value, one Cookie header

    request_body body;
    corest::authentication authentication;

    // TLS
    bool verify_ssl = true;
    bool check_hostname = true;
    std::optional<std::string> cacert;      // PEM text or path
    std::optional<std::string> client_cert; // PEM text or path
    std::optional<std::string> client_key;  // PEM text or path
    tls_version tls_min_version = tls_version::v1_2;

    // Proxies (corest/proxy.hpp)
    proxy_setting proxy;                     // default: the environment's, when the client reads it
    std::optional<std::string> no_proxy;     // hosts reached directly; default: the environment's
    std::optional<std::string> proxy_cacert; // PEM text or path: the CAs of an https:// proxy

    http_version_mode http_version = http_version_mode::automatic;

    // Redirects
    bool allow_redirects = true;
    unsigned max_redirects = 10;

    // Timeouts (zero = none)
    seconds connect_timeout{20};
    seconds read_timeout{20};
    seconds write_timeout{0};
    seconds total_timeout{0};

    // Status handling and retries
    std::vector<unsigned> expected_status_code{200, 201, 202, 204};
    std::vector<unsigned> retry_status_code{502, 503, 504};
    retry_backoff_policy retry_backoff;
    bool retry_on_connection_error = true;
    bool retry_non_idempotent = false;

    // Response handling
    std::optional<std::string> dst;
    std::optional<std::uint64_t> max_response_bytes;  // default 64 MiB in memory, none with dst
    bool decompress = true;
    circuit_breaker_options circuit_breaker;

    /// Maps the JSON form of the inputs onto a request; errors are INVALID_INPUT /
    /// MISSING_INPUT results naming the input. Declared here, defined in
    /// <corest/json.hpp>: include that header to call it.
    static from_json_result from_json(const boost::json::value& inputs);
};

/// What a check of inputs found: error::ok, or MISSING_INPUT / INVALID_INPUT
/// with a message that names the input (dotted path for nested keys).
struct input_check {
    corest::error code = corest::error::ok;
    std::string message;
    bool ok() const noexcept { return code == corest::error::ok; }
};

struct from_json_result {
    corest::request request;   // meaningful only when problem.ok()
    input_check problem;
    bool ok() const noexcept { return problem.ok(); }
};

} // namespace corest

#endif
