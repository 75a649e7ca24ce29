#ifndef COREST_DETAIL_CALL_CONTEXT_HPP
#define COREST_DETAIL_CALL_CONTEXT_HPP

// What one call carries from its preparation to its result: the request, the first URL,
// the encoded body, the deadline, the cookie jar, the log and the rarer extras
// (credentials, the OAuth2 token, the breaker key, resolve overrides). Made by prepare
// (prepare.hpp), read and extended by the state machine (call_fsm.hpp), turned into the
// result by finish (finish.hpp).

#include <corest/detail/credentials.hpp>
#include <corest/body.hpp>
#include <corest/detail/cookie_jar.hpp>
#include <corest/detail/deadline.hpp>
#include <corest/detail/error_mapping.hpp>
#include <corest/detail/resolve_overrides.hpp>
#include <corest/detail/tls_context.hpp>
#include <corest/proxy.hpp>
#include <corest/request.hpp>
#include <corest/url.hpp>

#include <boost/url/url.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace corest::detail {

/// What only some calls carry: credentials, an OAuth2 token, a circuit breaker, resolve
/// overrides. On the heap, made by the first call that needs it: a plain call in flight
/// carries a pointer instead.
struct call_extras {
    credentials creds;
    std::string api_key_query_name;    // masked in every URL we print
    std::string breaker_key;           // with circuit_breaker.enabled: the origin's breaker
    std::optional<std::string> oauth_key;
    std::optional<corest::secret> oauth_token;
    std::vector<std::string> secrets;   // values scrubbed from the result's message and log
    std::unique_ptr<const resolve_overrides> resolve;   // the `resolve` input, checked
    std::optional<proxy_endpoint> hop_proxy;   // the proxy of the hop being sent
    std::optional<tls_settings> proxy_tls;     // the TLS settings for an https:// proxy
    mapped_error proxy_problem;                // why the hop's proxy cannot be used (a bad proxy URL)
};

/// One call's state outside its attempts. Never moved or copied: the state machine and
/// the hops point into it.
struct call_context {
    // execute()'s request (its own copy, or the caller's), alive for the whole call.
    explicit call_context(const request& r) : req(r) {}
    call_context(const call_context&) = delete;
    call_context& operator=(const call_context&) = delete;

    const request& req;
    // Shared with the client's URL cache unless something was added to it (params, an
    // API key in the query): a call in flight holds a pointer, not a parsed copy.
    std::shared_ptr<const boost::urls::url> first_url;
    // The encoded request body; on the heap, and only when the request has one: most calls
    // in flight (GET) would carry 64 empty bytes.
    std::unique_ptr<const encoded_body> encoded;
    call_deadline deadline;
    clock::time_point started;   // of the first attempt: the retry deadline counts from it
    // The cookies responses set; on the heap, made by the first Set-Cookie: most calls get none.
    std::unique_ptr<cookie_jar> jar;
    std::vector<std::string> log;   // the result's log, line by line
    std::unique_ptr<call_extras> extras;
    std::shared_ptr<const tls_profile> tls;   // the client's, once a hop goes to an https URL

    const encoded_body& body() const
    {
        static const encoded_body none;
        return encoded ? *encoded : none;
    }

    cookie_jar& cookies()
    {
        if (!jar) jar = std::make_unique<cookie_jar>();
        return *jar;
    }

    call_extras& extra()
    {
        if (!extras) extras = std::make_unique<call_extras>();
        return *extras;
    }
    bool uses_oauth2() const { return extras && extras->creds.oauth2; }
    bool has_oauth_token() const { return extras && extras->oauth_token; }

    /// A URL as outputs show it: the userinfo password and an API key in the query masked.
    std::string show(const boost::urls::url_view_base& u) const
    {
        return redact_url(u, extras ? std::string_view(extras->api_key_query_name) : std::string_view());
    }
};

} // namespace corest::detail

#endif
