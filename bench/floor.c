/* The benchmark's floor: the least an HTTP/1.1 keep-alive server on a Unix socket can do, one
 * thread and epoll answering every request with the same fixed response.
 *
 * Usage: forgebot_floor SOCKET_PATH. Serves until killed. Requests are framed by their headers
 * and Content-Length (no chunked bodies); a connection whose request does not fit the buffer is
 * closed. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

enum { k_buffer_size = 64 * 1024, k_max_events = 64 };

static const char k_body[] = "{\"id\":1,\"jsonrpc\":\"2.0\",\"result\":\"pong\"}";

/* One client connection and the bytes it has sent that are not yet answered. */
struct connection {
    int fd;
    size_t used;
    char buffer[k_buffer_size];
};

static char g_response[256];
static size_t g_response_size;

static void fail(const char* what) {
    fprintf(stderr, "forgebot_floor: error: %s: %s\n", what, strerror(errno));
    exit(1);
}

/* The Content-Length of the header block `head` (of `size` bytes), 0 when absent. */
static size_t content_length(const char* head, size_t size) {
    static const char k_name[] = "\r\ncontent-length:";
    const size_t name_size = sizeof k_name - 1;
    for (size_t i = 0; i + name_size <= size; ++i) {
        if (head[i] == '\r' && strncasecmp(head + i, k_name, name_size) == 0) {
            return (size_t)strtoul(head + i + name_size, NULL, 10);
        }
    }
    return 0;
}

static void close_connection(int epoll_fd, struct connection* c) {
    epoll_ctl(epoll_fd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    free(c);
}

/* Reads what the client sent and answers each complete request; 0 when the connection is over. */
static int serve(struct connection* c) {
    const ssize_t n = read(c->fd, c->buffer + c->used, sizeof c->buffer - c->used);
    if (n <= 0) {
        return n < 0 && (errno == EAGAIN || errno == EINTR);
    }
    c->used += (size_t)n;
    for (;;) {
        const char* end = memmem(c->buffer, c->used, "\r\n\r\n", 4);
        if (end == NULL) {
            return c->used < sizeof c->buffer;
        }
        const size_t head = (size_t)(end - c->buffer) + 4;
        const size_t total = head + content_length(c->buffer, head);
        if (total > sizeof c->buffer) {
            return 0;
        }
        if (c->used < total) {
            return 1;
        }
        if (write(c->fd, g_response, g_response_size) != (ssize_t)g_response_size) {
            return 0;
        }
        memmove(c->buffer, c->buffer + total, c->used - total);
        c->used -= total;
    }
}

int main(int argc, char** argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: forgebot_floor SOCKET_PATH\n");
        return 2;
    }
    struct sockaddr_un address;
    memset(&address, 0, sizeof address);
    address.sun_family = AF_UNIX;
    if (strlen(argv[1]) >= sizeof address.sun_path) {
        fprintf(stderr, "forgebot_floor: error: socket path too long\n");
        return 2;
    }
    strcpy(address.sun_path, argv[1]);
    const int written =
        snprintf(g_response, sizeof g_response,
                 "HTTP/1.1 200 OK\r\nServer: floor\r\nContent-Type: application/json\r\n"
                 "Content-Length: %zu\r\n\r\n%s",
                 sizeof k_body - 1, k_body);
    g_response_size = (size_t)written;

    const int listener = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (listener < 0) {
        fail("socket");
    }
    unlink(argv[1]);
    if (bind(listener, (struct sockaddr*)&address, sizeof address) != 0) {
        fail("bind");
    }
    if (listen(listener, SOMAXCONN) != 0) {
        fail("listen");
    }
    const int epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd < 0) {
        fail("epoll_create1");
    }
    struct epoll_event event = {.events = EPOLLIN, .data.ptr = NULL};
    if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, listener, &event) != 0) {
        fail("epoll_ctl");
    }

    struct epoll_event events[k_max_events];
    for (;;) {
        const int ready = epoll_wait(epoll_fd, events, k_max_events, -1);
        if (ready < 0) {
            if (errno == EINTR) {
                continue;
            }
            fail("epoll_wait");
        }
        for (int i = 0; i < ready; ++i) {
            struct connection* c = events[i].data.ptr;
            if (c != NULL) {
                if (!serve(c)) {
                    close_connection(epoll_fd, c);
                }
                continue;
            }
            const int fd = accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (fd < 0) {
                continue;
            }
            c = malloc(sizeof *c);
            if (c == NULL) {
                close(fd);
                continue;
            }
            c->fd = fd;
            c->used = 0;
            struct epoll_event client = {.events = EPOLLIN, .data.ptr = c};
            if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &client) != 0) {
                close(fd);
                free(c);
            }
        }
    }
}
