#!/usr/bin/env python3
"""A server that answers every request after a delay, to hold calls in flight.

Used by run.sh's memory-per-in-flight-call scenario: nginx cannot delay a
response on its own, and 10,000 idle waits cost asyncio almost nothing.

    slow_server.py PORT [DELAY_SECONDS]

Answers 200 "ok" with keep-alive to each request (GET without a body) on
127.0.0.1:PORT, DELAY_SECONDS (default 2) after reading it.
"""

import asyncio
import sys

RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok"


async def serve(reader, writer, delay):
    try:
        while True:
            await reader.readuntil(b"\r\n\r\n")   # the head; benchmark requests have no body
            await asyncio.sleep(delay)
            writer.write(RESPONSE)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
        pass
    finally:
        writer.close()


async def main():
    port = int(sys.argv[1])
    delay = float(sys.argv[2]) if len(sys.argv) > 2 else 2.0
    # A deep accept backlog: 10,000 clients connect at once.
    server = await asyncio.start_server(lambda r, w: serve(r, w, delay), "127.0.0.1", port, backlog=16384)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
