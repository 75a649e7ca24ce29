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

struct no_auth {};
struct basic_auth {
    std::string username;
    corest::secret password;
};
struct bearer_auth {
    corest::secret token;
};
enum class api_key_location { header, query };
struct api_key_auth {
    std::string name;
    corest::secret value;
    api_key_location location = api_key_location::header;
};
enum class client_authentication { body, basic_header };
struct oauth2_client_credentials {
    std::string token_url;
    std::string client_id;
    corest::secret client_secret;
    std::vector<std::string> scopes;          // sent space-joined as `scope`
    std::optional<std::string> audience;
    client_authentication client_auth = client_authentication::body;
};

using authentication = std::variant<no_auth, basic_auth, bearer_auth, api_key_auth, oauth2_client_credentials>;

} // namespace corest

#endif
