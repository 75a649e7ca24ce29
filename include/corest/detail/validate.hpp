#ifndef COREST_DETAIL_VALIDATE_HPP
#define COREST_DETAIL_VALIDATE_HPP

// The one validation step (DESIGN.md rule 6): semantic checks of a request
// that hold for C++ callers and JSON callers alike, run once before anything
// is sent. The first problem wins; its message names the input by its
// (dotted) name and never contains a secret value. URL syntax is checked by
// the URL composer, not here.

#include <corest/detail/json_limits.hpp>
#include <corest/detail/resolve_input.hpp>
#include <corest/proxy.hpp>
#include <corest/request.hpp>
#include <corest/url.hpp>

#include <boost/json/kind.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/scheme.hpp>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#if defined(__linux__) || defined(__APPLE__)
#include <sys/stat.h>
#endif

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <unordered_map>
#include <variant>
#include <vector>

namespace corest::detail {

// ---- message helpers ----------------------------------------------------

inline input_check invalid_input(std::string message) { return {error::invalid_input, std::move(message)}; }
inline input_check missing_input(std::string message) { return {error::missing_input, std::move(message)}; }

/// Appends `text` with control characters, quotes and backslashes escaped.
inline void append_escaped(std::string& out, std::string_view text)
{
    for (char ch : text) {
        auto c = static_cast<unsigned char>(ch);
        if (c == '\r') out += "\\r";
        else if (c == '\n') out += "\\n";
        else if (c == '\t') out += "\\t";
        else if (c == '"' || c == '\\') { out += '\\'; out += static_cast<char>(c); }
        else if (c < 0x20 || c == 0x7f) {
            constexpr char hex[] = "0123456789abcdef";
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 0xf];
        } else out += static_cast<char>(c);
    }
}

/// `"text"` for a message: control characters escaped, long text cut.
/// Only for values that are not secrets; names of inputs and files go through quote_name.
inline std::string quote_value(std::string_view text)
{
    constexpr std::size_t max_chars = 64;
    std::string out = "\"";
    append_escaped(out, text.substr(0, max_chars));
    if (text.size() > max_chars) out += "...";
    out += '"';
    return out;
}

/// `"name"` of an input, a key or a file for a message: whole (escaped), since naming it
/// is what the message is for; a name over 4096 bytes keeps its first and last 64
/// characters around "...", cut between UTF-8 sequences.
inline std::string quote_name(std::string_view name)
{
    constexpr std::size_t whole_up_to = 4096;
    constexpr std::size_t kept = 64;
    std::string out = "\"";
    if (name.size() <= whole_up_to) {
        append_escaped(out, name);
    } else {
        auto continuation = [](char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; };
        std::size_t head = kept, tail = name.size() - kept;
        while (head > 0 && continuation(name[head])) --head;
        while (tail < name.size() && continuation(name[tail])) ++tail;
        append_escaped(out, name.substr(0, head));
        out += "...";
        append_escaped(out, name.substr(tail));
    }
    out += '"';
    return out;
}

/// A number as a message shows it: shortest round-trip form.
inline std::string format_number(double x)
{
    if (std::isnan(x)) return "NaN";
    if (std::isinf(x)) return x < 0 ? "-inf" : "inf";
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, x);
    return ec == std::errc{} ? std::string(buf, end) : std::string("?");
}

/// The JSON type of a value as messages name it ("string", "number", ...).
inline std::string_view json_kind_name(const boost::json::value& v) noexcept
{
    switch (v.kind()) {
    case boost::json::kind::null: return "null";
    case boost::json::kind::bool_: return "bool";
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
    case boost::json::kind::double_: return "number";
    case boost::json::kind::string: return "string";
    case boost::json::kind::array: return "array";
    case boost::json::kind::object: return "object";
    }
    return "value";
}

inline std::string input_ref(std::string_view path) { return "input " + quote_name(path); }

// ---- character rules ----------------------------------------------------

/// CR, LF or NUL: what would split or cut a header line.
inline bool has_line_break(std::string_view s) noexcept
{
    return s.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

/// RFC 9110 tchar.
inline bool is_tchar(char c) noexcept
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

inline bool is_token(std::string_view s) noexcept
{
    if (s.empty()) return false;
    for (char c : s)
        if (!is_tchar(c)) return false;
    return true;
}

/// RFC 2046 boundary: 1-70 bchars, not ending in a space.
inline bool is_valid_boundary(std::string_view b) noexcept
{
    if (b.empty() || b.size() > 70 || b.back() == ' ') return false;
    for (char c : b) {
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && std::string_view("'()+_,-./:=? ").find(c) == std::string_view::npos) return false;
    }
    return true;
}

/// INVALID_INPUT when `value` of `path` would break a header line.
inline input_check check_header_text(std::string_view path, std::string_view value)
{
    if (has_line_break(value))
        return invalid_input(input_ref(path) + " must not contain a CR, LF or NUL character");
    return {};
}

/// A Basic username: it ends up in a header line, and ':' would split it.
inline input_check check_basic_username(std::string_view path, std::string_view username)
{
    if (auto c = check_header_text(path, username); !c.ok()) return c;
    if (username.find(':') != std::string_view::npos)
        return invalid_input(input_ref(path) + " must not contain ':' (HTTP Basic separates user and password with it)");
    return {};
}

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

// ---- the checks, one area each ------------------------------------------

inline input_check check_target(const request& r)
{
    if (r.url) {
        if (r.url->empty()) return invalid_input(input_ref("url") + " must not be empty");
    } else if (!r.hostname) {
        return missing_input("input \"url\" or \"hostname\" is required");
    } else if (r.hostname->empty()) {
        return invalid_input(input_ref("hostname") + " must not be empty");
    }
    if (r.scheme && *r.scheme != "http" && *r.scheme != "https")
        return invalid_input(input_ref("scheme") + " must be \"http\" or \"https\", got " + quote_value(*r.scheme));
    if (r.port && (*r.port < 1 || *r.port > 65535))
        return invalid_input(input_ref("port") + " must be an integer 1-65535, got " + std::to_string(*r.port));
    if (r.dst && r.dst->empty()) return invalid_input(input_ref("dst") + " must not be empty");
    return {};
}

inline input_check check_headers_and_cookies(const request& r)
{
    for (const auto& [name, value] : r.headers) {
        const std::string path = "headers." + name;
        if (name.empty()) return invalid_input(input_ref("headers") + " has an empty header name");
        if (has_line_break(name))
            return invalid_input("input \"headers\" has a header name with a CR, LF or NUL character: " + quote_name(name));
        if (!is_token(name))
            return invalid_input(input_ref(path) + " is not a valid header name (letters, digits and !#$%&'*+-.^_`|~ only)");
        if (auto c = check_header_text(path, value); !c.ok()) return c;
    }
    for (const auto& [name, value] : r.cookies) {
        if (name.empty()) return invalid_input(input_ref("cookies") + " has an empty cookie name");
        if (has_line_break(name) || name.find_first_of(";=") != std::string::npos)
            return invalid_input("input \"cookies\" has an invalid cookie name " + quote_name(name)
                                 + " (no ';', '=', CR, LF or NUL)");
        if (auto c = check_header_text("cookies." + name, value); !c.ok()) return c;
    }
    return {};
}

inline input_check check_form_value(const std::string& path, const boost::json::value& v, bool in_array)
{
    switch (v.kind()) {
    case boost::json::kind::string:
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
    case boost::json::kind::double_:
    case boost::json::kind::bool_: return {};
    case boost::json::kind::null:
        if (!in_array) return {};
        break;
    case boost::json::kind::array:
        if (in_array) break;
        for (std::size_t i = 0; i < v.get_array().size(); ++i)
            if (auto c = check_form_value(path + "[" + std::to_string(i) + "]", v.get_array()[i], true); !c.ok())
                return c;
        return {};
    case boost::json::kind::object: break;
    }
    return invalid_input(input_ref(path)
                         + (in_array ? " must be a string, number or bool, got "
                                     : " must be a string, number, bool, null or an array of those, got ")
                         + std::string(json_kind_name(v)));
}

inline input_check check_form(std::string_view input, const boost::json::object& fields)
{
    for (const auto& kv : fields)
        if (auto c = check_form_value(std::string(input) + "." + std::string(kv.key()), kv.value(), false); !c.ok())
            return c;
    return {};
}

inline input_check check_params(const request& r) { return check_form("params", r.params); }

inline input_check check_part_header(const std::string& path, const part_header& h)
{
    if (h.how != part_header::mode::custom) return {};
    if (h.value.empty()) return invalid_input(input_ref(path) + " must not be empty (use false to omit the header)");
    return check_header_text(path, h.value);
}

inline input_check check_multipart(const multipart_body& m)
{
    if (m.content_type) {
        if (m.content_type->empty()) return invalid_input(input_ref("multipart.content-type") + " must not be empty");
        if (auto c = check_header_text("multipart.content-type", *m.content_type); !c.ok()) return c;
    }
    if (m.boundary && !is_valid_boundary(*m.boundary))
        return invalid_input(input_ref("multipart.boundary")
                             + " must be 1-70 characters of letters, digits and '()+_,-./:=? or space, not ending in a space");
    if (m.parts.empty()) return invalid_input(input_ref("multipart.parts") + " must hold at least one part");
    for (std::size_t i = 0; i < m.parts.size(); ++i) {
        const auto& part = m.parts[i];
        const std::string at = "multipart.parts[" + std::to_string(i) + "]";
        if (part.name.empty()) return invalid_input(input_ref(at + ".name") + " must not be empty");
        if (auto c = check_header_text(at + ".name", part.name); !c.ok()) return c;
        if (part.value && part.file)
            return invalid_input(input_ref(at) + " must have exactly one of \"value\" or \"file\", got both");
        if (!part.value && !part.file)
            return missing_input(input_ref(at + ".value") + " or \"" + at + ".file\" is required");
        if (part.filename) {
            if (!part.file) return invalid_input(input_ref(at + ".filename") + " is only for file parts (with \"file\")");
            if (auto c = check_header_text(at + ".filename", *part.filename); !c.ok()) return c;
        }
        if (auto c = check_part_header(at + ".content-type", part.content_type); !c.ok()) return c;
        if (auto c = check_part_header(at + ".content-disposition", part.content_disposition); !c.ok()) return c;
        if (part.file) {
            const std::string what = input_ref(at + ".file") + ": file " + quote_name(*part.file);
            if (part.file->empty()) return invalid_input(input_ref(at + ".file") + " must not be empty");
            if (!part.filename) // the default filename comes from the path
                if (auto c = check_header_text(at + ".file", *part.file); !c.ok()) return c;
            std::error_code ec;
            std::filesystem::path p(*part.file);
            if (!std::filesystem::exists(p, ec)) return invalid_input(what + " does not exist");
            if (!std::filesystem::is_regular_file(p, ec)) return invalid_input(what + " is not a regular file");
            if (!std::ifstream(p, std::ios::binary).is_open()) return invalid_input(what + " cannot be read");
        }
    }
    return {};
}

/// `input` is "json", or "data" when the JSON caller used the deprecated alias.
inline input_check check_json_method(std::string_view input, method m)
{
    if (allows_json_body(m)) return {};
    return invalid_input(input_ref(input) + " is only allowed with method POST, PUT, PATCH or DELETE, got "
                         + std::string(method_name(m)));
}

inline input_check check_body(const request& r)
{
    if (const auto* j = std::get_if<json_body>(&r.body)) {
        if (auto c = check_json_method("json", r.method); !c.ok()) return c;
        // First: the recursive checks below and the serializer then meet a bounded depth.
        if (nests_deeper_than(j->value, max_json_depth))
            return invalid_input(input_ref("json") + " nests deeper than " + std::to_string(max_json_depth) +
                                 " levels of arrays and objects, the most corest reads");
        if (has_non_finite_number(j->value))
            return invalid_input(input_ref("json") + " holds a number too large for JSON (e.g. 1e400)");
    }
    if (auto* form = std::get_if<urlencoded_body>(&r.body)) return check_form("urlencoded", form->fields);
    if (auto* m = std::get_if<multipart_body>(&r.body)) return check_multipart(*m);
    return {};
}

inline input_check check_authentication(const request& r)
{
    return std::visit(
        [](const auto& a) -> input_check {
            using T = std::decay_t<decltype(a)>;
            if constexpr (std::is_same_v<T, basic_auth>) {
                return check_basic_username("username", a.username);
            } else if constexpr (std::is_same_v<T, bearer_auth>) {
                if (a.token.empty()) return invalid_input(input_ref("authentication.token") + " must not be empty");
                return check_header_text("authentication.token", a.token.reveal());
            } else if constexpr (std::is_same_v<T, api_key_auth>) {
                if (a.name.empty()) return invalid_input(input_ref("authentication.name") + " must not be empty");
                if (auto c = check_header_text("authentication.name", a.name); !c.ok()) return c;
                if (a.location == api_key_location::header && !is_token(a.name))
                    return invalid_input(input_ref("authentication.name")
                                         + " is not a valid header name (letters, digits and !#$%&'*+-.^_`|~ only)");
                return check_header_text("authentication.value", a.value.reveal());
            } else if constexpr (std::is_same_v<T, oauth2_client_credentials>) {
                auto u = boost::urls::parse_absolute_uri(a.token_url);
                if (!u || (u->scheme_id() != boost::urls::scheme::http && u->scheme_id() != boost::urls::scheme::https)
                    || !u->has_authority() || u->host().empty())
                    return invalid_input(input_ref("authentication.token_url") + " must be an absolute http or https URL");
                if (a.client_id.empty()) return invalid_input(input_ref("authentication.client_id") + " must not be empty");
                return {};
            } else {
                return {};
            }
        },
        r.authentication);
}

inline input_check check_seconds(std::string_view name, double x)
{
    if (!std::isfinite(x) || x < 0)
        return invalid_input(input_ref(name) + " must be a number of seconds >= 0 (0 = none), got " + format_number(x));
    return {};
}

inline input_check check_status_codes(std::string_view name, const std::vector<unsigned>& codes)
{
    for (std::size_t i = 0; i < codes.size(); ++i)
        if (codes[i] < 100 || codes[i] > 599)
            return invalid_input(input_ref(std::string(name) + "[" + std::to_string(i) + "]")
                                 + " must be an integer 100-599, got " + std::to_string(codes[i]));
    return {};
}

inline input_check check_policies(const request& r)
{
    const std::pair<std::string_view, double> timeouts[] = {
        {"connect_timeout", r.connect_timeout.count()}, {"read_timeout", r.read_timeout.count()},
        {"write_timeout", r.write_timeout.count()}, {"total_timeout", r.total_timeout.count()}};
    for (auto [name, x] : timeouts)
        if (auto c = check_seconds(name, x); !c.ok()) return c;
    if (auto c = check_status_codes("expected_status_code", r.expected_status_code); !c.ok()) return c;
    if (auto c = check_status_codes("retry_status_code", r.retry_status_code); !c.ok()) return c;
    const std::pair<std::string_view, double> backoff[] = {
        {"retry_backoff.initial", r.retry_backoff.initial}, {"retry_backoff.maximum", r.retry_backoff.maximum},
        {"retry_backoff.multiplier", r.retry_backoff.multiplier}, {"retry_backoff.deadline", r.retry_backoff.deadline}};
    for (auto [name, x] : backoff)
        if (!std::isfinite(x) || x < 0)
            return invalid_input(input_ref(name) + " must be a number >= 0, got " + format_number(x));
    if (r.circuit_breaker.failure_threshold < 1)
        return invalid_input(input_ref("circuit_breaker.failure_threshold") + " must be an integer >= 1, got "
                             + std::to_string(r.circuit_breaker.failure_threshold));
    double open = r.circuit_breaker.open_seconds;
    if (!std::isfinite(open) || open <= 0)
        return invalid_input(input_ref("circuit_breaker.open_seconds") + " must be a number > 0, got " + format_number(open));
    return {};
}

// ---- the validation step ------------------------------------------------

/// Checks a request once before anything is sent: error::ok, or
/// MISSING_INPUT / INVALID_INPUT naming the first bad input (dotted path).
/// Reads the files a request names (multipart files, PEM paths) but sends
/// nothing; secret values never appear in the message. Thread-safe.
inline input_check check_proxy(const request& r)
{
    if (r.proxy.how == proxy_setting::mode::url) {
        if (has_line_break(r.proxy.url)) return invalid_input(input_ref("proxy") + " must not contain a CR, LF or NUL character");
        std::string why;
        if (!parse_proxy_url(r.proxy.url, why))
            return invalid_input(input_ref("proxy") + " \"" + url_for_message(r.proxy.url) + "\" " + why);
    }
    if (r.no_proxy && has_line_break(*r.no_proxy))
        return invalid_input(input_ref("no_proxy") + " must not contain a CR, LF or NUL character");
    return {};
}

inline input_check check_resolve(const request& r)
{
    for (const auto& e : r.resolve) {
        const std::string key = (e.host.find(':') != std::string::npos ? "[" + e.host + "]" : e.host) + ":" +
                                std::to_string(e.port);
        const std::string where = input_ref("resolve." + key);
        std::string why;
        if (e.port == 0) return invalid_input(where + " has port 0; a port is 1-65535");
        if (e.host.empty() || !override_host(e.host, why))
            return invalid_input(where + ": the host is not a host name, an IP address or \"*\"" +
                                 (why.empty() ? std::string() : " (" + why + ")"));
        if (e.addresses.empty()) return invalid_input(where + " must give at least one address");
        for (const auto& a : e.addresses)
            if (!override_address(a))
                return invalid_input(where + ": " + quote_value(a) + " is not an IPv4 or IPv6 address");
    }
    return {};
}

inline input_check validate(const request& r)
{
    for (auto check : {check_target, check_params, check_resolve, check_proxy, check_headers_and_cookies, check_body,
                       check_authentication, check_tls_files, check_policies})
        if (auto c = check(r); !c.ok()) return c;
    return {};
}

} // namespace corest::detail

#endif
