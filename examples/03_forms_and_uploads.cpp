// Tutorial 3: an HTML form (urlencoded) and a multipart upload of a file.
//
//   ./example_03_forms_and_uploads [BASE_URL]        (default https://httpbin.org)
//
// urlencoded_body sends fields as application/x-www-form-urlencoded. multipart_body
// sends parts as multipart/form-data: a part has a `value`, or a `file` that corest
// streams from disk while sending (a large file is never held in memory). A file that
// cannot be read is an INVALID_INPUT result naming it, before anything is sent.

#include <corest/client.hpp>
#include <corest/json.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>

#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

namespace net = boost::asio;

net::awaitable<int> upload(std::string base, std::string file)
{
    corest::client client{co_await net::this_coro::executor};

    corest::request form;
    form.url = base + "/post";
    form.method = corest::method::post;
    form.body = corest::urlencoded_body{{{"city", "Zürich"}, {"count", 3}}};
    corest::result r = co_await client.execute(form);
    if (!r.ok()) {
        std::cerr << "form: " << r.error_name() << ": " << r.message << '\n';
        co_return 1;
    }
    std::cout << "form fields: " << corest::json_text(r.json_body.at("form")) << '\n';

    corest::multipart_part comment;   // a value part
    comment.name = "comment";
    comment.value = "monthly report";
    corest::multipart_part report;    // a file part: Content-Type by its extension
    report.name = "report";
    report.file = file;
    report.filename = "report.txt";
    corest::multipart_body parts;
    parts.parts = {comment, report};
    corest::request up;
    up.url = base + "/post";
    up.method = corest::method::post;
    up.body = std::move(parts);
    r = co_await client.execute(up);
    if (!r.ok()) {
        std::cerr << "upload: " << r.error_name() << ": " << r.message << '\n';
        co_return 1;
    }
    std::cout << "value parts: " << corest::json_text(r.json_body.at("form")) << '\n';
    std::cout << "file parts: " << corest::json_text(r.json_body.at("files")) << '\n';
    co_return 0;
}

int main(int argc, char** argv)
{
    // A file to upload, written next to the other temporary files.
    const auto file = std::filesystem::temp_directory_path() / "corest-tutorial-03.txt";
    std::ofstream(file) << "revenue: 42\n";

    net::io_context ioc;
    int status = 1;
    net::co_spawn(ioc, upload(argc > 1 ? argv[1] : "https://httpbin.org", file.string()),
                  [&](std::exception_ptr e, int s) {
                      if (e) std::rethrow_exception(e);
                      status = s;
                  });
    ioc.run();
    std::filesystem::remove(file);
    return status;
}
