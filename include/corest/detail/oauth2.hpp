#ifndef COREST_DETAIL_OAUTH2_HPP
#define COREST_DETAIL_OAUTH2_HPP

// The OAuth2 client-credentials token request (RFC 6749 4.4): a form POST to
// token_url with the call's TLS settings and timeouts, inside its deadline.

#include <corest/body/urlencoded.hpp>
#include <corest/detail/base64.hpp>
#include <corest/detail/hop.hpp>
#include <corest/detail/request_head.hpp>
#include <corest/request.hpp>

#include <boost/json/parse.hpp>
#include <boost/url/parse.hpp>

#include <string>

namespace corest::detail {

/// The token cache key: (token_url, client_id, scopes, audience).
inline std::string token_cache_key(const oauth2_client_credentials& o)
{
    std::string k = o.token_url + '\x1f' + o.client_id + '\x1f';
    for (const auto& s : o.scopes) k += s + ' ';
    k += '\x1f';
    k += o.audience.value_or("");
    return k;
}

inline boost::asio::awaitable<fetched_token> fetch_token(client_state& st, oauth2_client_credentials o,
                                                         const request& call, call_deadline deadline)
{
    fetched_token out;
    auto parsed = boost::urls::parse_uri(o.token_url);
    if (!parsed) {
        out.failure = "the token_url is not a valid URL";
        co_return out;
    }
    boost::urls::url url(*parsed);

    std::string form = "grant_type=client_credentials";
    auto field = [&](std::string_view name, std::string_view value) {
        form.append(1, '&').append(name).append(1, '=').append(percent_encode_component(value));
    };
    if (!o.scopes.empty()) {
        std::string joined;
        for (const auto& s : o.scopes) joined += (joined.empty() ? "" : " ") + s;
        field("scope", joined);
    }
    if (o.audience) field("audience", *o.audience);
    request token_call;
    hop_head_options head;
    head.method = corest::method::post;
    if (o.client_auth == client_authentication::basic_header) {
        // RFC 6749 2.3.1: id and secret are form-encoded before Basic encoding.
        head.authorization = "Basic " + base64_encode(percent_encode_component(o.client_id) + ":" +
                                                      percent_encode_component(o.client_secret.reveal()));
    } else {
        field("client_id", o.client_id);
        field("client_secret", o.client_secret.reveal());
    }
    token_call.headers.emplace_back("Accept", "application/json");
    token_call.decompress = call.decompress;
    encoded_body body;
    body.content_type = "application/x-www-form-urlencoded";
    body.content_length = form.size();
    body.segments.emplace_back(std::move(form));

    const tls_settings tls = tls_settings::of(call);
    const std::string tls_key = tls_pool_key(tls);
    hop_input in;
    in.head = build_request_head(token_call, url, body, head);
    in.url = &url;
    in.body = &body;
    in.tls = &tls;
    in.tls_pool_key = &tls_key;
    in.connect_timeout = call.connect_timeout;
    in.limits.read_timeout = call.read_timeout;
    in.limits.write_timeout = call.write_timeout;
    in.limits.deadline = deadline;
    const std::string where = redact_url(url);

    const body_to_memory decide(1024 * 1024);
    hop_output hop;
    co_await run_hop(st, in, decide, hop);
    if (hop.error.code == corest::error::cancelled) {
        out.cancelled = true;
        out.failure = "the call was cancelled while fetching a token";
        co_return out;
    }
    if (hop.error.code != corest::error::ok) {
        out.failure = "could not get a token from " + where + ": " + hop.error.message;
        co_return out;
    }
    if (hop.status != 200) {
        out.failure = "the token endpoint " + where + " answered " + std::to_string(hop.status) +
                      (hop.reason.empty() ? "" : " " + hop.reason);
        co_return out;
    }
    boost::system::error_code ec;
    auto json = boost::json::parse(hop.body, ec);
    const boost::json::object* obj = ec ? nullptr : json.if_object();
    const boost::json::value* token = obj ? obj->if_contains("access_token") : nullptr;
    if (!token || !token->is_string() || token->get_string().empty()) {
        out.failure = "the token endpoint " + where + " answered without an access_token";
        co_return out;
    }
    out.token = corest::secret(std::string(token->get_string()));
    if (const auto* e = obj->if_contains("expires_in")) {
        if (e->is_number()) out.expires_in = e->to_number<double>();
        else if (e->is_string()) {   // some servers send it as a string
            try {
                out.expires_in = std::stod(std::string(e->get_string()));
            } catch (...) {
            }
        }
    }
    co_return out;
}

} // namespace corest::detail

#endif
