#include <boost/test/unit_test.hpp>

#include <corest/body.hpp>
#include <corest/body/multipart.hpp>
#include <corest/body/urlencoded.hpp>
#include <corest/detail/mime.hpp>

#include <boost/json/parse.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <system_error>
#include <vector>

namespace {

namespace fs = std::filesystem;

// A file in a fresh temporary directory, removed with the directory at the end.
struct temp_file {
    fs::path dir;
    fs::path path;
    temp_file(const std::string& name, const std::string& content)
    {
        dir = fs::temp_directory_path() / ("corest_test_body_" + std::to_string(std::random_device{}()));
        fs::create_directories(dir);
        path = dir / name;
        write(content);
    }
    void write(const std::string& content) const
    {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out << content;
    }
    ~temp_file()
    {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
};

// Streams the whole body through a body_reader in chunks of `chunk` bytes.
std::string read_all(const corest::encoded_body& body, std::size_t chunk, std::error_code& ec)
{
    corest::body_reader reader(body);
    std::vector<char> buf(chunk);
    std::string out;
    for (;;) {
        auto n = reader.read_some(buf.data(), buf.size(), ec);
        if (ec) return out;
        if (n == 0) break;
        out.append(buf.data(), n);
    }
    BOOST_TEST(reader.done());
    return out;
}

std::string read_all(const corest::encoded_body& body, std::size_t chunk = 4096)
{
    std::error_code ec;
    auto out = read_all(body, chunk, ec);
    BOOST_TEST(!ec);
    return out;
}

corest::multipart_part value_part(std::string name, std::string value)
{
    corest::multipart_part p;
    p.name = std::move(name);
    p.value = std::move(value);
    return p;
}

corest::multipart_part file_part(std::string name, std::string file)
{
    corest::multipart_part p;
    p.name = std::move(name);
    p.file = std::move(file);
    return p;
}

corest::encoded_body encode_ok(const corest::multipart_body& m)
{
    corest::input_check problem;
    auto body = corest::encode_multipart(m, problem);
    BOOST_TEST_REQUIRE(problem.ok(), "unexpected problem: " << problem.message);
    return body;
}

corest::input_check encode_fails(const corest::multipart_body& m)
{
    corest::input_check problem;
    auto body = corest::encode_multipart(m, problem);
    BOOST_TEST(problem.code == corest::error::invalid_input);
    BOOST_TEST(body.segments.empty());
    return problem;
}

bool starts_with(const std::string& s, std::string_view prefix)
{
    return s.compare(0, prefix.size(), prefix) == 0;
}

} // namespace

BOOST_AUTO_TEST_SUITE(body)

BOOST_AUTO_TEST_CASE(no_json_text_bodies)
{
    corest::input_check problem;
    auto none = corest::encode_body(corest::request_body{}, problem);
    BOOST_TEST(problem.ok());
    BOOST_TEST(none.empty());
    BOOST_TEST(none.content_type == "");
    BOOST_TEST(none.segments.empty());
    BOOST_TEST(none.single_buffer().value() == "");
    BOOST_TEST(read_all(none) == "");

    auto json = corest::encode_body(corest::json_body{boost::json::parse(R"({"a":[1,"x"]})")}, problem);
    BOOST_TEST(json.content_type == "application/json");
    BOOST_TEST(json.single_buffer().value() == R"({"a":[1,"x"]})");
    BOOST_TEST(json.content_length == 13u);

    auto null_json = corest::encode_body(corest::json_body{nullptr}, problem);
    BOOST_TEST(null_json.single_buffer().value() == "null");
    BOOST_TEST(null_json.content_length == 4u);

    auto text = corest::encode_body(corest::text_body{"h\xC3\xA9llo"}, problem);
    BOOST_TEST(text.content_type == "text/plain; charset=utf-8");
    BOOST_TEST(text.content_length == 6u);
    BOOST_TEST(read_all(text, 2) == "h\xC3\xA9llo");

    auto empty_text = corest::encode_body(corest::text_body{""}, problem);
    BOOST_TEST(empty_text.empty());
    BOOST_TEST(empty_text.content_type == "text/plain; charset=utf-8");
    BOOST_TEST(problem.ok());
}

BOOST_AUTO_TEST_CASE(urlencoded)
{
    corest::input_check problem;
    auto fields = boost::json::parse(R"({"name":"a b+c","n":2,"t":true,"arr":[1,"z"],"skip":null,"d":2.5,"u":"\u00e9&="})")
                      .as_object();
    BOOST_TEST(corest::encode_urlencoded(fields, problem) == "name=a%20b%2Bc&n=2&t=true&arr=1&arr=z&d=2.5&u=%C3%A9%26%3D");
    BOOST_TEST(problem.ok());

    auto body = corest::encode_body(corest::urlencoded_body{fields}, problem);
    BOOST_TEST(body.content_type == "application/x-www-form-urlencoded");
    BOOST_TEST(body.content_length == 58u);

    auto nested = boost::json::parse(R"({"ok":"1","obj":{"a":1}})").as_object();
    BOOST_TEST(corest::encode_urlencoded(nested, problem) == "");
    BOOST_TEST(problem.code == corest::error::invalid_input);
    BOOST_TEST(starts_with(problem.message, "urlencoded.obj: "));

    corest::input_check again;
    auto failed = corest::encode_body(corest::urlencoded_body{nested}, again);
    BOOST_TEST(again.code == corest::error::invalid_input);
    BOOST_TEST(failed.segments.empty());
    BOOST_TEST(failed.content_type == "");
}

BOOST_AUTO_TEST_CASE(multipart_value_part_exact_bytes)
{
    corest::multipart_body m;
    m.boundary = "XyZ";
    m.parts.push_back(value_part("field", "hello"));
    auto body = encode_ok(m);
    const std::string expected =
        "--XyZ\r\n"
        "Content-Disposition: form-data; name=\"field\"\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Length: 5\r\n"
        "\r\n"
        "hello\r\n"
        "--XyZ--\r\n";
    BOOST_TEST(body.content_type == "multipart/form-data; boundary=XyZ");
    BOOST_TEST(body.single_buffer().value() == expected);
    BOOST_TEST(body.content_length == expected.size());
    BOOST_TEST(read_all(body, 7) == expected);
}

BOOST_AUTO_TEST_CASE(multipart_file_part_streams_from_disk)
{
    temp_file csv("data.csv", "col1,col2\n1,2\n");
    corest::multipart_body m;
    m.boundary = "b0undary";
    m.parts.push_back(value_part("note", "x"));
    m.parts.push_back(file_part("upload", csv.path.string()));
    auto body = encode_ok(m);
    const std::string expected =
        "--b0undary\r\n"
        "Content-Disposition: form-data; name=\"note\"\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Length: 1\r\n"
        "\r\n"
        "x\r\n"
        "--b0undary\r\n"
        "Content-Disposition: form-data; name=\"upload\"; filename=\"data.csv\"\r\n"
        "Content-Type: text/csv\r\n"
        "Content-Length: 14\r\n"
        "\r\n"
        "col1,col2\n1,2\n\r\n"
        "--b0undary--\r\n";
    BOOST_TEST_REQUIRE(body.segments.size() == 3u);
    const auto* file = std::get_if<corest::file_segment>(&body.segments[1]);
    BOOST_TEST_REQUIRE(file != nullptr);
    BOOST_TEST(file->path == csv.path.string());
    BOOST_TEST(file->size == 14u);
    BOOST_TEST(!body.single_buffer().has_value());
    BOOST_TEST(body.content_length == expected.size());
    for (std::size_t chunk : {1u, 3u, 14u, 64u, 4096u})
        BOOST_TEST(read_all(body, chunk) == expected);
}

BOOST_AUTO_TEST_CASE(multipart_filename_and_type_by_extension)
{
    temp_file f("raw.bin", "{}");
    corest::multipart_body m;
    m.boundary = "B";
    auto p = file_part("doc", f.path.string());
    p.filename = "report \"q\"\\x.JSON";
    m.parts.push_back(p);
    m.parts.push_back(value_part("a\"b\\c\r\nX: y", "v"));
    auto bytes = read_all(encode_ok(m));
    BOOST_TEST(bytes.find("Content-Disposition: form-data; name=\"doc\"; filename=\"report %22q%22%5Cx.JSON\"\r\n"
                          "Content-Type: application/json\r\n") != std::string::npos);
    BOOST_TEST(bytes.find("name=\"a%22b%5Cc%0D%0AX: y\"\r\n") != std::string::npos);

    m.parts[0].filename.reset();
    BOOST_TEST(read_all(encode_ok(m)).find("filename=\"raw.bin\"\r\nContent-Type: application/octet-stream\r\n") !=
               std::string::npos);
}

BOOST_AUTO_TEST_CASE(multipart_default_boundary_is_random)
{
    corest::multipart_body m;
    m.parts.push_back(value_part("a", "1"));
    auto one = encode_ok(m);
    auto two = encode_ok(m);
    const std::string prefix = "multipart/form-data; boundary=";
    BOOST_TEST_REQUIRE(starts_with(one.content_type, prefix));
    auto boundary = one.content_type.substr(prefix.size());
    BOOST_TEST(boundary.size() == 32u);
    BOOST_TEST(boundary.find_first_not_of("0123456789abcdef") == std::string::npos);
    BOOST_TEST(starts_with(read_all(one), "--" + boundary + "\r\n"));
    BOOST_TEST(one.content_type != two.content_type);
}

BOOST_AUTO_TEST_CASE(multipart_custom_content_type_and_boundary)
{
    corest::multipart_body m;
    m.parts.push_back(value_part("a", "1"));
    m.content_type = "multipart/mixed";
    m.boundary = "XyZ";
    BOOST_TEST(encode_ok(m).content_type == "multipart/mixed; boundary=XyZ");

    m.boundary = "a:b c";
    auto quoted = encode_ok(m);
    BOOST_TEST(quoted.content_type == "multipart/mixed; boundary=\"a:b c\"");
    BOOST_TEST(starts_with(read_all(quoted), "--a:b c\r\n"));

    m.boundary.reset();
    m.content_type = "multipart/related; type=\"text/xml\"; Boundary=\"abc\"";
    auto own = encode_ok(m);
    BOOST_TEST(own.content_type == "multipart/related; type=\"text/xml\"; Boundary=\"abc\"");
    BOOST_TEST(starts_with(read_all(own), "--abc\r\n"));

    m.boundary = "abc";
    BOOST_TEST(encode_ok(m).content_type == "multipart/related; type=\"text/xml\"; Boundary=\"abc\"");
    m.boundary = "xyz";
    BOOST_TEST(starts_with(encode_fails(m).message, "multipart.boundary: "));
}

BOOST_AUTO_TEST_CASE(multipart_bad_boundaries)
{
    corest::multipart_body m;
    m.parts.push_back(value_part("a", "1"));
    for (std::string bad : {std::string(), std::string(71, 'a'), std::string("ends in space "), std::string("semi;colon"),
                            std::string("line\r\nbreak")}) {
        m.boundary = bad;
        BOOST_TEST(starts_with(encode_fails(m).message, "multipart.boundary: "));
    }
    m.boundary = std::string(70, 'a');
    BOOST_TEST(encode_ok(m).content_length > 0u);
    m.boundary.reset();
    m.content_type = "multipart/form-data\r\nX-Evil: 1";
    BOOST_TEST(starts_with(encode_fails(m).message, "multipart.content-type: "));
}

BOOST_AUTO_TEST_CASE(multipart_overrides_and_omissions)
{
    corest::multipart_body m;
    m.boundary = "B";
    auto p = value_part("x", "<a/>");
    p.content_type = {corest::part_header::mode::custom, "application/xml"};
    p.omit_content_length = true;
    m.parts.push_back(p);
    auto q = value_part("y", "2");
    q.content_disposition = {corest::part_header::mode::omit, ""};
    q.content_type = {corest::part_header::mode::omit, ""};
    m.parts.push_back(q);
    auto r = value_part("z", "3");
    r.content_disposition = {corest::part_header::mode::custom, "attachment; filename=\"z.txt\""};
    m.parts.push_back(r);
    const std::string expected =
        "--B\r\n"
        "Content-Disposition: form-data; name=\"x\"\r\n"
        "Content-Type: application/xml\r\n"
        "\r\n"
        "<a/>\r\n"
        "--B\r\n"
        "Content-Length: 1\r\n"
        "\r\n"
        "2\r\n"
        "--B\r\n"
        "Content-Disposition: attachment; filename=\"z.txt\"\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Length: 1\r\n"
        "\r\n"
        "3\r\n"
        "--B--\r\n";
    auto body = encode_ok(m);
    BOOST_TEST(read_all(body) == expected);
    BOOST_TEST(body.content_length == expected.size());

    m.parts[2].content_disposition.value = "form-data\r\nX-Evil: 1";
    BOOST_TEST(encode_fails(m).message == "multipart.parts[2].content-disposition: contains CR, LF or NUL");
    m.parts[2].content_disposition = {};
    m.parts[2].content_type = {corest::part_header::mode::custom, "text/plain\n"};
    BOOST_TEST(encode_fails(m).message == "multipart.parts[2].content-type: contains CR, LF or NUL");
}

BOOST_AUTO_TEST_CASE(multipart_part_and_file_errors)
{
    corest::multipart_body m;
    auto both = value_part("a", "1");
    both.file = "/etc/hostname";
    m.parts.push_back(both);
    BOOST_TEST(starts_with(encode_fails(m).message, "multipart.parts[0]: "));
    m.parts[0] = corest::multipart_part{};
    m.parts[0].name = "neither";
    BOOST_TEST(starts_with(encode_fails(m).message, "multipart.parts[0]: "));

    const std::string missing = "/nonexistent/corest/missing.txt";
    m.parts[0] = file_part("f", missing);
    auto p = encode_fails(m);
    BOOST_TEST(starts_with(p.message, "multipart.parts[0].file: "));
    BOOST_TEST(p.message.find(missing) != std::string::npos);

    temp_file f("x.txt", "x");
    m.parts[0] = file_part("f", f.dir.string());
    BOOST_TEST(encode_fails(m).message.find("directory") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(empty_file_and_no_parts)
{
    temp_file f("empty.txt", "");
    corest::multipart_body m;
    m.boundary = "B";
    m.parts.push_back(file_part("f", f.path.string()));
    auto body = encode_ok(m);
    const std::string expected =
        "--B\r\n"
        "Content-Disposition: form-data; name=\"f\"; filename=\"empty.txt\"\r\n"
        "Content-Type: text/plain\r\n"
        "Content-Length: 0\r\n"
        "\r\n"
        "\r\n"
        "--B--\r\n";
    BOOST_TEST(body.single_buffer().value() == expected);
    BOOST_TEST(body.content_length == expected.size());

    m.parts.clear();
    BOOST_TEST(encode_ok(m).single_buffer().value() == "--B--\r\n");
}

BOOST_AUTO_TEST_CASE(replay_gives_identical_bytes)
{
    std::string big(100000, '\0');
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7 + 3);
    temp_file f("blob.png", big);
    corest::multipart_body m;
    m.parts.push_back(value_part("meta", "{}"));
    m.parts.push_back(file_part("img", f.path.string()));
    m.parts.push_back(file_part("img2", f.path.string()));
    corest::input_check problem;
    auto body = corest::encode_body(m, problem);
    BOOST_TEST_REQUIRE(problem.ok());
    auto first = read_all(body, 1000);
    auto second = read_all(body, 8192);
    BOOST_TEST(first.size() == body.content_length);
    BOOST_TEST((first == second));
    BOOST_TEST(first.find(big) != std::string::npos);
}

BOOST_AUTO_TEST_CASE(file_vanished_or_shrank_is_io_error)
{
    temp_file f("data.txt", "0123456789");
    corest::multipart_body m;
    m.boundary = "B";
    m.parts.push_back(file_part("f", f.path.string()));
    auto body = encode_ok(m);

    fs::remove(f.path);
    corest::body_reader reader(body);
    std::vector<char> buf(4096);
    std::error_code ec;
    BOOST_TEST(reader.read_some(buf.data(), buf.size(), ec) == 0u);
    BOOST_TEST((ec == corest::make_error_code(corest::error::io_error)));
    BOOST_TEST(reader.failed_path() == f.path.string());
    BOOST_TEST(!reader.done());
    ec.clear();
    BOOST_TEST(reader.read_some(buf.data(), buf.size(), ec) == 0u);
    BOOST_TEST((ec == corest::error::io_error));

    f.write("01234");
    std::error_code shrank;
    read_all(body, 3, shrank);
    BOOST_TEST((shrank == corest::error::io_error));

    f.write("0123456789");
    BOOST_TEST(read_all(body).find("\r\n\r\n0123456789\r\n--B--\r\n") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(mime_types)
{
    using corest::detail::mime_type_for;
    BOOST_TEST(mime_type_for("a.PNG") == "image/png");
    BOOST_TEST(mime_type_for("/x/y.d/file") == "application/octet-stream");
    BOOST_TEST(mime_type_for("x.tar.gz") == "application/gzip");
    BOOST_TEST(mime_type_for("noext") == "application/octet-stream");
    BOOST_TEST(mime_type_for("trailing.") == "application/octet-stream");
    BOOST_TEST(mime_type_for("conf.yml") == "application/yaml");
    BOOST_TEST(mime_type_for("page.htm") == "text/html");
    BOOST_TEST(mime_type_for("font.woff2") == "font/woff2");
    BOOST_TEST(mime_type_for("c:\\dir\\pic.jpeg") == "image/jpeg");
}

BOOST_AUTO_TEST_SUITE_END()
