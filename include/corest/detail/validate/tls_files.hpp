#ifndef COREST_DETAIL_VALIDATE_TLS_FILES_HPP
#define COREST_DETAIL_VALIDATE_TLS_FILES_HPP

// The TLS file inputs (cacert, client_cert, client_key) checked before a call: PEM text or
// a file that parses, a key that matches its certificate. Verdicts are cached per input set
// and a file is looked at (stat) at most once a second, so an edited file is noticed.

#include <corest/detail/validate/messages.hpp>
#include <corest/request.hpp>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#if defined(__linux__) || defined(__APPLE__)
#include <sys/stat.h>
#endif

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <vector>

namespace corest::detail {

// ---- PEM: cacert, client_cert, client_key -------------------------------

struct bio_deleter { void operator()(BIO* p) const noexcept { BIO_free(p); } };
struct x509_deleter { void operator()(X509* p) const noexcept { X509_free(p); } };
struct pkey_deleter { void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); } };
using x509_ptr = std::unique_ptr<X509, x509_deleter>;
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_deleter>;

inline constexpr std::size_t max_pem_bytes = 16 * 1024 * 1024;

/// The PEM text of a cacert/client_cert/client_key input: the value itself
/// when it holds "-----BEGIN", else the contents of the file it names.
/// `show_path` is false for client_key, whose value may be key material.
inline std::optional<std::string> read_pem_input(std::string_view name, const std::string& value,
                                                 bool show_path, input_check& problem)
{
    if (value.find("-----BEGIN") != std::string::npos) {
        if (value.size() > max_pem_bytes) {
            problem = invalid_input(input_ref(name) + " is PEM text larger than 16 MiB");
            return std::nullopt;
        }
        return value;
    }
    const std::string what = input_ref(name) + " must be PEM text or the path of a PEM file; "
                             + (show_path ? "file " + quote_name(value) : std::string("the file"));
    if (value.empty() || has_line_break(value)) {
        problem = invalid_input(input_ref(name) + " must be PEM text or the path of a PEM file");
        return std::nullopt;
    }
    std::error_code ec;
    std::filesystem::path p(value);
    if (!std::filesystem::exists(p, ec)) {
        problem = invalid_input(what + " does not exist");
        return std::nullopt;
    }
    if (!std::filesystem::is_regular_file(p, ec)) {
        problem = invalid_input(what + " is not a regular file");
        return std::nullopt;
    }
    auto size = std::filesystem::file_size(p, ec);
    if (!ec && size > max_pem_bytes) {
        problem = invalid_input(what + " is larger than 16 MiB");
        return std::nullopt;
    }
    std::ifstream in(p, std::ios::binary);
    std::string text;
    if (in.is_open()) text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (!in.is_open() || in.bad()) {
        problem = invalid_input(what + " cannot be read");
        return std::nullopt;
    }
    return text;
}

/// Never prompt on a terminal for a passphrase: encrypted keys fail to load.
inline int no_passphrase(char*, int, int, void*) { return -1; }

/// The certificates of a PEM text (first = leaf); empty when none parses or a block is corrupt.
inline std::vector<x509_ptr> parse_pem_certificates(std::string_view text)
{
    std::vector<x509_ptr> certs;
    std::unique_ptr<BIO, bio_deleter> bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
    if (!bio) return certs;
    ERR_clear_error();
    while (X509* c = PEM_read_bio_X509_AUX(bio.get(), nullptr, no_passphrase, nullptr))
        certs.emplace_back(c);
    // The loop ends at "no start line" after the last block; any other error is a corrupt block.
    unsigned long err = ERR_peek_last_error();
    if (err != 0 && !(ERR_GET_LIB(err) == ERR_LIB_PEM && ERR_GET_REASON(err) == PEM_R_NO_START_LINE))
        certs.clear();
    ERR_clear_error();
    return certs;
}

/// The first private key (any type) of a PEM text, or null.
inline pkey_ptr parse_pem_private_key(std::string_view text)
{
    std::unique_ptr<BIO, bio_deleter> bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
    if (!bio) return nullptr;
    pkey_ptr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
    ERR_clear_error();
    return key;
}

inline input_check check_tls_files_uncached(const request& r)
{
    input_check problem;
    for (auto [name, value] : {std::pair{"cacert", &r.cacert}, std::pair{"proxy_cacert", &r.proxy_cacert}}) {
        if (!*value) continue;
        auto text = read_pem_input(name, **value, true, problem);
        if (!text) return problem;
        if (parse_pem_certificates(*text).empty())
            return invalid_input(input_ref(name) + " does not hold a valid PEM certificate");
    }
    if (r.client_cert.has_value() != r.client_key.has_value())
        return invalid_input(r.client_cert ? input_ref("client_cert") + " needs input \"client_key\" (mutual TLS takes both)"
                                           : input_ref("client_key") + " needs input \"client_cert\" (mutual TLS takes both)");
    if (!r.client_cert) return {};
    auto cert_text = read_pem_input("client_cert", *r.client_cert, true, problem);
    if (!cert_text) return problem;
    auto certs = parse_pem_certificates(*cert_text);
    if (certs.empty())
        return invalid_input(input_ref("client_cert") + " does not hold a valid PEM certificate");
    auto key_text = read_pem_input("client_key", *r.client_key, false, problem);
    if (!key_text) return problem;
    auto key = parse_pem_private_key(*key_text);
    if (!key) {
        bool encrypted = key_text->find("ENCRYPTED") != std::string::npos;
        return invalid_input(input_ref("client_key") + " does not hold a valid PEM private key"
                             + (encrypted ? " (encrypted keys are not supported: give it unencrypted)" : ""));
    }
    bool match = X509_check_private_key(certs.front().get(), key.get()) == 1;
    ERR_clear_error();
    if (!match) return invalid_input(input_ref("client_key") + " does not belong to the certificate of input \"client_cert\"");
    return {};
}

/// Parsing PEM is expensive (a CA bundle is hundreds of certificates), and a service
/// sends thousands of calls with the same cacert: verdicts are remembered per TLS input
/// set, keyed with each file's size and modification time so an edited file is re-read.
///
/// A file is looked at (stat) when a call starts and its last look is older than
/// `recheck_files_after` (one second): a stat per call, a path lookup in the kernel, was a
/// tenth of a pooled TLS call's time. An edited or removed file is noticed within that
/// second. (libcurl keeps a CA store 24 hours by default.)
class tls_file_verdicts {
public:
    static constexpr std::chrono::milliseconds default_recheck{1000};

    input_check check(const request& r)
    {
        if (!r.cacert && !r.client_cert && !r.client_key && !r.proxy_cacert) return {};
        const auto now = std::chrono::steady_clock::now();
        std::unique_lock lock(mutex_);
        auto key = cache_key(r, now);
        if (!key) {
            lock.unlock();
            return check_tls_files_uncached(r);
        }
        if (auto it = verdicts_.find(*key); it != verdicts_.end()) return it->second;
        lock.unlock();
        auto verdict = check_tls_files_uncached(r);
        lock.lock();
        if (verdicts_.size() >= max_entries) verdicts_.clear();
        verdicts_.emplace(std::move(*key), verdict);
        return verdict;
    }

    /// How old a file's last look may be before a call looks again; zero: every call looks.
    void recheck_files_after(std::chrono::steady_clock::duration d)
    {
        std::lock_guard lock(mutex_);
        recheck_ = d;
        identities_.clear();
    }

    static tls_file_verdicts& shared()
    {
        static tls_file_verdicts instance;
        return instance;
    }

private:
    static constexpr std::size_t max_entries = 256;

    struct file_look {
        std::string identity;   // size and modification time; empty: the file cannot be stat'ed
        std::chrono::steady_clock::time_point at;
    };

    // nullopt: a path cannot be stat'ed, so the slow path reports the problem.
    std::optional<std::string> cache_key(const request& r, std::chrono::steady_clock::time_point now)
    {
        std::string key;
        for (const auto* v : {&r.cacert, &r.client_cert, &r.client_key, &r.proxy_cacert}) {
            key += '\x1e';
            if (!*v) continue;
            key += **v;
            if ((*v)->find("-----BEGIN") != std::string::npos) continue;
            const std::string& identity = look_at(**v, now);
            if (identity.empty()) return std::nullopt;
            key += identity;
        }
        return key;
    }

    // The file's identity from a look younger than recheck_, else from a new one.
    const std::string& look_at(const std::string& path, std::chrono::steady_clock::time_point now)
    {
        auto it = identities_.find(path);
        if (it != identities_.end() && !it->second.identity.empty() && now - it->second.at < recheck_)
            return it->second.identity;
        if (it == identities_.end()) {
            if (identities_.size() >= max_entries) identities_.clear();
            it = identities_.emplace(path, file_look{}).first;
        }
        it->second.identity = file_identity(path);
        it->second.at = now;
        return it->second.identity;
    }

    // Size and modification time: an edited file gets a new identity. One stat(), not
    // std::filesystem's two (and its path parsing), where POSIX has it. Empty: no such file.
    static std::string file_identity(const std::string& path)
    {
        std::string identity;
#if defined(__linux__) || defined(__APPLE__)
        struct ::stat st {};
        if (::stat(path.c_str(), &st) != 0) return identity;
#if defined(__APPLE__)
        const auto nanoseconds = st.st_mtimespec.tv_nsec;
#else
        const auto nanoseconds = st.st_mtim.tv_nsec;
#endif
        for (long long part : {static_cast<long long>(st.st_size), static_cast<long long>(st.st_mtime),
                               static_cast<long long>(nanoseconds)}) {
            char digits[24];
            identity += '\x1f';
            identity.append(digits, std::to_chars(digits, digits + sizeof digits, part).ptr);
        }
#else
        std::error_code ec;
        auto size = std::filesystem::file_size(path, ec);
        if (ec) return identity;
        auto mtime = std::filesystem::last_write_time(path, ec);
        if (ec) return identity;
        identity = '\x1f' + std::to_string(size) + '\x1f' + std::to_string(mtime.time_since_epoch().count());
#endif
        return identity;
    }

    std::mutex mutex_;
    std::chrono::steady_clock::duration recheck_ = default_recheck;
    std::unordered_map<std::string, file_look> identities_;   // path -> its last look
    std::unordered_map<std::string, input_check> verdicts_;
};

inline input_check check_tls_files(const request& r) { return tls_file_verdicts::shared().check(r); }

} // namespace corest::detail

#endif
