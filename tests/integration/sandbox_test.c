/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sandbox_test.c - a program that sandboxes itself as OpenSSH's
 * pre-authentication child does (sandbox.sh): connect, then a seccomp
 * filter on this thread that kills the process on every system call the
 * device needs (sendto, sendmmsg, recvmmsg, ...), epoll, eventfd2,
 * clone and socket calls, then echo rounds through the connection.
 * Before the filter, as OpenSSH does, the limits go down: RLIMIT_NOFILE
 * to 1 (no new descriptor; and ppoll(2) refuses more entries than that),
 * RLIMIT_NPROC to 0 (no new thread), RLIMIT_FSIZE to 0.
 *
 *	sandbox_test ADDR PORT ROUNDS [fork]
 *
 * Each round waits in poll(2) for the socket, as OpenSSH's packet code
 * does, writes 16 KiB of a pattern and reads 16 KiB back from an echo
 * server; every byte must match.  With "fork" the connection is made,
 * then a child does the sandbox and the rounds while the parent waits
 * (OpenSSH's pre-authentication child: a member of the family whose
 * threads would start only on its first socket call).  Exit 0 all
 * matched, 1 a mismatch or an error, 77 not x86-64 (the filter names
 * x86-64 system calls).  Killed by SIGSYS when a socket call made a
 * denied system call.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#define CHUNK	16384

#if defined(__x86_64__)
#define DENY(nr)	\
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), \
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS)

static int
sandbox(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct seccomp_data, nr)),
		DENY(__NR_sendto), DENY(__NR_sendmsg), DENY(__NR_sendmmsg),
		DENY(__NR_recvfrom), DENY(__NR_recvmsg), DENY(__NR_recvmmsg),
		DENY(__NR_socket), DENY(__NR_connect), DENY(__NR_accept),
		DENY(__NR_accept4), DENY(__NR_bind), DENY(__NR_listen),
		DENY(__NR_setsockopt), DENY(__NR_getsockopt),
		DENY(__NR_epoll_create1), DENY(__NR_epoll_ctl),
		DENY(__NR_epoll_wait), DENY(__NR_epoll_pwait),
		DENY(__NR_eventfd2), DENY(__NR_clone), DENY(__NR_clone3),
		DENY(__NR_fork), DENY(__NR_vfork), DENY(__NR_io_uring_enter),
		/* OpenSSH denies openat with EACCES */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_openat, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EACCES),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {
		.len = (unsigned short)(sizeof(f) / sizeof(f[0])),
		.filter = f,
	};

	struct rlimit zero = { 0, 0 }, one = { 1, 1 };

	if (setrlimit(RLIMIT_FSIZE, &zero) != 0 ||
	    setrlimit(RLIMIT_NOFILE, &one) != 0 ||
	    setrlimit(RLIMIT_NPROC, &zero) != 0 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) {
		fprintf(stderr, "sandbox_test: prctl: %s\n", strerror(errno));
		return (-1);
	}
	return (0);
}
#endif

static int
io_all(int fd, unsigned char *p, size_t n, int wr)
{
	struct pollfd pfd;
	ssize_t r;

	while (n > 0) {
		pfd.fd = fd;
		pfd.events = wr ? POLLOUT : POLLIN;
		if (poll(&pfd, 1, 10000) != 1)
			return (-1);
		r = wr ? write(fd, p, n) : read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return (-1);
		p += r;
		n -= (size_t)r;
	}
	return (0);
}

int
main(int argc, char **argv)
{
#if !defined(__x86_64__)
	(void)argc;
	(void)argv;
	return (77);
#else
	static unsigned char out[CHUNK], in[CHUNK];
	struct sockaddr_in sin;
	long rounds, i;
	size_t k;
	pid_t pid;
	int fd, st;

	if (argc != 4 && !(argc == 5 && strcmp(argv[4], "fork") == 0)) {
		fprintf(stderr,
		    "usage: sandbox_test ADDR PORT ROUNDS [fork]\n");
		return (1);
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)atoi(argv[2]));
	rounds = atol(argv[3]);
	if (inet_pton(AF_INET, argv[1], &sin.sin_addr) != 1 || rounds <= 0)
		return (1);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
		fprintf(stderr, "sandbox_test: connect: %s\n", strerror(errno));
		return (1);
	}
	if (argc == 5) {
		if ((pid = fork()) < 0)
			return (1);
		if (pid > 0) {
			if (waitpid(pid, &st, 0) != pid)
				return (1);
			if (WIFSIGNALED(st)) {
				fprintf(stderr, "sandbox_test: the child was "
				    "killed by signal %d\n", WTERMSIG(st));
				return (128 + WTERMSIG(st));
			}
			return (WIFEXITED(st) ? WEXITSTATUS(st) : 1);
		}
	}
	if (sandbox() != 0)
		return (1);
	for (i = 0; i < rounds; i++) {
		for (k = 0; k < CHUNK; k++)
			out[k] = (unsigned char)(i * 131 + k * 7 + (k >> 8));
		if (io_all(fd, out, CHUNK, 1) != 0 ||
		    io_all(fd, in, CHUNK, 0) != 0) {
			fprintf(stderr, "sandbox_test: round %ld: %s\n", i,
			    strerror(errno));
			return (1);
		}
		if (memcmp(in, out, CHUNK) != 0) {
			fprintf(stderr, "sandbox_test: round %ld: the echo "
			    "differs\n", i);
			return (1);
		}
	}
	if (shutdown(fd, SHUT_WR) != 0 || read(fd, in, 1) != 0) {
		fprintf(stderr, "sandbox_test: no clean end\n");
		return (1);
	}
	(void)close(fd);
	printf("%ld rounds of %d bytes echoed%s\n", rounds, CHUNK,
	    argc == 5 ? " by a fork child" : "");
	return (0);
#endif
}
