#ifndef COREST_DETAIL_POOL_LEASE_HPP
#define COREST_DETAIL_POOL_LEASE_HPP

// What a hop holds of the pool: a slot, and the connection made or reused in it. On
// destruction the lease closes its connection and frees the slot, unless the hop gave the
// connection back after a complete response with keep-alive: every way out of a hop
// (errors, timeouts, cancellation, exceptions) closes, and only one path pools.

#include <corest/detail/connection.hpp>
#include <corest/detail/pool/pool.hpp>

#include <memory>
#include <string>
#include <utility>

namespace corest::detail {

class pool_lease {
public:
    /// A lease on `pool` for connections to `key`; both outlive it.
    pool_lease(connection_pool& pool, const std::string& key) noexcept : pool_(&pool), key_(&key) {}
    pool_lease(const pool_lease&) = delete;
    pool_lease& operator=(const pool_lease&) = delete;
    ~pool_lease() { end(); }

    /// An idle or handed-over connection: it comes with its slot.
    void adopt(std::unique_ptr<connection> c) noexcept
    {
        conn_ = std::move(c);
        slot_ = conn_ != nullptr;
    }
    /// A slot was taken to make a connection in.
    void hold_slot() noexcept { slot_ = true; }
    /// The connection made in the slot.
    void fill(std::unique_ptr<connection> c) noexcept { conn_ = std::move(c); }

    bool has_slot() const noexcept { return slot_; }
    connection* get() const noexcept { return conn_.get(); }
    connection& operator*() const noexcept { return *conn_; }
    connection* operator->() const noexcept { return conn_.get(); }
    explicit operator bool() const noexcept { return conn_ != nullptr; }

    /// The response was read to its end and the connection may be kept alive.
    void give_back() noexcept
    {
        if (conn_) pool_->give_back(std::move(conn_));
        slot_ = false;
    }

    /// The connection left the lease with its slot (an HTTP/2 connection, shared from now
    /// on, frees the slot when it closes).
    void forget_slot() noexcept { slot_ = false; }

    /// Closes the connection (if any) and frees the slot now.
    void end() noexcept
    {
        if (conn_) pool_->discard(std::move(conn_));
        else if (slot_) pool_->release_slot(*key_);
        slot_ = false;
    }

private:
    connection_pool* pool_;
    const std::string* key_;
    std::unique_ptr<connection> conn_;
    bool slot_ = false;
};

} // namespace corest::detail

#endif
