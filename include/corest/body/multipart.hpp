#ifndef COREST_BODY_MULTIPART_HPP
#define COREST_BODY_MULTIPART_HPP

// multipart/form-data bodies (the `multipart` input). File parts become
// file_segment slices streamed by body_reader, never read into memory; the
// total Content-Length is exact and known before anything is sent.

#include <corest/body/encoded.hpp>
#include <corest/detail/mime.hpp>
#include <corest/error.hpp>
#include <corest/request.hpp>
#include <corest/url.hpp>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>

namespace corest {

namespace detail {

/// 32 random hex characters (128 bits from std::random_device).
inline std::string random_boundary()
{
    constexpr char hex[] = "0123456789abcdef";
    std::random_device rd;
    std::string out;
    for (int word = 0; word < 4; ++word) {
        auto bits = static_cast<std::uint32_t>(rd());
        for (int k = 0; k < 8; ++k, bits >>= 4) out += hex[bits & 0xF];
    }
    return out;
}

/// RFC 2046 bchars: DIGIT ALPHA ' ( ) + _ , - . / : = ? and space.
constexpr bool is_bchar(char c) noexcept
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
        std::string_view("'()+_,-./:=? ").find(c) != std::string_view::npos;
}

constexpr bool valid_boundary(std::string_view b) noexcept
{
    if (b.empty() || b.size() > 70 || b.back() == ' ') return false;
    for (char c : b)
        if (!is_bchar(c)) return false;
    return true;
}

/// The boundary as a Content-Type parameter value: quoted when it holds a tspecial.
inline std::string boundary_param_value(std::string_view b)
{
    if (b.find_first_of("'()+,/:=? ") == std::string_view::npos) return std::string(b);
    return "\"" + std::string(b) + "\"";
}

constexpr bool has_ctl_break(std::string_view s) noexcept
{
    return s.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

/// The `boundary` parameter of a Content-Type value, if it has one.
inline std::optional<std::string> boundary_of(std::string_view content_type)
{
    std::size_t pos = content_type.find(';');
    while (pos != std::string_view::npos) {
        auto rest = content_type.substr(pos + 1);
        auto start = rest.find_first_not_of(" \t");
        if (start == std::string_view::npos) break;
        rest.remove_prefix(start);
        constexpr std::string_view key = "boundary=";
        if (rest.size() >= key.size() && iequals(rest.substr(0, key.size()), key)) {
            rest.remove_prefix(key.size());
            if (!rest.empty() && rest.front() == '"') {
                auto close = rest.find('"', 1);
                return std::string(rest.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1));
            }
            auto end = rest.find_first_of("; \t");
            return std::string(rest.substr(0, end));
        }
        pos = content_type.find(';', pos + 1);
    }
    return std::nullopt;
}

/// A name or filename inside Content-Disposition's quotes, escaped the way
/// browsers do (WHATWG multipart/form-data): '"' -> %22, CR -> %0D, LF -> %0A;
/// corest also turns '\\' into %5C and NUL into %00 so no receiver can read
/// the backslash as a quoted-pair escape.
inline std::string quote_form_name(std::string_view s)
{
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        switch (c) {
        case '"': out += "%22"; break;
        case '\\': out += "%5C"; break;
        case '\r': out += "%0D"; break;
        case '\n': out += "%0A"; break;
        case '\0': out += "%00"; break;
        default: out += c;
        }
    }
    return out;
}

} // namespace detail

/// Encodes a multipart body. Content-Type: `multipart/form-data; boundary=B` by
/// default; a custom content type gets `; boundary=B` appended unless it already
/// carries a boundary parameter (that boundary is then used). Each part:
///   --B CRLF
///   Content-Disposition: form-data; name="N"[; filename="F"] CRLF   (or the override)
///   Content-Type: text/plain; charset=utf-8 | by extension CRLF      (or the override)
///   Content-Length: n CRLF                                           (unless omitted)
///   CRLF content CRLF
/// and a final `--B--` CRLF. A file part's filename defaults to the file's last
/// path segment; its type comes from `filename` if given, else `file`.
/// Errors (INVALID_INPUT, result empty): a part with neither or both of value/file,
/// a missing/unreadable file (named by path), a bad boundary, CR/LF/NUL in an override.
inline encoded_body encode_multipart(const corest::multipart_body& m, corest::input_check& problem)
{
    auto fail = [&problem](std::string message) {
        problem.code = corest::error::invalid_input;
        problem.message = std::move(message);
        return encoded_body{};
    };

    std::optional<std::string> ct_boundary;
    if (m.content_type) {
        if (detail::has_ctl_break(*m.content_type))
            return fail("multipart.content-type: contains CR, LF or NUL");
        ct_boundary = detail::boundary_of(*m.content_type);
    }
    std::string boundary;
    if (m.boundary) {
        boundary = *m.boundary;
        if (!detail::valid_boundary(boundary))
            return fail("multipart.boundary: must be 1-70 characters from letters, digits and '()+_,-./:=? "
                        "(RFC 2046), not ending in a space");
        if (ct_boundary && *ct_boundary != boundary)
            return fail("multipart.boundary: differs from the boundary in multipart.content-type");
    } else if (ct_boundary) {
        boundary = *ct_boundary;
        if (!detail::valid_boundary(boundary))
            return fail("multipart.content-type: its boundary must be 1-70 characters from letters, digits and "
                        "'()+_,-./:=? (RFC 2046), not ending in a space");
    } else {
        boundary = detail::random_boundary();
    }

    encoded_body out;
    if (!m.content_type) out.content_type = "multipart/form-data; boundary=" + detail::boundary_param_value(boundary);
    else if (ct_boundary) out.content_type = *m.content_type;
    else out.content_type = *m.content_type + "; boundary=" + detail::boundary_param_value(boundary);

    std::string pending;  // in-memory bytes not yet made a segment
    auto flush = [&] {
        if (pending.empty()) return;
        out.content_length += pending.size();
        out.segments.emplace_back(std::move(pending));
        pending.clear();
    };

    for (std::size_t i = 0; i < m.parts.size(); ++i) {
        const auto& part = m.parts[i];
        const std::string where = "multipart.parts[" + std::to_string(i) + "]";
        if (part.value.has_value() == part.file.has_value())
            return fail(where + ": give exactly one of \"value\" and \"file\"");
        if (part.content_type.how == part_header::mode::custom && detail::has_ctl_break(part.content_type.value))
            return fail(where + ".content-type: contains CR, LF or NUL");
        if (part.content_disposition.how == part_header::mode::custom &&
            detail::has_ctl_break(part.content_disposition.value))
            return fail(where + ".content-disposition: contains CR, LF or NUL");

        std::uint64_t size = 0;
        std::optional<std::string> filename = part.filename;
        if (part.file) {
            const std::string& path = *part.file;
            auto cannot = [&](const std::string& why) {
                return fail(where + ".file: \"" + path + "\" cannot be read: " + why);
            };
            std::error_code ec;
            auto status = std::filesystem::status(path, ec);
            if (ec || !std::filesystem::exists(status))
                return cannot(ec ? ec.message() : "no such file");
            if (std::filesystem::is_directory(status)) return cannot("it is a directory");
            size = std::filesystem::file_size(path, ec);
            if (ec) return cannot(ec.message());
            std::FILE* probe = std::fopen(path.c_str(), "rb");
            if (!probe) return cannot(std::generic_category().message(errno));
            std::fclose(probe);
            if (!filename) filename = std::filesystem::path(path).filename().string();
        } else {
            size = part.value->size();
        }

        pending += "--" + boundary + "\r\n";
        if (part.content_disposition.how != part_header::mode::omit) {
            pending += "Content-Disposition: ";
            if (part.content_disposition.how == part_header::mode::custom) {
                pending += part.content_disposition.value;
            } else {
                pending += "form-data; name=\"" + detail::quote_form_name(part.name) + "\"";
                if (filename) pending += "; filename=\"" + detail::quote_form_name(*filename) + "\"";
            }
            pending += "\r\n";
        }
        if (part.content_type.how != part_header::mode::omit) {
            pending += "Content-Type: ";
            if (part.content_type.how == part_header::mode::custom) pending += part.content_type.value;
            else if (part.file) pending += detail::mime_type_for(filename ? *filename : *part.file);
            else pending += "text/plain; charset=utf-8";
            pending += "\r\n";
        }
        if (!part.omit_content_length) pending += "Content-Length: " + std::to_string(size) + "\r\n";
        pending += "\r\n";
        if (part.value) {
            pending += *part.value;
        } else if (size > 0) {
            flush();
            out.content_length += size;
            out.segments.emplace_back(file_segment{*part.file, size});
        }
        pending += "\r\n";
    }
    pending += "--" + boundary + "--\r\n";
    flush();
    return out;
}

} // namespace corest

#endif
