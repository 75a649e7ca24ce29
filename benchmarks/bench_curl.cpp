// libcurl under load, the way a C service would use it: one multi handle, N easy
// handles each re-added when its transfer ends (so it keeps its connection in the
// multi's keep-alive cache), driven by a curl_multi_poll loop on one thread.
// Prints one result line (see bench_common.hpp).

#include "bench_common.hpp"

#include <curl/curl.h>

#include <cstdio>
#include <string>
#include <vector>

namespace {

struct transfer {
    CURL* easy = nullptr;
    std::string body;           // kept in memory like the other clients; capacity reused
    bench::clock::time_point started;
    bool warm = false;
};

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user)
{
    static_cast<transfer*>(user)->body.append(data, size * n);
    return size * n;
}

} // namespace

int main(int argc, char** argv)
{
    const auto opt = bench::parse_args(argc, argv);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURLM* multi = curl_multi_init();
    // Keep every handle's connection alive between its requests.
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, static_cast<long>(opt.concurrency));
    // HTTP/2: every transfer a stream of one connection per origin (up to the server's
    // stream limit), as a multiplexing client would run it.
    if (opt.http2) curl_multi_setopt(multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);

    bench::run_state run(opt);
    run.base_rss_kib = bench::status_kib("VmRSS");
    std::vector<transfer> transfers(opt.concurrency);
    auto start = [&](transfer& t) {
        t.body.clear();
        t.started = bench::clock::now();
        curl_multi_add_handle(multi, t.easy);
    };
    for (auto& t : transfers) {
        t.easy = curl_easy_init();
        curl_easy_setopt(t.easy, CURLOPT_URL, opt.url.c_str());
        curl_easy_setopt(t.easy, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(t.easy, CURLOPT_WRITEDATA, &t);
        curl_easy_setopt(t.easy, CURLOPT_PRIVATE, &t);
        curl_easy_setopt(t.easy, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(t.easy, CURLOPT_TCP_NODELAY, 1L);
        // HTTP/1.1 like the other clients (curl would offer h2 over TLS), or HTTP/2 only.
        curl_easy_setopt(t.easy, CURLOPT_HTTP_VERSION,
                         static_cast<long>(opt.http2 ? CURL_HTTP_VERSION_2TLS : CURL_HTTP_VERSION_1_1));
        // Wait for the connection being opened to multiplex on it, rather than open one each.
        if (opt.http2) curl_easy_setopt(t.easy, CURLOPT_PIPEWAIT, 1L);
        curl_easy_setopt(t.easy, CURLOPT_USERAGENT, "bench-curl");
        if (opt.cacert) curl_easy_setopt(t.easy, CURLOPT_CAINFO, opt.cacert->c_str());
        if (opt.proxy) curl_easy_setopt(t.easy, CURLOPT_PROXY, opt.proxy->c_str());
    }
    run.begin();
    std::size_t active = 0;
    for (auto& t : transfers) {
        if (!opt.warmup() && !run.take()) break;
        start(t);
        ++active;
    }

    while (active > 0) {
        int running = 0;
        curl_multi_perform(multi, &running);
        int queued = 0;
        while (CURLMsg* m = curl_multi_info_read(multi, &queued)) {
            if (m->msg != CURLMSG_DONE) continue;
            transfer* t = nullptr;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &t);
            long status = 0;
            curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &status);
            const bool ok = m->data.result == CURLE_OK && status == 200;
            curl_multi_remove_handle(multi, t->easy);   // invalidates m
            if (opt.warmup() && !t->warm) {
                // Warm-up done for this handle; measurement starts when all are.
                t->warm = true;
                if (!ok) ++run.errors;
                if (++run.warmed < opt.concurrency) continue;
                run.begin();
                for (auto& w : transfers) start(w);
                continue;
            }
            run.record(t->started, ok, t->body.size());
            if (run.take()) start(*t);
            else --active;
        }
        if (active > 0) curl_multi_poll(multi, nullptr, 0, 1000, nullptr);
    }
    run.print("curl");

    for (auto& t : transfers) curl_easy_cleanup(t.easy);
    curl_multi_cleanup(multi);
    curl_global_cleanup();
    return 0;
}
