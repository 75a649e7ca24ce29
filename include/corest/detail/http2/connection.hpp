#ifndef COREST_DETAIL_HTTP2_CONNECTION_HPP
#define COREST_DETAIL_HTTP2_CONNECTION_HPP

// One HTTP/2 connection shared by the calls whose streams it carries. It owns the
// transport (a plain or TLS connection, made by connect.hpp) and the session (session.hpp)
// behind one mutex, and two coroutines on a strand of its own: a reader that feeds what
// arrives to the session and wakes the calls whose streams changed, and a writer that
// sends what the session has to say. Calls (exchange.hpp) submit and detach their streams
// and take their bytes under the mutex, from any thread.
//
// The reader and the writer run only while streams are attached or bytes are waiting to
// go out: an idle HTTP/2 connection, like an idle pooled HTTP/1.1 one, keeps no operation
// pending, so an io_context whose calls are done runs out of work.

#include <corest/detail/await.hpp>
#include <corest/detail/connection.hpp>
#include <corest/detail/error_mapping.hpp>
#include <corest/detail/http2/session.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace corest::detail {

using h2_bell = boost::asio::experimental::concurrent_channel<void(boost::system::error_code)>;

/// A call's stream with the bell the connection rings when the stream changed.
struct h2_call_stream : h2_stream {
    explicit h2_call_stream(const boost::asio::any_io_executor& ex) : bell(ex, 1) {}
    h2_bell bell;
};

class h2_connection : public std::enable_shared_from_this<h2_connection> {
public:
    /// `on_close` runs once, when the connection is closed for good (its pool slot is freed).
    h2_connection(std::unique_ptr<connection> transport, std::string pool_key, std::string peer,
                  const boost::asio::any_io_executor& ex, std::function<void()> on_close)
        : transport_(std::move(transport)), key_(std::move(pool_key)), peer_(std::move(peer)),
          strand_(boost::asio::make_strand(ex)), writer_bell_(strand_, 1), on_close_(std::move(on_close))
    {
        // No deadline of the call that connected it: each stream keeps its own.
        transport_->finish_use();
        idle_since_ = std::chrono::steady_clock::now();
    }

    h2_connection(const h2_connection&) = delete;
    h2_connection& operator=(const h2_connection&) = delete;
    ~h2_connection()
    {
        transport_->close();
        if (on_close_) on_close_();
    }

    const std::string& pool_key() const { return key_; }
    const std::string& peer() const { return peer_; }

    /// Starts a request on a new stream of this connection; false when it takes no new
    /// stream (then the call opens or finds another connection).
    bool submit(const h2_session::field_list& fields, h2_call_stream& s)
    {
        std::lock_guard lock(mutex_);
        if (closed_ || !session_.submit(fields, s)) return false;
        submitted_.fetch_add(1, std::memory_order_relaxed);
        run_locked();
        return true;
    }

    /// The call is done with its stream (see h2_session::detach).
    void detach(h2_call_stream& s)
    {
        std::lock_guard lock(mutex_);
        session_.detach(s);
        run_locked();
        if (session_.active_streams() == 0) {
            idle_since_ = std::chrono::steady_clock::now();
            // The last call left with its read pending: end that read, and the sweeper's
            // wait, so the idle connection holds no operation (the reader stops, as after
            // a last response).
            if (reading_ || sweeping_)
                boost::asio::post(strand_, [self = shared_from_this()] {
                    std::lock_guard lock(self->mutex_);
                    boost::system::error_code ignored;
                    if (self->reading_) self->transport_->tcp().socket().cancel(ignored);
                    self->sweep_timer_.cancel();
                });
        }
    }

    /// Moves the stream's received news into the caller's hands (under the lock): calls
    /// `take(s)`, which says whether the call has what it waited for, then gives back the
    /// window of what it took. When it has not, the call will wait for its bell until
    /// `until` at most (the connection's sweeper sets `timed_out` and rings it then).
    template <class Take>
    void with_stream(h2_call_stream& s, std::chrono::steady_clock::time_point until, Take&& take)
    {
        std::lock_guard lock(mutex_);
        const std::size_t before = s.data.size();
        const bool done = take(static_cast<h2_stream&>(s));
        const std::size_t taken = before - s.data.size();
        if (taken > 0) {
            session_.consumed(s, taken);
            run_locked();
        }
        if (done) {
            s.wait_until = std::chrono::steady_clock::time_point::max();   // not waiting: the sweeper passes it by
            return;
        }
        s.wait_until = until;
        if (until != std::chrono::steady_clock::time_point::max() && until < sweep_at_) {
            sweep_at_ = until;
            if (sweeping_) {
                boost::asio::post(strand_, [self = shared_from_this()] { self->sweep_timer_.cancel(); });
            } else {
                sweeping_ = true;
                boost::asio::post(strand_, [self = shared_from_this()] {
                    boost::asio::co_spawn(self->strand_, sweeper(self), boost::asio::detached);
                });
            }
        }
    }

    /// Whether the stream's request is still being sent (its wait is then under
    /// write_timeout); the call is woken when that ends.
    bool sending(const h2_call_stream& s)
    {
        std::lock_guard lock(mutex_);
        return !s.body_sent;
    }

    /// New streams may start here now.
    bool accepts_streams()
    {
        std::lock_guard lock(mutex_);
        return !closed_ && session_.accepts_streams();
    }

    /// Has no stream, and has had none since `since`.
    bool idle_since(std::chrono::steady_clock::time_point before)
    {
        std::lock_guard lock(mutex_);
        return session_.active_streams() == 0 && idle_since_ < before;
    }

    bool is_dead()
    {
        std::lock_guard lock(mutex_);
        return closed_ || session_.failure().code != corest::error::ok || session_.finished();
    }

    /// The number of streams started on it (the first is on a new connection).
    std::uint64_t streams_started()
    {
        std::lock_guard lock(mutex_);
        return session_.streams_started();
    }

    /// After a graceful GOAWAY: the streams the server processed on this connection.
    std::optional<std::uint32_t> goaway_processed()
    {
        std::lock_guard lock(mutex_);
        return session_.goaway_processed();
    }

    /// See h2_session::limit_streams.
    void limit_streams(std::uint32_t n)
    {
        std::lock_guard lock(mutex_);
        session_.limit_streams(n);
    }

    /// Closes the connection now; its streams end CONNECTION_CLOSED.
    void close()
    {
        std::lock_guard lock(mutex_);
        if (closed_) return;
        closed_ = true;
        session_.fail_all({corest::error::connection_closed, "the HTTP/2 connection to " + peer_ + " was closed"});
        ring_locked(session_.take_touched());
        boost::asio::post(strand_, [self = shared_from_this()] {
            self->transport_->close();
            self->sweep_timer_.cancel();
        });
        writer_bell_.try_send(boost::system::error_code{});
    }

private:
    // Under the lock: starts the reader and the writer when they are needed and not
    // running, or wakes the writer.
    void run_locked()
    {
        if (closed_) return;
        const bool streams = session_.active_streams() > 0;
        // Started by a handler posted to the strand, never inline: co_spawn would run the
        // coroutine at once when this thread is in the strand, and it takes the lock we hold.
        if (!writing_ && (session_.wants_write() || streams)) {
            writing_ = true;
            boost::asio::post(strand_, [self = shared_from_this()] {
                boost::asio::co_spawn(self->strand_, writer(self), boost::asio::detached);
            });
        } else if (writing_) {
            writer_bell_.try_send(boost::system::error_code{});
        }
        if (!reading_ && streams) {
            reading_ = true;
            boost::asio::post(strand_, [self = shared_from_this()] {
                boost::asio::co_spawn(self->strand_, reader(self), boost::asio::detached);
            });
        }
    }

    // Under the lock: wakes the calls whose streams changed.
    static void ring_locked(const std::vector<h2_stream*>& touched)
    {
        for (h2_stream* s : touched) static_cast<h2_call_stream*>(s)->bell.try_send(boost::system::error_code{});
    }

    // Under the lock: the transport failed or ended; every stream in flight ends.
    void transport_failed_locked(const boost::system::error_code& ec)
    {
        if (session_.failure().code == corest::error::ok && !closed_) {
            const bool eof = ec == boost::asio::error::eof || ec == boost::asio::ssl::error::stream_truncated;
            mapped_error e = eof ? mapped_error{corest::error::connection_closed,
                                                "the server closed the HTTP/2 connection to " + peer_ +
                                                    " before the response was complete"}
                                 : map_io_error(ec, phase::read, peer_);
            if (e.code == corest::error::unknown_error) e.code = corest::error::connection_closed;
            session_.fail_all(e);
        }
        ring_locked(session_.take_touched());
        end_locked();
    }

    // Under the lock, on the strand: the connection takes no more streams, and the
    // sweeper's wait ends (an ended connection holds no operation but its last ones).
    void end_locked()
    {
        closed_ = true;
        sweep_timer_.cancel();
    }

    static boost::asio::awaitable<void> reader(std::shared_ptr<h2_connection> self)
    {
        auto buffer = std::make_unique_for_overwrite<char[]>(read_chunk);
        for (;;) {
            auto [ec, n] = co_await self->transport_->async_read_some(boost::asio::buffer(buffer.get(), read_chunk),
                                                                       as_result);
            std::lock_guard lock(self->mutex_);
            if (self->closed_) break;
            if (ec == boost::asio::error::operation_aborted) {   // detach() ended an idle read
                if (self->session_.active_streams() == 0) break;
                continue;
            }
            if (ec) {
                self->transport_failed_locked(ec);
                break;
            }
            self->session_.receive(buffer.get(), n);
            self->ring_locked(self->session_.take_touched());
            if (self->session_.failure().code != corest::error::ok || self->session_.finished()) {
                self->end_locked();
                break;
            }
            self->run_locked();   // acknowledgements and window updates to send
            if (self->session_.active_streams() == 0) break;   // idle: read again with the next stream
        }
        std::lock_guard lock(self->mutex_);
        self->reading_ = false;
        if (self->closed_) self->writer_bell_.try_send(boost::system::error_code{});
    }

    static boost::asio::awaitable<void> writer(std::shared_ptr<h2_connection> self)
    {
        std::string out;
        for (;;) {
            // Let the calls that are ready to run go first, for as long as they keep starting
            // requests (a few rounds at most): the requests then leave in one write, not in
            // a write each (a sendto per request or two else, most of a small call's cost).
            co_await gather(self);
            bool wait = false;
            {
                std::lock_guard lock(self->mutex_);
                if (!self->closed_) {
                    self->session_.produce(out, write_chunk);
                    self->ring_locked(self->session_.take_touched());
                    if (self->session_.failure().code != corest::error::ok) self->end_locked();
                }
                if (out.empty()) {
                    if (self->closed_ || self->session_.active_streams() == 0) {
                        self->writing_ = false;
                        break;
                    }
                    wait = true;
                }
            }
            if (wait) {
                co_await self->writer_bell_.async_receive(as_result);
                continue;
            }
            auto [ec, n] = co_await boost::asio::async_write(*self->transport_, boost::asio::buffer(out), as_result);
            (void)n;
            out.clear();
            if (ec) {
                std::lock_guard lock(self->mutex_);
                self->transport_failed_locked(ec);
                self->writing_ = false;
                break;
            }
        }
        // The one who ends the connection closes the socket, which ends a pending read.
        std::lock_guard lock(self->mutex_);
        if (self->closed_) self->transport_->close();
    }

    // Yields to the ready calls while they keep starting streams (gather_rounds at most).
    static boost::asio::awaitable<void> gather(std::shared_ptr<h2_connection> self)
    {
        std::uint64_t seen = self->submitted_.load(std::memory_order_relaxed);
        for (int round = 0; round < gather_rounds; ++round) {
            co_await boost::asio::post(self->strand_, boost::asio::deferred);
            const std::uint64_t now = self->submitted_.load(std::memory_order_relaxed);
            if (now == seen) break;
            seen = now;
        }
    }

    // Ends the waits of streams whose calls' deadlines passed: one timer for the connection,
    // at the earliest deadline of its streams, instead of a timer in every waiting call.
    // Runs while some stream has a deadline; an idle connection keeps no timer pending.
    static boost::asio::awaitable<void> sweeper(std::shared_ptr<h2_connection> self)
    {
        using steady = std::chrono::steady_clock;
        for (;;) {
            {
                std::lock_guard lock(self->mutex_);
                const auto now = steady::now();
                auto next = steady::time_point::max();
                std::vector<h2_stream*> expired;
                for (h2_stream* s : self->session_.attached()) {
                    if (s->wait_until <= now) {
                        s->wait_until = steady::time_point::max();
                        s->timed_out = true;
                        expired.push_back(s);
                    } else {
                        next = std::min(next, s->wait_until);
                    }
                }
                ring_locked(expired);
                self->sweep_at_ = next;
                if (next == steady::time_point::max() || self->closed_) {
                    self->sweeping_ = false;
                    co_return;
                }
                self->sweep_timer_.expires_at(next);
            }
            auto [ec] = co_await self->sweep_timer_.async_wait(as_result);
            (void)ec;   // fired, or cancelled for an earlier deadline: look again either way
        }
    }

    static constexpr std::size_t read_chunk = 64 * 1024;
    static constexpr std::size_t write_chunk = 64 * 1024;
    static constexpr int gather_rounds = 8;

    std::mutex mutex_;
    std::unique_ptr<connection> transport_;
    h2_session session_;
    std::string key_;
    std::string peer_;   // the origin, for messages
    boost::asio::strand<boost::asio::any_io_executor> strand_;
    h2_bell writer_bell_;
    std::atomic<std::uint64_t> submitted_{0};   // streams started: the writer gathers while it grows
    std::function<void()> on_close_;
    boost::asio::steady_timer sweep_timer_{strand_};
    std::chrono::steady_clock::time_point sweep_at_ = std::chrono::steady_clock::time_point::max();
    bool sweeping_ = false;
    std::chrono::steady_clock::time_point idle_since_;
    bool reading_ = false;
    bool writing_ = false;
    bool closed_ = false;
};

} // namespace corest::detail

#endif
