#ifndef COREST_DETAIL_MIME_HPP
#define COREST_DETAIL_MIME_HPP

// Content-Type of a multipart file part, by the file name's extension.

#include <array>
#include <string>
#include <string_view>
#include <utility>

namespace corest::detail {

/// The media type for a file name's extension (case-insensitive, taken after the
/// last '.' of the last path segment); application/octet-stream when unknown.
inline std::string_view mime_type_for(std::string_view filename) noexcept
{
    constexpr std::string_view fallback = "application/octet-stream";
    auto slash = filename.find_last_of("/\\");
    if (slash != std::string_view::npos) filename.remove_prefix(slash + 1);
    auto dot = filename.rfind('.');
    if (dot == std::string_view::npos || dot + 1 == filename.size()) return fallback;
    std::string_view ext_raw = filename.substr(dot + 1);
    if (ext_raw.size() > 8) return fallback;
    std::string ext(ext_raw);
    for (char& c : ext)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');

    static constexpr std::array<std::pair<std::string_view, std::string_view>, 31> table{{
        {"txt", "text/plain"},
        {"html", "text/html"},
        {"htm", "text/html"},
        {"css", "text/css"},
        {"js", "text/javascript"},
        {"json", "application/json"},
        {"xml", "application/xml"},
        {"csv", "text/csv"},
        {"pdf", "application/pdf"},
        {"png", "image/png"},
        {"jpg", "image/jpeg"},
        {"jpeg", "image/jpeg"},
        {"gif", "image/gif"},
        {"svg", "image/svg+xml"},
        {"webp", "image/webp"},
        {"ico", "image/x-icon"},
        {"zip", "application/zip"},
        {"gz", "application/gzip"},
        {"tar", "application/x-tar"},
        {"mp3", "audio/mpeg"},
        {"mp4", "video/mp4"},
        {"wav", "audio/wav"},
        {"ogg", "audio/ogg"},
        {"webm", "video/webm"},
        {"woff", "font/woff"},
        {"woff2", "font/woff2"},
        {"md", "text/markdown"},
        {"yaml", "application/yaml"},
        {"yml", "application/yaml"},
        {"bin", "application/octet-stream"},
        {"tgz", "application/gzip"},
    }};
    for (const auto& [e, type] : table)
        if (e == ext) return type;
    return fallback;
}

} // namespace corest::detail

#endif
