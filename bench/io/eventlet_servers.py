# The eventlet peers of the io suite: eventlet's echo server and an eventlet.wsgi hello world.
# Run with Debian's /usr/bin/python3 (python3-eventlet 0.33): `python3 bench/io/eventlet_servers.py <echo|http> <port>`;
# prints "ready" once it listens, serves until killed.
import sys

import eventlet
import eventlet.wsgi


def echo_client(fd):
    # eventlet's examples/echoserver.py, line for line: a file over the socket, readline, write, flush.
    while True:
        line = fd.readline()
        if not line:
            break
        fd.write(line)
        fd.flush()


def echo(port):
    server = eventlet.listen(("127.0.0.1", port), backlog=4096)  # the default (50) would drop 500 clients' SYNs
    pool = eventlet.GreenPool(10000)
    print("ready", flush=True)
    while True:
        sock, _ = server.accept()
        pool.spawn_n(echo_client, sock.makefile("rw"))


BODY = b"hello"


def hello(environ, start_response):
    # The same response as the Node servers: text/plain, Content-Length 5, keep-alive.
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(BODY)))])
    return [BODY]


def http(port):
    sock = eventlet.listen(("127.0.0.1", port), backlog=4096)
    print("ready", flush=True)
    # log_output=False: the default logs a line per request to stderr, which the Node servers do not do.
    eventlet.wsgi.server(sock, hello, log_output=False, max_size=2000)


if __name__ == "__main__":
    {"echo": echo, "http": http}[sys.argv[1]](int(sys.argv[2]))
