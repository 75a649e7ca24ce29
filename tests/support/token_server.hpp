#ifndef COREST_TESTS_SUPPORT_TOKEN_SERVER_HPP
#define COREST_TESTS_SUPPORT_TOKEN_SERVER_HPP

// An OAuth2 token endpoint and a protected API on one in-process server:
//   POST /token  (grant_type=client_credentials, client id/secret in the body or Basic)
//                -> {"access_token":"tok-N","token_type":"Bearer","expires_in":E}
//   GET  /api    -> 200 when "Authorization: Bearer <a live token>", else 401
// It counts the tokens it issued and can revoke one, so tests can prove caching,
// single flight and the 401 refresh.

#include "support/fault_server.hpp"

#include <atomic>
#include <mutex>
#include <set>
#include <string>

namespace corest::test {

class token_server {
public:
    explicit token_server(std::string client_id = "app", std::string client_secret = "s3cret-value",
                          int expires_in = 3600, std::chrono::milliseconds token_delay = std::chrono::milliseconds(0))
        : state_(std::make_shared<state>()),
          server_(handler(state_, std::move(client_id), std::move(client_secret), expires_in, token_delay))
    {
    }

    std::string token_url() const { return server_.url("/token"); }
    std::string api_url() const { return server_.url("/api"); }
    int tokens_issued() const { return state_->issued.load(); }
    int api_calls() const { return state_->api_calls.load(); }
    std::string last_token_request_body() const
    {
        std::lock_guard lock(state_->mutex);
        return state_->last_body;
    }
    std::string last_token_request_head() const
    {
        std::lock_guard lock(state_->mutex);
        return state_->last_head;
    }
    void revoke_all()
    {
        std::lock_guard lock(state_->mutex);
        state_->live.clear();
    }
    fault_server& server() { return server_; }

private:
    struct state {
        std::atomic<int> issued{0};
        std::atomic<int> api_calls{0};
        std::mutex mutex;
        std::set<std::string> live;
        std::string last_body;
        std::string last_head;
    };

    static fault_handler handler(std::shared_ptr<state> st, std::string id, std::string secret, int expires_in,
                                 std::chrono::milliseconds delay)
    {
        return [st, id, secret, expires_in, delay](fault_connection& c) -> boost::asio::awaitable<void> {
            for (;;) {
                std::string head = co_await c.read_request_head();
                if (head.empty()) co_return;
                std::string response;
                if (head.rfind("POST /token", 0) == 0) {
                    const std::string body = c.body();
                    {
                        std::lock_guard lock(st->mutex);
                        st->last_body = body;
                        st->last_head = head;
                    }
                    const bool in_body = body.find("client_id=" + id) != std::string::npos &&
                                         body.find("client_secret=" + secret) != std::string::npos;
                    const bool in_header = head.find("Authorization: Basic ") != std::string::npos;
                    if (delay.count()) co_await c.sleep(delay);
                    if (body.find("grant_type=client_credentials") == std::string::npos || !(in_body || in_header)) {
                        response = "HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n";
                    } else {
                        const std::string token = "tok-" + std::to_string(++st->issued);
                        {
                            std::lock_guard lock(st->mutex);
                            st->live.insert(token);
                        }
                        std::string json = "{\"access_token\":\"" + token + "\",\"token_type\":\"Bearer\"";
                        if (expires_in > 0) json += ",\"expires_in\":" + std::to_string(expires_in);
                        json += "}";
                        response = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                                   std::to_string(json.size()) + "\r\n\r\n" + json;
                    }
                } else {
                    ++st->api_calls;
                    bool ok = false;
                    {
                        std::lock_guard lock(st->mutex);
                        for (const auto& t : st->live)
                            if (head.find("Authorization: Bearer " + t + "\r\n") != std::string::npos) ok = true;
                    }
                    response = ok ? "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
                                  : "HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n";
                }
                co_await c.write(response);
            }
        };
    }

    std::shared_ptr<state> state_;
    fault_server server_;
};

} // namespace corest::test

#endif
