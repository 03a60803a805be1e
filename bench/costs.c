/* What the kernel's basic services cost on this machine, for reading the
 * density benchmark's counts (bench/count_split.py) as time: one system
 * call, one page fault of fresh anonymous memory, one fork of a small
 * process with its exit and wait. A virtual machine can make the last
 * two many times dearer than bare metal. Prints "NAME MICROSECONDS"
 * lines, each the median of 5 runs.
 *
 *   costs */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static double syscall_us(void)
{
	enum { N = 20000 };
	double t = now_us();

	for (int i = 0; i < N; i++)
		syscall(SYS_getppid);
	return (now_us() - t) / N;
}

static double fault_us(void)
{
	enum { N = 2000 };
	char *p = mmap(NULL, (size_t)N * 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	double t;

	if (p == MAP_FAILED)
		return -1;
	t = now_us();
	for (size_t i = 0; i < N; i++)
		p[i * 4096] = 1;
	t = (now_us() - t) / N;
	munmap(p, (size_t)N * 4096);
	return t;
}

static double fork_us(void)
{
	enum { N = 50 };
	double t = now_us();

	for (int i = 0; i < N; i++) {
		pid_t pid = fork();

		if (pid == 0)
			_exit(0);
		if (pid < 0)
			return -1;
		waitpid(pid, NULL, 0);
	}
	return (now_us() - t) / N;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median5(double (*f)(void))
{
	double v[5];

	for (int i = 0; i < 5; i++)
		v[i] = f();
	qsort(v, 5, sizeof(v[0]), cmp);
	return v[2];
}

int main(void)
{
	printf("syscall_us %.3f\n", median5(syscall_us));
	printf("page_fault_us %.3f\n", median5(fault_us));
	printf("fork_us %.1f\n", median5(fork_us));
	return 0;
}
