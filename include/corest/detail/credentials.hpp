#ifndef COREST_DETAIL_CREDENTIALS_HPP
#define COREST_DETAIL_CREDENTIALS_HPP

// What the static auth kinds put on the wire (basic, bearer, api_key), the credentials
// found in URL userinfo, and the secret values a call scrubs from its messages. OAuth2
// tokens come from the client's token cache (token_cache.hpp) and are then sent as bearer.

#include <corest/auth.hpp>
#include <corest/detail/base64.hpp>
#include <corest/request.hpp>
#include <corest/secret.hpp>

#include <boost/url/url_view_base.hpp>

#include <optional>
#include <string>
#include <vector>

namespace corest::detail {

/// The Authorization header value for HTTP Basic.
inline std::string basic_authorization(std::string_view username, const secret& password)
{
    std::string plain;
    plain.reserve(username.size() + 1 + password.reveal().size());
    plain.append(username).append(1, ':').append(password.reveal());
    return "Basic " + base64_encode(plain);
}

/// Credentials of a call, resolved once: an Authorization value, an API key
/// header or query parameter. Sent only to the origin of the call's first URL.
struct credentials {
    std::optional<secret> authorization;          // Authorization header value
    std::optional<std::string> api_key_header;    // header name ...
    std::optional<std::string> api_key_query;     // ... or query parameter name
    secret api_key_value;
    bool oauth2 = false;                          // the token comes from the token cache

    bool any() const { return authorization || api_key_header || api_key_query || oauth2; }
};


/// The static auth of `r`; `from_userinfo` (a URL's user:password) counts as Basic when
/// no `authentication` is given.
inline credentials credentials_for(const request& r, std::optional<basic_auth> from_userinfo)
{
    credentials c;
    if (auto* b = std::get_if<basic_auth>(&r.authentication))
        c.authorization = secret(basic_authorization(b->username, b->password));
    else if (auto* t = std::get_if<bearer_auth>(&r.authentication))
        c.authorization = secret("Bearer " + t->token.reveal());
    else if (auto* k = std::get_if<api_key_auth>(&r.authentication)) {
        (k->location == api_key_location::header ? c.api_key_header : c.api_key_query) = k->name;
        c.api_key_value = k->value;
    } else if (std::holds_alternative<oauth2_client_credentials>(r.authentication))
        c.oauth2 = true;
    else if (from_userinfo)
        c.authorization = secret(basic_authorization(from_userinfo->username, from_userinfo->password));
    return c;
}


/// The user and password of a URL's userinfo (percent-decoded), when it names a user.
inline std::optional<basic_auth> userinfo_credentials(const boost::urls::url_view_base& url)
{
    if (!url.has_userinfo()) return std::nullopt;
    basic_auth b;
    b.username = url.user();
    b.password = secret(url.password());
    if (b.username.empty()) return std::nullopt;
    return b;
}

/// Resolves the static auth of `r`; URL userinfo (user:password@) counts as Basic when no
/// `authentication` is given. The URL keeps its userinfo (outputs show it as
/// `user:***@host`; it is never sent as part of the request line or Host).
inline credentials resolve_credentials(const request& r, const boost::urls::url_view_base& url)
{
    return credentials_for(r, userinfo_credentials(url));
}

/// Every secret value a call carries, so messages and log lines can be scrubbed of them.
inline std::vector<std::string> secret_values(const request& r)
{
    std::vector<std::string> out;
    auto add = [&](const secret& s) {
        if (!s.empty()) out.push_back(s.reveal());
    };
    std::visit(
        [&](const auto& a) {
            using T = std::decay_t<decltype(a)>;
            if constexpr (std::is_same_v<T, basic_auth>) add(a.password);
            else if constexpr (std::is_same_v<T, bearer_auth>) add(a.token);
            else if constexpr (std::is_same_v<T, api_key_auth>) add(a.value);
            else if constexpr (std::is_same_v<T, oauth2_client_credentials>) add(a.client_secret);
        },
        r.authentication);
    return out;
}

/// Replaces every occurrence of each secret in `text` with "***".
inline void scrub(std::string& text, const std::vector<std::string>& secrets)
{
    for (const auto& s : secrets) {
        if (s.size() < 3) continue;   // too short to tell apart from ordinary words
        for (auto pos = text.find(s); pos != std::string::npos; pos = text.find(s, pos + 3))
            text.replace(pos, s.size(), "***");
    }
}

} // namespace corest::detail

#endif
