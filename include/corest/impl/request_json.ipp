#ifndef COREST_IMPL_REQUEST_JSON_IPP
#define COREST_IMPL_REQUEST_JSON_IPP

// request::from_json: the JSON inputs onto corest::request. Included at the end of
// json.hpp, after the request type and input_names().
// Types are strict (no coercion); unknown keys are errors at every level and
// name their dotted path; semantic checks are left to detail::validate().

#include <corest/detail/input_reader.hpp>
#include <corest/detail/validate.hpp>

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


inline std::string lower_ascii(std::string s)
{
    for (char& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
}

inline multipart_body read_multipart(input_reader& in, const boost::json::value& v)
{
    multipart_body body;
    const auto* o = in.object("multipart", v);
    if (!o) return body;
    in.only_keys("multipart", *o, {"content-type", "boundary", "parts"});
    if (auto* ct = o->if_contains("content-type")) body.content_type = in.string("multipart.content-type", *ct);
    if (auto* b = o->if_contains("boundary")) body.boundary = in.string("multipart.boundary", *b);
    const auto* parts = in.required("multipart", *o, "parts");
    if (!parts || !in.ok()) return body;
    if (!parts->is_array()) {
        in.wrong("multipart.parts", "an array of parts", *parts);
        return body;
    }
    for (std::size_t i = 0; i < parts->get_array().size() && in.ok(); ++i) {
        const std::string at = index_path("multipart.parts", i);
        const auto* p = in.object(at, parts->get_array()[i]);
        if (!p) break;
        in.only_keys(at, *p, {"name", "value", "file", "filename", "content-type", "content-disposition", "content-length"},
                     "a multipart part");
        multipart_part part;
        if (auto* name = in.required(at, *p, "name")) part.name = in.string(at + ".name", *name);
        if (auto* x = p->if_contains("value")) part.value = in.string(at + ".value", *x);
        if (auto* x = p->if_contains("file")) part.file = in.string(at + ".file", *x);
        if (auto* x = p->if_contains("filename")) part.filename = in.string(at + ".filename", *x);
        if (auto* x = p->if_contains("content-type")) part.content_type = in.part_header_override(at + ".content-type", *x);
        if (auto* x = p->if_contains("content-disposition"))
            part.content_disposition = in.part_header_override(at + ".content-disposition", *x);
        if (auto* x = p->if_contains("content-length")) {
            if (x->is_bool() && !x->get_bool()) part.omit_content_length = true;
            else in.wrong(at + ".content-length", "false (to omit the header; the length itself is computed)", *x);
        }
        body.parts.push_back(std::move(part));
    }
    return body;
}

inline corest::authentication read_authentication(input_reader& in, const boost::json::value& v)
{
    constexpr std::string_view at = "authentication";
    const auto* o = in.object(at, v);
    if (!o) return {};
    const auto* type_value = o->if_contains("type");
    if (!type_value) {
        in.fail(error::missing_input, "input \"authentication.type\" is required "
                                      "(none, basic, bearer, api_key or oauth2_client_credentials)");
        return {};
    }
    const std::string type = lower_ascii(in.string("authentication.type", *type_value));
    if (!in.ok()) return {};
    auto get = [&](std::string_view key) { return in.string(join_path(at, key), *o->if_contains(key)); };
    auto takes = "authentication of type " + quote_value(type);
    if (type == "none") {
        in.only_keys(at, *o, {"type"}, takes);
        return no_auth{};
    }
    if (type == "basic") {
        in.only_keys(at, *o, {"type", "username", "password"}, takes);
        basic_auth a;
        if (in.ok() && in.required(at, *o, "username")) a.username = get("username");
        if (in.ok() && o->contains("password")) a.password = get("password");
        if (auto c = check_basic_username("authentication.username", a.username); in.ok() && !c.ok())
            in.fail(c.code, std::move(c.message));
        return a;
    }
    if (type == "bearer") {
        in.only_keys(at, *o, {"type", "token"}, takes);
        bearer_auth a;
        if (in.ok() && in.required(at, *o, "token")) a.token = get("token");
        return a;
    }
    if (type == "api_key") {
        in.only_keys(at, *o, {"type", "name", "value", "location"}, takes);
        api_key_auth a;
        if (in.ok() && in.required(at, *o, "name")) a.name = get("name");
        if (in.ok() && in.required(at, *o, "value")) a.value = get("value");
        if (in.ok() && o->contains("location")) {
            auto loc = get("location");
            if (loc == "query") a.location = api_key_location::query;
            else if (loc != "header")
                in.fail(error::invalid_input, "input \"authentication.location\" must be \"header\" or \"query\", got " + quote_value(loc));
        }
        return a;
    }
    if (type == "oauth2_client_credentials") {
        in.only_keys(at, *o, {"type", "token_url", "client_id", "client_secret", "scopes", "audience", "client_authentication"},
                     takes);
        oauth2_client_credentials a;
        for (auto key : {"token_url", "client_id", "client_secret"})
            if (in.ok()) in.required(at, *o, key);
        if (!in.ok()) return a;
        a.token_url = get("token_url");
        a.client_id = get("client_id");
        a.client_secret = get("client_secret");
        if (auto* s = o->if_contains("scopes")) {
            if (!s->is_array()) in.wrong("authentication.scopes", "an array of strings", *s);
            else
                for (std::size_t i = 0; i < s->get_array().size(); ++i)
                    a.scopes.push_back(in.string(index_path("authentication.scopes", i), s->get_array()[i]));
        }
        if (o->contains("audience")) a.audience = get("audience");
        if (in.ok() && o->contains("client_authentication")) {
            auto how = get("client_authentication");
            if (how == "basic_header") a.client_auth = client_authentication::basic_header;
            else if (how != "body")
                in.fail(error::invalid_input, "input \"authentication.client_authentication\" must be \"body\" or "
                                              "\"basic_header\", got " + quote_value(how));
        }
        return a;
    }
    in.fail(error::invalid_input, "input \"authentication.type\" must be one of none, basic, bearer, api_key, "
                                  "oauth2_client_credentials, got " + quote_value(type));
    return {};
}

/// `resolve`: {"host:port": "address" or ["address", ...]}; the entries are checked by
/// validate() (host, port and addresses), here only their form.
inline std::vector<resolve_entry> read_resolve(input_reader& in, const boost::json::value& v)
{
    std::vector<resolve_entry> out;
    const auto* o = in.object("resolve", v);
    if (!o) return out;
    for (const auto& kv : *o) {
        const std::string path = join_path("resolve", kv.key());
        auto split = split_host_port(kv.key());
        if (!split) {
            in.fail(error::invalid_input, "input \"resolve\" has the key " + quote_name(kv.key()) +
                                              ", which is not \"host:port\" (port 1-65535; \"*:port\" for any host)");
            return out;
        }
        resolve_entry e;
        e.host = std::move(split->first);
        e.port = split->second;
        if (kv.value().is_string()) {
            e.addresses.emplace_back(kv.value().get_string());
        } else if (kv.value().is_array()) {
            for (std::size_t i = 0; i < kv.value().get_array().size() && in.ok(); ++i)
                e.addresses.push_back(in.string(index_path(path, i), kv.value().get_array()[i]));
        } else {
            in.wrong(path, "an address or an array of addresses", kv.value());
        }
        out.push_back(std::move(e));
    }
    return out;
}

inline retry_backoff_policy read_retry_backoff(input_reader& in, const boost::json::value& v)
{
    retry_backoff_policy p;
    const auto* o = in.object("retry_backoff", v);
    if (!o) return p;
    in.only_keys("retry_backoff", *o, {"initial", "maximum", "multiplier", "deadline"});
    const std::pair<std::string_view, double*> fields[] = {
        {"initial", &p.initial}, {"maximum", &p.maximum}, {"multiplier", &p.multiplier}, {"deadline", &p.deadline}};
    for (auto [key, field] : fields)
        if (auto* x = o->if_contains(key)) *field = in.number(join_path("retry_backoff", key), *x, false, "a number >= 0");
    return p;
}

inline circuit_breaker_options read_circuit_breaker(input_reader& in, const boost::json::value& v)
{
    circuit_breaker_options c;
    if (v.is_bool()) {
        c.enabled = v.get_bool();
        return c;
    }
    if (!v.is_object()) {
        in.wrong("circuit_breaker", "true, false or an object {failure_threshold, open_seconds}", v);
        return c;
    }
    const auto& o = v.get_object();
    in.only_keys("circuit_breaker", o, {"failure_threshold", "open_seconds"});
    c.enabled = true;
    if (auto* x = o.if_contains("failure_threshold"))
        c.failure_threshold = static_cast<unsigned>(in.integer("circuit_breaker.failure_threshold", *x, 1,
                                                               std::numeric_limits<unsigned>::max(), "an integer >= 1"));
    if (auto* x = o.if_contains("open_seconds")) c.open_seconds = in.number("circuit_breaker.open_seconds", *x, true, "a number > 0");
    return c;
}

/// Maps one top-level input (its name is known to be in input_names()).
inline void map_input(input_reader& in, request& r, std::string_view key, const boost::json::value& v)
{
    auto opt_string = [&](std::optional<std::string>& field) { field = in.string(key, v); };
    auto flag = [&](bool& field) { field = in.boolean(key, v); };
    auto timeout = [&](seconds& field) { field = seconds{in.timeout(key, v, "seconds")}; };

    if (key == "url") opt_string(r.url);
    else if (key == "scheme") r.scheme = lower_ascii(in.string(key, v));
    else if (key == "hostname") opt_string(r.hostname);
    else if (key == "port") r.port = static_cast<unsigned>(in.integer(key, v, 1, 65535, "an integer 1-65535"));
    else if (key == "base_path") opt_string(r.base_path);
    else if (key == "path") opt_string(r.path);
    else if (key == "params") { if (auto* o = in.object(key, v)) r.params = *o; }
    else if (key == "encode_url") flag(r.encode_url);
    else if (key == "resolve") r.resolve = read_resolve(in, v);
    else if (key == "method") {
        auto text = in.string(key, v);
        if (auto m = parse_method(text)) r.method = *m;
        else if (in.ok())
            in.fail(error::invalid_input, "input \"method\" must be one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, "
                                          "TRACE (any case), got " + quote_value(text));
    }
    else if (key == "headers") r.headers = in.string_map(key, v);
    else if (key == "cookies") r.cookies = in.string_map(key, v);
    else if (key == "json" || key == "data") r.body = json_body{v};
    else if (key == "text") r.body = text_body{in.string(key, v)};
    else if (key == "urlencoded") { if (auto* o = in.object(key, v)) r.body = urlencoded_body{*o}; }
    else if (key == "multipart") r.body = read_multipart(in, v);
    else if (key == "username" || key == "password" || key == "authentication_method") {
        in.string(key, v); // type only; combined with the others in from_json
    }
    else if (key == "authentication") r.authentication = read_authentication(in, v);
    else if (key == "verify_ssl") flag(r.verify_ssl);
    else if (key == "check_hostname") flag(r.check_hostname);
    else if (key == "cacert") opt_string(r.cacert);
    else if (key == "client_cert") opt_string(r.client_cert);
    else if (key == "client_key") opt_string(r.client_key);
    else if (key == "tls_min_version") {
        if (v.is_string() && v.get_string() == "1.2") r.tls_min_version = tls_version::v1_2;
        else if (v.is_string() && v.get_string() == "1.3") r.tls_min_version = tls_version::v1_3;
        else if (v.is_string()) in.fail(error::invalid_input, "input \"tls_min_version\" must be \"1.2\" or \"1.3\", got "
                                                                  + quote_value(v.get_string()));
        else in.wrong(key, "the string \"1.2\" or \"1.3\"", v);
    }
    else if (key == "proxy") {
        if (v.is_null()) r.proxy = {};
        else if (v.is_bool() && !v.get_bool()) r.proxy = {proxy_setting::mode::none, {}};
        else if (v.is_string()) r.proxy = {proxy_setting::mode::url, std::string(v.get_string())};
        else in.wrong(key, "a proxy URL, false (no proxy) or null (from the environment)", v, false);
    }
    else if (key == "no_proxy") opt_string(r.no_proxy);
    else if (key == "proxy_cacert") opt_string(r.proxy_cacert);
    else if (key == "http_version") {
        if (v.is_string() && v.get_string() == "auto") r.http_version = http_version_mode::automatic;
        else if (v.is_string() && v.get_string() == "1.1") r.http_version = http_version_mode::v1_1;
        else if (v.is_string() && v.get_string() == "2") r.http_version = http_version_mode::v2;
        else if (v.is_string()) in.fail(error::invalid_input, "input \"http_version\" must be \"auto\", \"1.1\" or \"2\", got "
                                                                  + quote_value(v.get_string()));
        else in.wrong(key, "the string \"auto\", \"1.1\" or \"2\"", v);
    }
    else if (key == "allow_redirects") flag(r.allow_redirects);
    else if (key == "max_redirects")
        r.max_redirects = static_cast<unsigned>(in.integer(key, v, 0, std::numeric_limits<unsigned>::max(), "an integer >= 0"));
    else if (key == "connect_timeout") timeout(r.connect_timeout);
    else if (key == "read_timeout") timeout(r.read_timeout);
    else if (key == "write_timeout") timeout(r.write_timeout);
    else if (key == "total_timeout") timeout(r.total_timeout);
    else if (key == "timeout") r.total_timeout = seconds{in.timeout(key, v, "milliseconds") / 1000.0};
    else if (key == "expected_status_code") r.expected_status_code = in.status_codes(key, v);
    else if (key == "retry_status_code") r.retry_status_code = in.status_codes(key, v);
    else if (key == "retry_backoff") r.retry_backoff = read_retry_backoff(in, v);
    else if (key == "retry_on_connection_error") flag(r.retry_on_connection_error);
    else if (key == "retry_non_idempotent") flag(r.retry_non_idempotent);
    else if (key == "dst") opt_string(r.dst);
    else if (key == "max_response_bytes")
        r.max_response_bytes = static_cast<std::uint64_t>(
            in.integer(key, v, 0, std::numeric_limits<std::int64_t>::max(), "an integer >= 0"));
    else if (key == "decompress") flag(r.decompress);
    else if (key == "circuit_breaker") r.circuit_breaker = read_circuit_breaker(in, v);
    else in.fail(error::unknown_error, "input " + quote_name(key) + " is listed in input_names() but not mapped");
}

/// Inputs that exclude each other; checked before types, since they are about presence.
inline void check_exclusive(input_reader& in, const boost::json::object& o)
{
    auto has = [&](std::string_view k) { return o.contains(k); };
    if (has("json") && has("data"))
        return in.fail(error::invalid_input, "inputs \"json\" and \"data\" exclude each other "
                                             "(\"data\" is a deprecated alias of \"json\"): give only \"json\"");
    std::vector<std::string_view> bodies;
    for (auto k : {"json", "data", "text", "urlencoded", "multipart"})
        if (has(k)) bodies.push_back(k);
    if (bodies.size() > 1)
        return in.fail(error::invalid_input, "inputs " + quote_name(bodies[0]) + " and " + quote_name(bodies[1])
                                                 + " exclude each other: give at most one body");
    if (has("timeout") && has("total_timeout"))
        return in.fail(error::invalid_input, "inputs \"timeout\" and \"total_timeout\" exclude each other "
                                             "(\"timeout\" is total_timeout in milliseconds): give only one");
    for (auto k : {"username", "password", "authentication_method"})
        if (has(k) && has("authentication"))
            return in.fail(error::invalid_input, "inputs " + quote_name(k) + " and \"authentication\" exclude each other: "
                                                 "give credentials either as username/password or in \"authentication\"");
}

/// username / password / authentication_method -> basic_auth (types already checked).
inline void map_basic_inputs(input_reader& in, request& r, const boost::json::object& o)
{
    const auto* user = o.if_contains("username");
    const auto* method = o.if_contains("authentication_method");
    if (method && lower_ascii(std::string(method->get_string())) != "basic")
        return in.fail(error::invalid_input, "input \"authentication_method\" must be \"basic\" (use input "
                                             "\"authentication\" for other kinds), got " + quote_value(method->get_string()));
    if (!user) {
        if (o.contains("password"))
            return in.fail(error::invalid_input, "input \"password\" needs input \"username\" (HTTP Basic takes both)");
        if (method) return in.fail(error::missing_input, "input \"username\" is required with \"authentication_method\"");
        return;
    }
    basic_auth a;
    a.username = std::string(user->get_string());
    if (auto* p = o.if_contains("password")) a.password = std::string(p->get_string());
    auto c = check_basic_username("username", a.username);
    if (!c.ok()) return in.fail(c.code, std::move(c.message));
    r.authentication = std::move(a);
}

} // namespace corest::detail

namespace corest {

inline from_json_result request::from_json(const boost::json::value& inputs)
{
    from_json_result out;
    if (!inputs.is_object()) {
        out.problem = detail::invalid_input("inputs must be a JSON object, got " + std::string(detail::json_kind_name(inputs)));
        return out;
    }
    const auto& o = inputs.get_object();
    detail::input_reader in;
    in.only_keys({}, o, input_names()); // a typo is the likeliest mistake: report it first
    if (in.ok()) detail::check_exclusive(in, o);
    for (auto it = o.begin(); it != o.end() && in.ok(); ++it) detail::map_input(in, out.request, it->key(), it->value());
    if (in.ok()) detail::map_basic_inputs(in, out.request, o);
    if (in.ok() && o.contains("data")) // name the alias the caller used
        if (auto c = detail::check_json_method("data", out.request.method); !c.ok()) in.fail(c.code, std::move(c.message));
    out.problem = in.ok() ? detail::validate(out.request) : std::move(in.problem);
    return out;
}

} // namespace corest

#endif
