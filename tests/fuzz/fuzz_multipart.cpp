// fuzz_multipart: the multipart/form-data encoder (include/corest/body/multipart.hpp)
// and body_reader, which streams what it encodes.
//
// Input: a field input (fuzz_common.hpp: the first byte separates fields):
//   flags, content_type, boundary, then 6 fields per part:
//   part_flags, name, value, filename, content_type, content_disposition
// flags: c content_type given, b boundary given (with neither, a fixed boundary is
// used so the target stays deterministic; the random default is not exercised).
// part_flags: v value given; f file part (a small temporary file made once at
// start-up; with x instead a path that does not exist); n filename given;
// t / T custom / omitted Content-Type; d / D custom / omitted Content-Disposition;
// L no Content-Length.
//
// Properties:
//   - an error leaves an empty body and has a message;
//   - content_length is the sum of the segments, and body_reader produces exactly
//     that many bytes, ending done();
//   - the content type holds no CR/LF/NUL and carries the boundary used (boundary_of);
//   - when no part's content holds "--<boundary>", the body parses back: one section
//     per part, header lines without CR/LF, a Content-Length equal to the content,
//     the content itself, default Content-Disposition quotes balanced, the close
//     delimiter last.

#include "fuzz_common.hpp"

#include <corest/body.hpp>
#include <corest/body/multipart.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <unistd.h>

namespace {

using corest_fuzz::check;

using namespace std::string_view_literals;
constexpr std::string_view file_content = "file part bytes\r\n--not-the-boundary\r\n\x00\xff"sv;
std::string file_path;      // the temporary file
std::string missing_path;   // a path beside it that does not exist

void remove_temp_dir()
{
    std::error_code ec;
    if (!file_path.empty()) std::filesystem::remove_all(std::filesystem::path(file_path).parent_path(), ec);
}

std::string expected_content(const corest::multipart_part& p)
{
    if (p.value) return *p.value;
    return std::string(file_content);
}

/// Parses `body` as the sections the encoder wrote; see the properties above.
void check_sections(const corest::multipart_body& m, const std::string& boundary, const std::string& body)
{
    const std::string dash = "--" + boundary;
    std::size_t pos = 0;
    for (std::size_t i = 0; i < m.parts.size(); ++i) {
        const auto& part = m.parts[i];
        check(body.compare(pos, dash.size() + 2, dash + "\r\n") == 0, "a part does not start with --boundary CRLF",
              body.substr(pos, 200));
        pos += dash.size() + 2;
        auto head_end = body.find("\r\n\r\n", pos);
        std::optional<std::string> length_header;
        std::size_t header_lines = 0;
        if (body.compare(pos, 2, "\r\n") == 0) {
            head_end = pos;   // no header at all: the blank line comes at once
            pos += 2;
        } else {
            check(head_end != std::string::npos, "part headers are not terminated", body.substr(pos, 200));
            std::string_view head(body.data() + pos, head_end - pos);
            pos = head_end + 4;
            while (!head.empty()) {
                auto eol = head.find("\r\n");
                std::string_view line = head.substr(0, eol);
                head.remove_prefix(eol == std::string_view::npos ? head.size() : eol + 2);
                ++header_lines;
                check(corest_fuzz::header_safe(line), "a part header line holds CR, LF or NUL", line);
                auto colon = line.find(": ");
                check(colon != std::string_view::npos, "a part header line without ': '", line);
                auto name = line.substr(0, colon);
                auto value = line.substr(colon + 2);
                if (name == "Content-Length") length_header = std::string(value);
                if (name == "Content-Disposition" && part.content_disposition.how == corest::part_header::mode::default_value) {
                    // name="N", and filename="F" when the part has a filename (its own, or a
                    // file's): escaped names hold no quote (a name may hold `; filename="`).
                    std::size_t quotes = 0;
                    for (char c : value) quotes += c == '"';
                    const bool has_filename = part.filename.has_value() || part.file.has_value();
                    check(quotes == (has_filename ? 4u : 2u),
                          "default Content-Disposition: unbalanced quotes", value);
                }
            }
        }
        std::size_t expected_lines = (part.content_disposition.how != corest::part_header::mode::omit) +
                                     (part.content_type.how != corest::part_header::mode::omit) +
                                     !part.omit_content_length;
        check(header_lines == expected_lines, "a part has an unexpected number of header lines", body.substr(0, 400));
        auto next = body.find("\r\n" + dash, pos);
        check(next != std::string::npos, "a part is not followed by a delimiter", body.substr(pos, 200));
        std::string content = body.substr(pos, next - pos);
        check(content == expected_content(part), "a part's content differs from its value or file", content);
        if (!part.omit_content_length)
            check(length_header && *length_header == std::to_string(content.size()),
                  "a part's Content-Length differs from its content", length_header.value_or("(none)"));
        pos = next + 2;
    }
    check(body.compare(pos, std::string::npos, dash + "--\r\n") == 0, "the body does not end with the close delimiter",
          body.substr(pos, 200));
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    char dir_template[] = "/tmp/corest-fuzz-multipart.XXXXXX";
    if (!mkdtemp(dir_template)) {
        std::perror("mkdtemp");
        std::abort();
    }
    file_path = std::string(dir_template) + "/upload.bin";
    missing_path = std::string(dir_template) + "/missing.txt";
    std::FILE* f = std::fopen(file_path.c_str(), "wb");
    if (!f || std::fwrite(file_content.data(), 1, file_content.size(), f) != file_content.size()) std::abort();
    std::fclose(f);
    std::atexit(remove_temp_dir);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    auto f = corest_fuzz::split_fields(data, size);
    if (f.empty()) return 0;
    const std::string_view flags = f[0];
    using corest_fuzz::field;
    using corest_fuzz::flag;

    corest::multipart_body m;
    if (flag(flags, 'c')) m.content_type = std::string(field(f, 1));
    if (flag(flags, 'b')) m.boundary = std::string(field(f, 2));
    if (!m.boundary && !(m.content_type && corest::detail::boundary_of(*m.content_type)))
        m.boundary = "corest-fuzz-boundary";
    bool boundary_in_content = false;
    for (std::size_t i = 3; i < f.size(); i += 6) {
        const std::string_view pf = f[i];
        corest::multipart_part p;
        p.name = std::string(field(f, i + 1));
        if (flag(pf, 'v')) p.value = std::string(field(f, i + 2));
        if (flag(pf, 'f')) p.file = file_path;
        else if (flag(pf, 'x')) p.file = missing_path;
        if (flag(pf, 'n')) p.filename = std::string(field(f, i + 3));
        if (flag(pf, 'T')) p.content_type.how = corest::part_header::mode::omit;
        else if (flag(pf, 't')) p.content_type = {corest::part_header::mode::custom, std::string(field(f, i + 4))};
        if (flag(pf, 'D')) p.content_disposition.how = corest::part_header::mode::omit;
        else if (flag(pf, 'd'))
            p.content_disposition = {corest::part_header::mode::custom, std::string(field(f, i + 5))};
        p.omit_content_length = flag(pf, 'L');
        m.parts.push_back(std::move(p));
    }

    corest::input_check problem;
    corest::encoded_body out = corest::encode_multipart(m, problem);
    if (!problem.ok()) {
        check(!problem.message.empty(), "an error without a message");
        check(out.segments.empty() && out.content_length == 0 && out.content_type.empty(),
              "an error with a body", problem.message);
        return 0;
    }

    check(corest_fuzz::header_safe(out.content_type), "content type holds CR, LF or NUL", out.content_type);
    auto boundary = corest::detail::boundary_of(out.content_type);
    check(boundary.has_value(), "content type carries no boundary", out.content_type);
    check(corest::detail::valid_boundary(*boundary), "content type carries an invalid boundary", out.content_type);
    if (m.boundary) check(*boundary == *m.boundary, "content type carries another boundary", out.content_type);

    std::uint64_t sum = 0;
    for (const auto& s : out.segments) {
        if (const auto* text = std::get_if<std::string>(&s)) sum += text->size();
        else sum += std::get<corest::file_segment>(s).size;
    }
    check(sum == out.content_length, "content_length is not the sum of the segments");

    // Stream it the way the sender does, in small odd-sized reads.
    std::string body;
    corest::body_reader reader(out);
    char chunk[37];
    for (;;) {
        std::error_code ec;
        std::size_t n = reader.read_some(chunk, sizeof chunk, ec);
        check(!ec, "body_reader: an error reading the body", ec.message());
        if (n == 0) break;
        body.append(chunk, n);
        check(body.size() <= out.content_length, "body_reader: more bytes than content_length");
    }
    check(reader.done(), "body_reader: not done at the end");
    check(body.size() == out.content_length, "body_reader: fewer bytes than content_length");

    const std::string dash = "--" + *boundary;
    for (const auto& p : m.parts)
        if (expected_content(p).find(dash) != std::string::npos) boundary_in_content = true;
    if (!boundary_in_content) check_sections(m, *boundary, body);
    return 0;
}
