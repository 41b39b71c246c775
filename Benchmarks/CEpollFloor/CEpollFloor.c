#define _GNU_SOURCE
#include <stddef.h>
#include <sys/socket.h>

#include "CEpollFloor.h"

int c_epoll_floor_accept(int fd) {
    return accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
}
