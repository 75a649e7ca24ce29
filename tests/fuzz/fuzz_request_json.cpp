// fuzz_request_json: request::from_json (include/corest/impl/request_json.ipp) with its
// validation (detail/validate.hpp), then for a valid request what a call prepares
// before sending: compose_url, encode_body, resolve_credentials and the request head.
//
// Input: JSON text (anything else returns at once).
// File paths are kept off the real file system: a cacert / client_cert / client_key
// that is not PEM text, and every multipart "file", is moved under a directory that
// does not exist, so the target is deterministic and never reads the machine's files.
//
// Properties:
//   - an error has a message, and the message does not show a secret input value
//     (password, token, api key value, client_secret) marked with "Zq9-s3Cr" when that
//     marker appears only once in the input;
//   - for a valid request whose URL composes and whose body encodes, the request head
//     is well formed: "METHOD target HTTP/1.1", then "Name: value" lines with token
//     names, no CR, LF or NUL inside a line, and one blank line at the very end; the
//     Content-Length header matches the encoded body; a json body is JSON.

#include "fuzz_common.hpp"

#include <corest/detail/credentials.hpp>
#include <corest/body.hpp>
#include <corest/detail/request_head.hpp>
#include <corest/json.hpp>
#include <corest/request.hpp>
#include <corest/url.hpp>

#include <boost/json/parse.hpp>

#include <cstdio>
#include <cstdlib>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

using corest_fuzz::check;

constexpr std::string_view no_such_dir = "/nonexistent-corest-fuzz/";
constexpr std::string_view secret_marker = "Zq9-s3Cr";   // mixed case: no case change of other text makes it

void keep_off_disk(boost::json::value& v)
{
    if (!v.is_string()) return;
    auto& s = v.get_string();
    if (std::string_view(s).find("-----BEGIN") != std::string_view::npos) return;
    std::string moved(no_such_dir);
    moved += std::string_view(s);
    s = moved;
}

void sanitize(boost::json::object& o)
{
    for (auto key : {"cacert", "client_cert", "client_key"})
        if (auto* v = o.if_contains(key)) keep_off_disk(*v);
    if (auto* m = o.if_contains("multipart"); m && m->is_object())
        if (auto* parts = m->get_object().if_contains("parts"); parts && parts->is_array())
            for (auto& p : parts->get_array())
                if (p.is_object())
                    if (auto* file = p.get_object().if_contains("file")) {
                        // Any string: even "-----BEGIN" text is a path here.
                        if (file->is_string()) file->get_string() = std::string(no_such_dir) + std::string(file->get_string());
                    }
}

/// Secret string values of the inputs (by their JSON position).
void collect_secrets(const boost::json::object& o, std::vector<std::string>& out)
{
    auto add = [&](const boost::json::object& from, std::string_view key) {
        if (auto* v = from.if_contains(key); v && v->is_string()) out.emplace_back(v->get_string());
    };
    add(o, "password");
    if (auto* a = o.if_contains("authentication"); a && a->is_object())
        for (auto key : {"password", "token", "value", "client_secret"}) add(a->get_object(), key);
}

std::size_t count_occurrences(std::string_view hay, std::string_view needle)
{
    std::size_t n = 0;
    for (auto pos = hay.find(needle); pos != std::string_view::npos; pos = hay.find(needle, pos + 1)) ++n;
    return n;
}

void check_head(const std::string& head, const corest::encoded_body& body, bool has_body)
{
    check(head.size() >= 4 && head.ends_with("\r\n\r\n"), "head does not end with a blank line", head);
    check(head.find("\r\n\r\n") == head.size() - 4, "head has a blank line before its end", head);
    std::string_view rest(head.data(), head.size() - 4);
    bool first = true;
    std::optional<std::string_view> content_length;
    for (;;) {
        auto eol = rest.find("\r\n");
        std::string_view line = rest.substr(0, eol);
        check(corest_fuzz::header_safe(line), "a head line holds CR, LF or NUL", line);
        if (first) {
            auto sp1 = line.find(' ');
            auto sp2 = line.rfind(' ');
            check(sp1 != std::string_view::npos && sp1 != sp2, "request line is not METHOD SP target SP version", line);
            check(line.substr(sp2 + 1) == "HTTP/1.1", "request line does not end with HTTP/1.1", line);
            auto target = line.substr(sp1 + 1, sp2 - sp1 - 1);
            check(!target.empty() && target.front() == '/', "request target does not start with '/'", line);
            for (char c : target) {
                auto u = static_cast<unsigned char>(c);
                check(u > 0x20 && u < 0x7f && c != '#', "request target holds an unsafe character", line);
            }
            first = false;
        } else {
            auto colon = line.find(": ");
            check(colon != std::string_view::npos && colon > 0, "a header line without 'Name: '", line);
            auto name = line.substr(0, colon);
            for (char c : name)
                check(corest::detail::is_tchar(c), "a header name that is not a token", line);
            if (boost::beast::iequals(name, "content-length")) {
                check(!content_length, "two Content-Length headers", head);
                content_length = line.substr(colon + 2);
            }
            check(!boost::beast::iequals(name, "transfer-encoding"), "a Transfer-Encoding header", line);
        }
        if (eol == std::string_view::npos) break;
        rest.remove_prefix(eol + 2);
    }
    if (has_body)
        check(content_length && *content_length == std::to_string(body.content_length),
              "Content-Length does not match the encoded body", head);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    boost::json::error_code ec;
    boost::json::value inputs = boost::json::parse(text, ec);
    if (ec) return 0;
    std::vector<std::string> secrets;
    if (inputs.is_object()) {
        sanitize(inputs.get_object());
        collect_secrets(inputs.get_object(), secrets);
    }

    static const bool verbose = std::getenv("COREST_FUZZ_VERBOSE") != nullptr;
    auto parsed = corest::request::from_json(inputs);
    if (verbose) std::fprintf(stderr, "from_json: %s\n", parsed.ok() ? "ok" : parsed.problem.message.c_str());
    if (!parsed.ok()) {
        check(!parsed.problem.message.empty(), "from_json: an error without a message");
        // A marked secret is one that holds the marker, the only marker in the whole input:
        // then the message can only show the marker by showing the secret.
        for (const auto& s : secrets)
            if (s.find(secret_marker) != std::string::npos && count_occurrences(text, secret_marker) == 1)
                check(parsed.problem.message.find(secret_marker) == std::string::npos,
                      "from_json: a secret in the message", parsed.problem.message);
        return 0;
    }

    const corest::request& r = parsed.request;
    auto composed = corest::compose_url(r);
    if (!composed.problem.ok()) {
        check(!composed.problem.message.empty(), "compose_url: an error without a message");
        return 0;
    }
    corest::input_check problem;
    corest::encoded_body body = corest::encode_body(r.body, problem);
    if (!problem.ok()) {
        check(!problem.message.empty(), "encode_body: an error without a message");
        return 0;
    }

    if (std::holds_alternative<corest::json_body>(r.body)) {
        const auto bytes = body.single_buffer();
        check(bytes.has_value(), "a json body not in one buffer");
        boost::json::error_code jec;
        (void)boost::json::parse(*bytes, jec);
        check(!jec, "a json body that is not JSON", *bytes);
    }

    boost::urls::url url = composed.url;
    corest::detail::credentials creds = corest::detail::resolve_credentials(r, url);
    if (creds.api_key_query) corest::append_query_param(url, *creds.api_key_query, creds.api_key_value.reveal());

    corest::detail::hop_head_options head;
    head.method = r.method;
    for (const auto& [k, v] : r.cookies) head.cookie_header += (head.cookie_header.empty() ? "" : "; ") + k + "=" + v;
    if (creds.authorization) head.authorization = creds.authorization->reveal();
    if (creds.oauth2) head.authorization = "Bearer fuzz-token";
    if (creds.api_key_header) head.api_key_header.emplace(*creds.api_key_header, creds.api_key_value.reveal());
    const std::string wire = corest::detail::build_request_head(r, url, body, head);
    if (verbose) std::fprintf(stderr, "head:\n%s", wire.c_str());
    check_head(wire, body, !body.empty());

    // The head of a redirect hop to another origin, body dropped.
    corest::detail::hop_head_options other;
    other.method = corest::method::get;
    other.send_body = false;
    other.same_origin_as_first = false;
    check_head(corest::detail::build_request_head(r, url, body, other), body, false);
    return 0;
}
