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

/// Header (or cookie) name/value pairs in the order given; names keep their spelling.
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

/// The `json` body: sent with Content-Type application/json.
struct json_body {
    boost::json::value value;   ///< Serialized as is (numbers keep their form); a null value sends `null`.
};

/// The `text` body: sent as given, with Content-Type text/plain; charset=utf-8 unless a header sets one.
struct text_body {
    std::string text;   ///< The bytes to send.
};

/// The `urlencoded` body: application/x-www-form-urlencoded fields.
struct urlencoded_body {
    /// Field values follow the rules of `params` (an array repeats the key, null leaves it out).
    boost::json::object fields;
};

/// A per-part header override: keep the default, replace it, or omit the header.
struct part_header {
    /// What to do with the header.
    enum class mode {
        default_value,   ///< corest's default for the part
        custom,          ///< `value` instead
        omit             ///< no such header on the part
    };
    mode how = mode::default_value;   ///< Keep, replace or omit.
    std::string value;                ///< The header's value, with mode::custom.
};

/// One part of a multipart body: a `value`, or a `file` streamed from disk while sending.
struct multipart_part {
    std::string name;                      ///< The form field name (Content-Disposition `name`).
    std::optional<std::string> value;      ///< A value part's content ...
    /// ... or the path of a file part; read when sent, never held whole in memory.
    std::optional<std::string> file;
    std::optional<std::string> filename;   ///< File parts: the filename sent (default: the file path's last segment).
    part_header content_type;              ///< Default: by the file's extension for a file part, none for a value part.
    part_header content_disposition;       ///< Default: form-data with name (and filename for a file part).
    /// True: the part has no Content-Length header (the input `"content-length": false`).
    bool omit_content_length = false;
};

/// The `multipart` body.
struct multipart_body {
    std::optional<std::string> content_type;   ///< Default multipart/form-data.
    std::optional<std::string> boundary;       ///< Default: 32 random hex characters.
    std::vector<multipart_part> parts;         ///< In the order they are sent.
};

/// The body of a request: none, or exactly one of the four kinds.
using request_body = std::variant<std::monostate, json_body, text_body, urlencoded_body, multipart_body>;

// ---- policies -----------------------------------------------------------

/// The lowest TLS version a call accepts (`tls_min_version`).
enum class tls_version {
    v1_2,   ///< TLS 1.2 or newer
    v1_3    ///< TLS 1.3 only
};

/// The `http_version` input: which HTTP a call may speak.
enum class http_version_mode : unsigned char {
    automatic,   ///< "auto": https offers h2 and http/1.1 by ALPN; http speaks HTTP/1.1
    v1_1,        ///< "1.1": never HTTP/2
    v2           ///< "2": HTTP/2 only (ALPN h2 over https, prior knowledge over http)
};

/// How retries wait (`retry_backoff`): initial * multiplier^n, at most `maximum`.
struct retry_backoff_policy {
    double initial = 1;      ///< Seconds before the first retry.
    double maximum = 60;     ///< Seconds; the longest wait, also the cap on a Retry-After.
    double multiplier = 2;   ///< Growth of the wait from one retry to the next.
    double deadline = 600;   ///< Seconds from the first attempt after which no retry starts.
};

/// The `circuit_breaker` input: stop calling an origin that keeps failing.
struct circuit_breaker_options {
    bool enabled = false;            ///< Off unless asked for.
    unsigned failure_threshold = 5;  ///< Calls in a row ending in a connection error, timeout or 5xx that open it.
    double open_seconds = 30;        ///< Seconds calls fail at once with CIRCUIT_OPEN before a trial call.
};

/// The `proxy` input of a call.
struct proxy_setting {
    /// Where the proxy comes from.
    enum class mode : unsigned char {
        environment,   ///< as the environment says (the default; `proxy: null`)
        none,          ///< no proxy, whatever the environment says (`proxy: false`)
        url            ///< this proxy (`proxy: "http://user:pw@proxy:3128"`)
    };
    mode how = mode::environment;   ///< Environment, none, or `url`.
    /// With mode::url: http://, https://, socks5:// or socks5h://, with optional user:password@.
    std::string url;
};

/// The default of `max_response_bytes` for a body kept in memory: 64 MiB.
inline constexpr std::uint64_t default_max_response_bytes = 67108864;

/// Addresses used instead of DNS for one host and port on every hop of a call (curl's
/// --resolve). `host` is compared as URL hosts are (any case; an internationalized name
/// in either form); "*" matches any host on `port`. The URL, Host, SNI, certificate
/// checks and cookies still use the host name.
struct resolve_entry {
    std::string host;                     ///< A host name, an IP literal, or "*".
    std::uint16_t port = 0;               ///< The port the entry is for.
    std::vector<std::string> addresses;   ///< IPv4, or IPv6 with or without brackets; tried in order.
};

// ---- the request --------------------------------------------------------

struct from_json_result;

/// The inputs of one call. Every field has the default of docs/inputs.md, so a request
/// needs only a `url` (or `hostname`). A value type: copy it, keep it, reuse it; a call
/// takes its own copy. Checked once when a call starts: a bad value is an INVALID_INPUT
/// or MISSING_INPUT result naming the input, and nothing is sent.
///
///     corest::request req;
///     req.url = "https://api.example.com/items";
///     req.method = corest::method::post;
///     req.body = corest::json_body{{{"name", "x"}}};
struct request {
    /// @name Target
    /// `url` wins over the parts.
    ///@{
    std::optional<std::string> url;         ///< The whole URL; its query is kept and `params` appended.
    std::optional<std::string> scheme;      ///< "http" or "https" (default) with `hostname`.
    std::optional<std::string> hostname;    ///< The host when there is no `url`.
    std::optional<unsigned> port;           ///< Default 443 / 80 by scheme.
    std::optional<std::string> base_path;   ///< Joined with `path` by exactly one '/'.
    std::optional<std::string> path;        ///< The path after `base_path`.
    boost::json::object params;             ///< Query parameters, appended in order (arrays repeat the key).
    bool encode_url = true;                 ///< Percent-encode what needs it; false sends the URL's text as given.
    corest::method method = corest::method::get;   ///< The HTTP method.
    std::vector<resolve_entry> resolve;     ///< DNS overrides for host:port (curl's --resolve).
    ///@}

    /// @name What is sent
    ///@{
    header_list headers;                    ///< Sent as given, in order; each replaces corest's default of its name.
    header_list cookies;                    ///< name -> value, sent as one Cookie header to the first URL's origin.
    request_body body;                      ///< None, or one of json, text, urlencoded, multipart.
    corest::authentication authentication;  ///< None, basic, bearer, API key or OAuth2 client credentials.
    ///@}

    /// @name TLS
    ///@{
    bool verify_ssl = true;                   ///< Verify the server's certificate chain (false logs a warning).
    bool check_hostname = true;               ///< Check the certificate names the host.
    std::optional<std::string> cacert;        ///< PEM text or path: the CAs to trust instead of the system's.
    std::optional<std::string> client_cert;   ///< PEM text or path: a client certificate for mutual TLS.
    std::optional<std::string> client_key;    ///< PEM text or path: its private key.
    tls_version tls_min_version = tls_version::v1_2;   ///< The lowest TLS version accepted.
    ///@}

    /// @name Proxies (corest/proxy.hpp)
    ///@{
    proxy_setting proxy;                       ///< Default: the environment's, when the client reads it.
    std::optional<std::string> no_proxy;       ///< Hosts reached directly; default: the environment's.
    std::optional<std::string> proxy_cacert;   ///< PEM text or path: the CAs of an https:// proxy.
    ///@}

    http_version_mode http_version = http_version_mode::automatic;   ///< Which HTTP the call may speak.

    /// @name Redirects
    ///@{
    bool allow_redirects = true;   ///< Follow 301, 302, 303, 307, 308.
    unsigned max_redirects = 10;   ///< More is TOO_MANY_REDIRECTS.
    ///@}

    /// @name Timeouts (zero = none)
    ///@{
    seconds connect_timeout{20};   ///< DNS, TCP, proxy tunnel and TLS of one attempt.
    seconds read_timeout{20};      ///< The longest wait for the next bytes of the response.
    seconds write_timeout{0};      ///< The longest stall while sending.
    seconds total_timeout{0};      ///< The whole call: attempts, redirects, back-off waits.
    ///@}

    /// @name Status handling and retries
    ///@{
    std::vector<unsigned> expected_status_code{200, 201, 202, 204};   ///< Final statuses that are success.
    std::vector<unsigned> retry_status_code{502, 503, 504};           ///< Statuses retried with the back-off.
    retry_backoff_policy retry_backoff;                               ///< How long retries wait, and until when.
    bool retry_on_connection_error = true;   ///< Retry connection failures and timeouts of idempotent methods.
    bool retry_non_idempotent = false;       ///< Also retry POST and PATCH.
    ///@}

    /// @name Response handling
    ///@{
    std::optional<std::string> dst;                   ///< Write the body to this file (atomically, on success only).
    std::optional<std::uint64_t> max_response_bytes;  ///< Default 64 MiB in memory, no limit with dst.
    bool decompress = true;                            ///< Decode gzip and deflate.
    circuit_breaker_options circuit_breaker;           ///< Off by default.
    ///@}

    /// Maps the JSON form of the inputs onto a request; errors are INVALID_INPUT /
    /// MISSING_INPUT results naming the input. Declared here, defined in
    /// <corest/json.hpp>: include that header to call it.
    static from_json_result from_json(const boost::json::value& inputs);
};

/// What a check of inputs found: error::ok, or MISSING_INPUT / INVALID_INPUT
/// with a message that names the input (dotted path for nested keys).
struct input_check {
    corest::error code = corest::error::ok;   ///< error::ok, MISSING_INPUT or INVALID_INPUT.
    std::string message;                      ///< A sentence naming the input; empty when ok.
    /// True when nothing was wrong.
    bool ok() const noexcept { return code == corest::error::ok; }
};

/// What request::from_json gives: the request, or the problem with the inputs.
struct from_json_result {
    corest::request request;   ///< Meaningful only when problem.ok().
    input_check problem;       ///< What was wrong, if anything.
    /// True when the inputs mapped onto `request`.
    bool ok() const noexcept { return problem.ok(); }
};

} // namespace corest

#endif
