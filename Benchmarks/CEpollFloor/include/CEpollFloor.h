#ifndef C_EPOLL_FLOOR_H
#define C_EPOLL_FLOOR_H

// The Linux calls of the epoll floor (turnout-echo-floor epoll) that Swift's Glibc module leaves
// out: epoll, signalfd and accept4.
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>

/// accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC): a GNU extension, declared only under
/// _GNU_SOURCE, which the Glibc module is not built with.
int c_epoll_floor_accept(int fd);

#endif
