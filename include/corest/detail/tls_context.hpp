#ifndef COREST_DETAIL_TLS_CONTEXT_HPP
#define COREST_DETAIL_TLS_CONTEXT_HPP

// SSL contexts built once per distinct TLS settings and shared by every call
// of a client (building one reads CA files and parses PEM: not per call), and the
// settings themselves with their pool key, made once per distinct TLS inputs.

#include <corest/tls.hpp>

#include <boost/asio/buffer.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/system/error_code.hpp>

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace corest::detail {

/// Identifies the SSL context `s` builds (check_hostname is per connection).
inline std::string tls_context_key(const tls_settings& s)
{
    std::string k;
    k.reserve(s.cacert.size() + s.client_cert.size() + s.client_key.size() + 16);
    k += s.verify_ssl ? 'v' : 'n';
    k += s.min_version == tls_version::v1_3 ? '3' : '2';
    for (const std::string* part : {&s.cacert, &s.client_cert, &s.client_key}) {
        k += '\x1f';
        k += std::to_string(part->size());
        k += ':';
        k += *part;
    }
    return k;
}

/// Identifies which pooled TLS connections a call with `s` may reuse.
inline std::string tls_pool_key(const tls_settings& s) { return tls_context_key(s) + (s.check_hostname ? "h" : "-"); }


struct tls_context_result {
    std::shared_ptr<boost::asio::ssl::context> context;
    std::string problem;   // why it could not be built (names the input)
};

inline tls_context_result build_tls_context(const tls_settings& s)
{
    namespace ssl = boost::asio::ssl;
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
    boost::system::error_code ec;
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                         ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1,
                     ec);
    SSL_CTX_set_min_proto_version(ctx->native_handle(),
                                  s.min_version == tls_version::v1_3 ? TLS1_3_VERSION : TLS1_2_VERSION);
    if (s.verify_ssl) {
        ctx->set_verify_mode(ssl::verify_peer, ec);
        if (!s.cacert.empty()) {
            if (is_pem_text(s.cacert))
                ctx->add_certificate_authority(boost::asio::buffer(s.cacert), ec);
            else
                ctx->load_verify_file(s.cacert, ec);
            if (ec) return {nullptr, "input \"cacert\" could not be loaded: " + ec.message()};
        } else {
            ctx->set_default_verify_paths(ec);
        }
    } else {
        ctx->set_verify_mode(ssl::verify_none, ec);
    }
    if (!s.client_cert.empty()) {
        if (is_pem_text(s.client_cert))
            ctx->use_certificate_chain(boost::asio::buffer(s.client_cert), ec);
        else
            ctx->use_certificate_chain_file(s.client_cert, ec);
        if (ec) return {nullptr, "input \"client_cert\" could not be loaded: " + ec.message()};
        if (is_pem_text(s.client_key))
            ctx->use_private_key(boost::asio::buffer(s.client_key), ssl::context::pem, ec);
        else
            ctx->use_private_key_file(s.client_key, ssl::context::pem, ec);
        if (ec) return {nullptr, "input \"client_key\" could not be loaded (or does not match client_cert)"};
    }
    return {ctx, {}};
}

/// Thread-safe cache of SSL contexts keyed by tls_context_key().
class tls_context_cache {
public:
    tls_context_result get(const tls_settings& s)
    {
        auto key = tls_context_key(s);
        std::lock_guard lock(mutex_);
        if (auto it = contexts_.find(key); it != contexts_.end()) return {it->second, {}};
        auto built = build_tls_context(s);
        if (built.context) contexts_.emplace(std::move(key), built.context);
        return built;
    }

private:
    std::mutex mutex_;
    std::map<std::string, std::shared_ptr<boost::asio::ssl::context>> contexts_;
};

/// A request's TLS inputs as settings, with the pool key they give (PEM texts can make it
/// kilobytes). Shared by every call of a client with the same inputs.
struct tls_profile {
    tls_settings settings;
    std::string pool_key;
};

/// Thread-safe: the profiles of a client's recent TLS inputs. A service calls with a few
/// sets of TLS inputs; without this, every https call copied them and built its key.
class tls_profile_cache {
public:
    static constexpr std::size_t capacity = 16;

    std::shared_ptr<const tls_profile> get(const request& r)
    {
        std::lock_guard lock(mutex_);
        for (const auto& p : profiles_)
            if (same_inputs(p->settings, r)) return p;
        auto made = std::make_shared<tls_profile>();
        made->settings = tls_settings::of(r);
        made->pool_key = tls_pool_key(made->settings);
        if (profiles_.size() >= capacity) profiles_.erase(profiles_.begin());
        profiles_.push_back(made);
        return made;
    }

private:
    // As tls_settings::of(r) would make them.
    static bool same_inputs(const tls_settings& s, const request& r)
    {
        auto text = [](const std::optional<std::string>& v) { return v ? std::string_view(*v) : std::string_view(); };
        return s.verify_ssl == r.verify_ssl && s.check_hostname == r.check_hostname &&
               s.min_version == r.tls_min_version && s.cacert == text(r.cacert) &&
               s.client_cert == text(r.client_cert) && s.client_key == text(r.client_key);
    }

    std::mutex mutex_;
    std::vector<std::shared_ptr<const tls_profile>> profiles_;
};

/// Per-connection TLS parameters: SNI for host names (never for IP literals) and
/// the host name or IP the certificate must match.
template <class SslStream>
bool prepare_tls_session(SslStream& stream, const std::string& host, bool ip_literal, const tls_settings& s)
{
    SSL* ssl = stream.native_handle();
    if (!ip_literal && SSL_set_tlsext_host_name(ssl, host.c_str()) != 1) return false;
    if (s.verify_ssl && s.check_hostname) {
        X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
        X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        int ok = ip_literal ? X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str())
                            : X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
        if (ok != 1) return false;
    }
    return true;
}

} // namespace corest::detail

#endif
