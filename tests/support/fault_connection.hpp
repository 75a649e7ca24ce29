#ifndef COREST_TESTS_SUPPORT_FAULT_CONNECTION_HPP
#define COREST_TESTS_SUPPORT_FAULT_CONNECTION_HPP

// One connection of corest::test::fault_server (see fault_server.hpp), with the helpers a
// fault handler uses: read_request_head, write, sleep, reset, close.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/experimental/as_tuple.hpp>
#include <boost/system/system_error.hpp>

#include <atomic>
#include <cctype>
#include <chrono>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace corest::test {

class fault_connection;
using fault_handler = std::function<boost::asio::awaitable<void>(fault_connection&)>;

namespace detail {

// What the test thread reads while the server thread writes.
struct fault_state
{
    struct record
    {
        std::string head;
        std::string body;
    };
    mutable std::mutex mutex;
    std::vector<record> records;
    std::vector<std::string> handler_errors;
    std::atomic<std::size_t> accepted{0};
    std::atomic<bool> stopping{false};
};

inline constexpr auto fault_tuple = boost::asio::experimental::as_tuple(boost::asio::use_awaitable);

inline std::string lower(std::string_view s)
{
    std::string out(s);
    for (auto& ch : out)
        ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return out;
}

// Finds the first header `name` (lower-case) in a raw head; its trimmed value goes to `value`.
inline bool find_header(std::string_view head, std::string_view name, std::string& value)
{
    const std::string h = lower(head);
    const std::string key = "\r\n" + std::string(name) + ":";
    const auto pos = h.find(key);
    if (pos == std::string::npos)
        return false;
    auto start = pos + key.size();
    auto end = h.find("\r\n", start);
    if (end == std::string::npos)
        end = h.size();
    value = std::string(head.substr(start, end - start));
    value.erase(0, value.find_first_not_of(" \t"));
    value.erase(value.find_last_not_of(" \t") + 1);
    return true;
}

// Must the connection close after this raw response (Connection: close, HTTP/1.0, or a body
// delimited by the close)? Interim 1xx heads at the front are skipped.
inline bool response_closes(std::string_view raw)
{
    for (;;)
    {
        const auto end = raw.find("\r\n\r\n");
        if (end == std::string_view::npos)
            return true;  // incomplete head: nothing sensible can follow
        const std::string_view head = raw.substr(0, end + 2);
        const bool interim = head.size() > 9 && head.substr(9, 1) == "1";
        if (interim && head.substr(9, 3) != "101")
        {
            raw.remove_prefix(end + 4);
            continue;
        }
        std::string v;
        if (find_header(head, "connection", v) && lower(v).find("close") != std::string::npos)
            return true;
        if (head.substr(0, 8) == "HTTP/1.0")
            return true;
        const std::string_view code = head.size() > 12 ? head.substr(9, 3) : "";
        if (code == "204" || code == "304")
            return false;
        if (find_header(head, "content-length", v))
            return false;
        return !(find_header(head, "transfer-encoding", v) &&
                 lower(v).find("chunked") != std::string::npos);
    }
}

}  // namespace detail

// One accepted connection, handed to the handler. Used only on the server's thread.
class fault_connection
{
public:
    const std::size_t index;  // 0-based connection number

    fault_connection(boost::asio::ip::tcp::socket socket, std::size_t idx, detail::fault_state& state)
        : index(idx), socket_(std::move(socket)), timer_(socket_.get_executor()), state_(state)
    {
    }

    // Reads one request head (through \r\n\r\n), records it, then reads its Content-Length
    // or chunked body (see body()). Returns "" when the peer closed or reset first.
    boost::asio::awaitable<std::string> read_request_head()
    {
        std::size_t n = co_await read_until("\r\n\r\n");
        if (n == 0)
            co_return std::string();
        std::string head = buffer_.substr(0, n);
        buffer_.erase(0, n);
        std::size_t slot = 0;
        {
            std::lock_guard lock(state_.mutex);
            slot = state_.records.size();
            state_.records.push_back({head, {}});
        }
        body_.clear();
        std::string v;
        if (detail::find_header(head, "transfer-encoding", v) &&
            detail::lower(v).find("chunked") != std::string::npos)
            co_await read_chunked_body();
        else if (detail::find_header(head, "content-length", v))
        {
            std::size_t len = 0;
            try
            {
                len = std::stoull(v);
            }
            catch (const std::exception&)
            {
                len = 0;  // a malformed length reads no body
            }
            if (co_await fill(len))
            {
                body_ = buffer_.substr(0, len);
                buffer_.erase(0, len);
            }
        }
        {
            std::lock_guard lock(state_.mutex);
            state_.records[slot].body = body_;
        }
        co_return head;
    }

    // Writes the bytes (copied at the call). A peer that went away makes is_open() false.
    boost::asio::awaitable<void> write(std::string_view bytes)
    {
        return write_owned(std::string(bytes));
    }

    boost::asio::awaitable<void> sleep(std::chrono::milliseconds d)
    {
        throw_if_stopping();
        timer_.expires_after(d);
        co_await timer_.async_wait(detail::fault_tuple);
        throw_if_stopping();
    }

    // Abortive close: SO_LINGER 0, so the peer sees a RST (ECONNRESET), not a FIN.
    void reset()
    {
        boost::system::error_code ec;
        if (socket_.is_open())
            socket_.set_option(boost::asio::socket_base::linger(true, 0), ec);
        socket_.close(ec);
        open_ = false;
    }

    // Orderly close: the peer sees end of stream after the bytes already written.
    void close()
    {
        boost::system::error_code ec;
        socket_.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
        socket_.close(ec);
        open_ = false;
    }

    bool is_open() const { return open_ && socket_.is_open(); }

    // Body of the last request read by read_request_head().
    const std::string& body() const { return body_; }

    // For handlers that need raw access; cancelled on stop like the helpers.
    boost::asio::ip::tcp::socket& socket() { return socket_; }

    // Server side of stop: cancel whatever this connection is waiting for.
    void abort()
    {
        timer_.cancel();
        boost::system::error_code ec;
        socket_.close(ec);
        open_ = false;
    }

private:
    void throw_if_stopping() const
    {
        if (state_.stopping.load())
            throw boost::system::system_error(boost::asio::error::operation_aborted);
    }

    boost::asio::awaitable<void> write_owned(std::string bytes)
    {
        throw_if_stopping();
        if (!is_open())
            co_return;
        auto [ec, n] = co_await boost::asio::async_write(socket_, boost::asio::buffer(bytes),
                                                         detail::fault_tuple);
        (void)n;
        throw_if_stopping();
        if (ec)
            open_ = false;
    }

    // Returns the end of `delim` in buffer_, or 0 on end of stream / error.
    boost::asio::awaitable<std::size_t> read_until(std::string_view delim)
    {
        throw_if_stopping();
        if (!is_open())
            co_return 0;
        auto [ec, n] = co_await boost::asio::async_read_until(
            socket_, boost::asio::dynamic_buffer(buffer_, 1 << 20), delim, detail::fault_tuple);
        throw_if_stopping();
        if (ec)
            co_return 0;
        co_return n;
    }

    // Ensures buffer_ holds at least n bytes; false on end of stream / error.
    boost::asio::awaitable<bool> fill(std::size_t n)
    {
        if (buffer_.size() >= n)
            co_return true;
        throw_if_stopping();
        if (!is_open())
            co_return false;
        auto [ec, got] = co_await boost::asio::async_read(
            socket_, boost::asio::dynamic_buffer(buffer_),
            boost::asio::transfer_exactly(n - buffer_.size()), detail::fault_tuple);
        (void)got;
        throw_if_stopping();
        co_return !ec;
    }

    boost::asio::awaitable<void> read_chunked_body()
    {
        for (;;)
        {
            std::size_t n = co_await read_until("\r\n");
            if (n == 0)
                co_return;
            std::size_t size = 0;
            try
            {
                size = std::stoull(buffer_.substr(0, n), nullptr, 16);
            }
            catch (const std::exception&)
            {
                co_return;  // malformed chunk size: stop reading the body
            }
            buffer_.erase(0, n);
            if (size == 0)
            {
                // Trailers, then the empty line.
                for (;;)
                {
                    std::size_t t = co_await read_until("\r\n");
                    if (t == 0)
                        co_return;
                    buffer_.erase(0, t);
                    if (t == 2)
                        co_return;
                }
            }
            if (!co_await fill(size + 2))
                co_return;
            body_.append(buffer_, 0, size);
            buffer_.erase(0, size + 2);
        }
    }

    boost::asio::ip::tcp::socket socket_;
    boost::asio::steady_timer timer_;
    detail::fault_state& state_;
    std::string buffer_;  // bytes read past the last request
    std::string body_;
    bool open_ = true;
};

}  // namespace corest::test

#endif
