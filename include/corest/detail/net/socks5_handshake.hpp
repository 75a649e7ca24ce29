#ifndef COREST_DETAIL_NET_SOCKS5_HANDSHAKE_HPP
#define COREST_DETAIL_NET_SOCKS5_HANDSHAKE_HPP

// The SOCKS5 handshake (RFC 1928, with RFC 1929 username/password) as a state machine
// without I/O: it says which bytes to write and how many to read next, and reads the
// proxy's answers. The connect stage carries the steps out on the proxy's socket.
//
//   socks5_handshake h(target, port, credentials);
//   for (auto step = h.start(); ; step = h.received(bytes_read))
//       write step.out, read step.need bytes ... until done or failed

#include <corest/error.hpp>

#include <boost/asio/ip/address.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace corest::detail {

class socks5_handshake {
public:
    struct step {
        enum class kind : unsigned char { write_then_read, done, failed } what = kind::failed;
        std::string out;                 // with write_then_read: the bytes to write (may be empty)
        std::size_t need = 0;            // with write_then_read: read exactly this many bytes next
        corest::error error = corest::error::ok;   // with failed
        std::string message;                       // with failed: a sentence naming the cause
    };

    struct credentials {
        std::string username, password;
    };

    /// To connect to `host` (a name, sent for the proxy to resolve: socks5h) or `address`
    /// (resolved by corest: socks5) and `port`, authenticating with `creds` when given.
    socks5_handshake(std::string host, std::optional<boost::asio::ip::address> address, std::uint16_t port,
                     std::optional<credentials> creds, std::string proxy_shown)
        : host_(std::move(host)), address_(address), port_(port), creds_(std::move(creds)),
          proxy_(std::move(proxy_shown))
    {
    }

    /// The greeting: the methods offered (no authentication, and username/password when
    /// there are credentials).
    step start()
    {
        state_ = state::method;
        std::string out{'\x05'};
        if (creds_) out += std::string("\x02\x00\x02", 3);
        else out += std::string("\x01\x00", 2);
        return read_after(std::move(out), 2);
    }

    /// The `need` bytes the last step asked for arrived.
    step received(std::string_view in)
    {
        switch (state_) {
        case state::method: return on_method(in);
        case state::auth: return on_auth(in);
        case state::reply_head: return on_reply_head(in);
        case state::reply_name_length: return read_after({}, static_cast<unsigned char>(in[0]) + 2u, state::reply_rest);
        case state::reply_rest: return {step::kind::done, {}, 0, corest::error::ok, {}};
        case state::idle: break;
        }
        return fail(corest::error::unknown_error, "the SOCKS5 handshake was resumed out of order");
    }

    /// Words for a SOCKS5 reply code (RFC 1928 section 6).
    static std::string_view reply_meaning(unsigned code) noexcept
    {
        switch (code) {
        case 1: return "general SOCKS server failure";
        case 2: return "connection not allowed by ruleset";
        case 3: return "network unreachable";
        case 4: return "host unreachable";
        case 5: return "connection refused by destination";
        case 6: return "TTL expired";
        case 7: return "command not supported";
        case 8: return "address type not supported";
        default: return "an unknown reply code";
        }
    }

private:
    enum class state : unsigned char { idle, method, auth, reply_head, reply_name_length, reply_rest };

    step read_after(std::string out, std::size_t need, std::optional<state> next = std::nullopt)
    {
        if (next) state_ = *next;
        return {step::kind::write_then_read, std::move(out), need, corest::error::ok, {}};
    }

    step fail(corest::error e, std::string why)
    {
        state_ = state::idle;
        return {step::kind::failed, {}, 0, e, std::move(why) + " (SOCKS5 proxy " + proxy_ + ")"};
    }

    step not_socks5() { return fail(corest::error::proxy_error, "the proxy did not answer as a SOCKS5 proxy"); }

    step on_method(std::string_view in)
    {
        if (in.size() != 2 || in[0] != '\x05') return not_socks5();
        const auto method = static_cast<unsigned char>(in[1]);
        if (method == 0x00) return connect_request();
        if (method == 0x02 && creds_) {
            if (creds_->username.size() > 255 || creds_->password.size() > 255)
                return fail(corest::error::invalid_input, "a SOCKS5 username or password is longer than 255 bytes");
            std::string out{'\x01'};
            out += static_cast<char>(creds_->username.size());
            out += creds_->username;
            out += static_cast<char>(creds_->password.size());
            out += creds_->password;
            return read_after(std::move(out), 2, state::auth);
        }
        if (method == 0xFF && !creds_)
            return fail(corest::error::proxy_authentication_required,
                        "the proxy wants credentials and the proxy URL gives none (user:password@)");
        if (method == 0xFF) return fail(corest::error::proxy_error, "the proxy accepted none of the offered methods");
        return fail(corest::error::proxy_error, "the proxy chose a method that was not offered");
    }

    step on_auth(std::string_view in)
    {
        if (in.size() != 2 || in[0] != '\x01') return not_socks5();
        if (in[1] != '\x00')
            return fail(corest::error::proxy_authentication_required, "the proxy rejected the username and password");
        return connect_request();
    }

    step connect_request()
    {
        std::string out("\x05\x01\x00", 3);
        if (address_ && address_->is_v4()) {
            out += '\x01';
            const auto b = address_->to_v4().to_bytes();
            out.append(reinterpret_cast<const char*>(b.data()), b.size());
        } else if (address_) {
            out += '\x04';
            const auto b = address_->to_v6().to_bytes();
            out.append(reinterpret_cast<const char*>(b.data()), b.size());
        } else {
            if (host_.size() > 255) return fail(corest::error::invalid_input, "the host name is longer than SOCKS5 allows");
            out += '\x03';
            out += static_cast<char>(host_.size());
            out += host_;
        }
        out += static_cast<char>(port_ >> 8);
        out += static_cast<char>(port_ & 0xFF);
        return read_after(std::move(out), 4, state::reply_head);
    }

    step on_reply_head(std::string_view in)
    {
        if (in.size() != 4 || in[0] != '\x05') return not_socks5();
        const auto code = static_cast<unsigned char>(in[1]);
        if (code != 0)
            return fail(corest::error::proxy_error, "the proxy could not connect: " + std::string(reply_meaning(code)) +
                                                        " (reply " + std::to_string(code) + ")");
        switch (static_cast<unsigned char>(in[3])) {   // the bound address, then its port
        case 0x01: return read_after({}, 4 + 2, state::reply_rest);
        case 0x04: return read_after({}, 16 + 2, state::reply_rest);
        case 0x03: return read_after({}, 1, state::reply_name_length);
        default: return not_socks5();
        }
    }

    std::string host_;
    std::optional<boost::asio::ip::address> address_;
    std::uint16_t port_;
    std::optional<credentials> creds_;
    std::string proxy_;
    state state_ = state::idle;
};

} // namespace corest::detail

#endif
