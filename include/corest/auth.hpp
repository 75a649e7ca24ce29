#ifndef COREST_AUTH_HPP
#define COREST_AUTH_HPP

// The authentication inputs of a call: none, HTTP Basic, a bearer token, an API key (in
// a header or the query), or OAuth2 client credentials (the token is fetched, cached per
// client and refreshed once on a 401). Secret values are corest::secret: never printed.

#include <corest/secret.hpp>

#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace corest {

/// No authentication (the default).
struct no_auth {};

/// HTTP Basic: `Authorization: Basic base64(username:password)`.
struct basic_auth {
    std::string username;      ///< Sent as given (it may not contain ':').
    corest::secret password;   ///< Never printed; `***` in outputs.
};

/// A bearer token: `Authorization: Bearer <token>`.
struct bearer_auth {
    corest::secret token;   ///< Never printed.
};

/// Where an API key goes.
enum class api_key_location {
    header,   ///< a request header named `name`
    query     ///< a query parameter named `name` (masked in `url` and `history`)
};

/// An API key, in a header or the query string.
struct api_key_auth {
    std::string name;                                      ///< The header or parameter name.
    corest::secret value;                                  ///< The key; never printed.
    api_key_location location = api_key_location::header;  ///< Header (default) or query.
};

/// How the OAuth2 client authenticates at the token endpoint.
enum class client_authentication {
    body,          ///< client_id and client_secret as form fields (the default)
    basic_header   ///< HTTP Basic with the client id and secret
};

/// OAuth2 client credentials (RFC 6749 section 4.4). corest POSTs to `token_url`, sends
/// the access token as a bearer token, keeps it in the client's cache until shortly
/// before it expires (one fetch for all calls waiting on it), and on a 401 from the API
/// fetches a new one and retries once. A token endpoint that refuses, answers without
/// `access_token` or cannot be reached is AUTH_FAILED.
struct oauth2_client_credentials {
    std::string token_url;                 ///< The token endpoint (http or https).
    std::string client_id;                 ///< The client's id.
    corest::secret client_secret;          ///< The client's secret; never printed.
    std::vector<std::string> scopes;       ///< Sent space-joined as `scope`; none: no scope field.
    std::optional<std::string> audience;   ///< Sent as `audience` when given (Auth0 and others want it).
    client_authentication client_auth = client_authentication::body;   ///< Form fields or Basic.
};

/// The `authentication` input: one of the kinds above.
using authentication = std::variant<no_auth, basic_auth, bearer_auth, api_key_auth, oauth2_client_credentials>;

} // namespace corest

#endif
