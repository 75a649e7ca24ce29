#ifndef COREST_DETAIL_NET_CONNECT_REPLY_HPP
#define COREST_DETAIL_NET_CONNECT_REPLY_HPP

// The HTTP proxy tunnel without I/O: the CONNECT request for a target, and what the
// proxy's answer means, read with a bounded head parser. A 2xx opens the tunnel; 407 is
// PROXY_AUTHENTICATION_REQUIRED; anything else, and an answer that is not HTTP, is
// PROXY_ERROR with the proxy's words. Bytes after a 2xx head, before the tunnel was used,
// are PROXY_ERROR too: nothing may come from the target before corest speaks.

#include <corest/detail/base64.hpp>
#include <corest/error.hpp>
#include <corest/result.hpp>

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace corest::detail {

/// `host:port` of a CONNECT request line and Host header (an IPv6 host in brackets).
inline std::string connect_authority(std::string_view host, std::uint16_t port)
{
    const bool v6 = host.find(':') != std::string_view::npos;
    std::string out;
    if (v6) out += '[';
    out.append(host);
    if (v6) out += ']';
    out += ':';
    out += std::to_string(port);
    return out;
}

/// The Proxy-Authorization value for a proxy's userinfo (Basic).
inline std::string proxy_basic_authorization(std::string_view user, std::string_view password)
{
    std::string plain(user);
    plain += ':';
    plain += password;
    return "Basic " + base64_encode(plain);
}

/// The CONNECT request that opens a tunnel to `authority` (connect_authority's).
inline std::string connect_request(std::string_view authority, const std::optional<std::string>& proxy_authorization,
                                   std::string_view user_agent)
{
    std::string out = "CONNECT ";
    out.append(authority).append(" HTTP/1.1\r\nHost: ").append(authority).append("\r\nUser-Agent: ");
    out.append(user_agent).append("\r\nProxy-Connection: Keep-Alive\r\n");
    if (proxy_authorization) out.append("Proxy-Authorization: ").append(*proxy_authorization).append("\r\n");
    out.append("\r\n");
    return out;
}

/// Reads the proxy's answer to CONNECT, piece by piece as it arrives.
class connect_reply {
public:
    enum class verdict : unsigned char { need_more, tunnel_open, refused };

    connect_reply()
    {
        parser_.header_limit(16 * 1024);
        parser_.skip(true);   // the answer's body, if any, is not read: the tunnel or the error is known
    }

    /// Feeds `bytes` read from the proxy; `used` says how many the parser took. With
    /// refused, error() and message() say why; status() and reason() hold the proxy's.
    verdict feed(std::string_view bytes, std::size_t& used, std::string_view proxy_shown)
    {
        boost::system::error_code ec;
        used = parser_.put(boost::asio::buffer(bytes.data(), bytes.size()), ec);
        if (ec == boost::beast::http::error::need_more) return verdict::need_more;
        if (ec) return refuse(corest::error::proxy_error, "the proxy " + std::string(proxy_shown) +
                                                              " did not answer CONNECT with HTTP: " + ec.message());
        if (!parser_.is_header_done()) return verdict::need_more;
        const auto& head = parser_.get();
        status_ = head.result_int();
        reason_ = std::string(head.reason());
        if (status_ >= 200 && status_ < 300) {
            if (used < bytes.size())
                return refuse(corest::error::proxy_error,
                              "the proxy " + std::string(proxy_shown) +
                                  " sent bytes after its answer to CONNECT, before the tunnel was used");
            return verdict::tunnel_open;
        }
        const std::string said = std::to_string(status_) + (reason_.empty() ? "" : " " + reason_);
        if (status_ == 407)
            return refuse(corest::error::proxy_authentication_required,
                          "the proxy " + std::string(proxy_shown) + " answered CONNECT with " + said +
                              (has_credentials_ ? ": it refused the credentials of the proxy URL"
                                                : ": give credentials in the proxy URL (user:password@)"));
        return refuse(corest::error::proxy_error,
                      "the proxy " + std::string(proxy_shown) + " answered CONNECT with " + said);
    }

    /// Tells the messages whether credentials were sent.
    void credentials_sent(bool yes) noexcept { has_credentials_ = yes; }

    corest::error error() const noexcept { return error_; }
    const std::string& message() const noexcept { return message_; }
    unsigned status() const noexcept { return status_; }
    const std::string& reason() const noexcept { return reason_; }

private:
    verdict refuse(corest::error e, std::string m)
    {
        error_ = e;
        message_ = std::move(m);
        return verdict::refused;
    }

    boost::beast::http::response_parser<boost::beast::http::empty_body> parser_;
    corest::error error_ = corest::error::ok;
    std::string message_;
    unsigned status_ = 0;
    std::string reason_;
    bool has_credentials_ = false;
};

} // namespace corest::detail

#endif
