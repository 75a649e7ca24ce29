// Tutorial 5: OAuth2 client credentials.
//
//   ./example_05_oauth2 TOKEN_URL API_URL CLIENT_ID CLIENT_SECRET
//
// With oauth2_client_credentials, corest asks the token endpoint for an access token
// (grant_type=client_credentials), sends it as a bearer token, and keeps it in the
// client's token cache until shortly before it expires: the second call below does not
// ask again. A 401 from the API makes corest fetch a fresh token and retry once. A token
// endpoint that refuses is an AUTH_FAILED result.

#include <corest/client.hpp>
#include <corest/json.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>

#include <exception>
#include <iostream>
#include <string>

namespace net = boost::asio;

net::awaitable<int> call_api(std::string token_url, std::string api_url, std::string id, std::string secret)
{
    corest::client client{co_await net::this_coro::executor};

    corest::oauth2_client_credentials oauth;
    oauth.token_url = token_url;
    oauth.client_id = id;
    oauth.client_secret = corest::secret(secret);
    oauth.scopes = {"reports:read"};   // sent as scope=reports:read

    corest::request req;
    req.url = api_url;
    req.authentication = oauth;
    std::string tokens_seen[2];   // the API answers with the token it was given
    for (int i = 0; i < 2; ++i) {
        corest::result r = co_await client.execute(req);
        if (!r.ok()) {
            std::cerr << "call " << i + 1 << ": " << r.error_name() << ": " << r.message << '\n';
            co_return 1;
        }
        std::cout << "call " << i + 1 << ": " << corest::json_text(r.json_body) << '\n';
        tokens_seen[i] = r.json_body.at("token").as_string();
    }
    const bool reused = tokens_seen[0] == tokens_seen[1];
    std::cout << "the second call reused the cached token: " << (reused ? "yes" : "no") << '\n';

    // A client the token endpoint does not know: it refuses, and the API is not called.
    // (Tokens are cached per token URL, client id, scopes and audience.)
    oauth.client_id = "intruder";
    oauth.client_secret = corest::secret("not-the-secret");
    req.authentication = oauth;
    corest::result refused = co_await client.execute(req);
    std::cout << "unknown client: " << refused.error_name() << ": " << refused.message << '\n';
    co_return refused.error == corest::error::auth_failed ? 0 : 1;
}

int main(int argc, char** argv)
{
    if (argc != 5) {
        std::cerr << "usage: example_05_oauth2 TOKEN_URL API_URL CLIENT_ID CLIENT_SECRET\n";
        return 2;
    }
    net::io_context ioc;
    int status = 1;
    net::co_spawn(ioc, call_api(argv[1], argv[2], argv[3], argv[4]), [&](std::exception_ptr e, int s) {
        if (e) std::rethrow_exception(e);
        status = s;
    });
    ioc.run();
    return status;
}
