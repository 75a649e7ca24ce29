#ifndef COREST_TLS_HPP
#define COREST_TLS_HPP

// The TLS inputs of a request as one value: what an SSL context is built from.

#include <corest/request.hpp>

#include <string>
#include <string_view>

namespace corest {

/// The TLS inputs of a request: calls with equal settings share one SSL context.
struct tls_settings {
    bool verify_ssl = true;                        ///< Verify the peer's certificate chain.
    bool check_hostname = true;                    ///< Check the certificate names the host.
    std::string cacert;                            ///< PEM text or path; empty: the system's store.
    std::string client_cert;                       ///< PEM text or path; empty: none.
    std::string client_key;                        ///< PEM text or path; empty: none.
    tls_version min_version = tls_version::v1_2;   ///< The lowest version accepted.

    /// The TLS settings of request `r`.
    static tls_settings of(const request& r)
    {
        tls_settings s;
        s.verify_ssl = r.verify_ssl;
        s.check_hostname = r.check_hostname;
        s.cacert = r.cacert.value_or("");
        s.client_cert = r.client_cert.value_or("");
        s.client_key = r.client_key.value_or("");
        s.min_version = r.tls_min_version;
        return s;
    }
};

/// True when `text` is PEM text rather than a path to a PEM file.
inline bool is_pem_text(std::string_view text) noexcept
{
    return text.find("-----BEGIN") != std::string_view::npos;
}

} // namespace corest

#endif
