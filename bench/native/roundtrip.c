/*
 * Native references for the doorbell round trip: two processes on this machine bouncing a token
 *   spin     both spin on words of one shared cache line (MAP_SHARED|MAP_ANONYMOUS)
 *   eventfd  each blocks in read(2) on its own eventfd; the other write(2)s it
 * Usage: roundtrip spin|eventfd ROUNDS   -> prints microseconds per round trip.
 * Built by the benchmark with the system compiler (cc -O2) when one is present.
 */
#define _GNU_SOURCE
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void spin_side(_Atomic int *words, int me, long rounds) {
  int other = 1 - me;
  for (long i = 0; i < rounds; i++) {
    if (me == 0) atomic_store(&words[other], 1);
    while (atomic_load(&words[me]) == 0) {}
    atomic_store(&words[me], 0);
    if (me == 1) atomic_store(&words[other], 1);
  }
}

static void eventfd_side(int *fds, int me, long rounds) {
  uint64_t one = 1, got;
  for (long i = 0; i < rounds; i++) {
    if (me == 0 && write(fds[1], &one, 8) != 8) exit(2);
    if (read(fds[me], &got, 8) != 8) exit(2);
    if (me == 1 && write(fds[0], &one, 8) != 8) exit(2);
  }
}

int main(int argc, char **argv) {
  if (argc != 3 || (strcmp(argv[1], "spin") && strcmp(argv[1], "eventfd"))) {
    fprintf(stderr, "usage: %s spin|eventfd ROUNDS\n", argv[0]);
    return 1;
  }
  int spin = strcmp(argv[1], "spin") == 0;
  long rounds = atol(argv[2]);
  _Atomic int *words = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (words == MAP_FAILED) return 2;
  int fds[2] = { eventfd(0, 0), eventfd(0, 0) };
  if (fds[0] < 0 || fds[1] < 0) return 2;
  pid_t child = fork();
  if (child < 0) return 2;
  if (child == 0) {
    if (spin) spin_side(words, 1, rounds); else eventfd_side(fds, 1, rounds);
    _exit(0);
  }
  double t0 = now_us();
  if (spin) spin_side(words, 0, rounds); else eventfd_side(fds, 0, rounds);
  double t1 = now_us();
  waitpid(child, NULL, 0);
  printf("%.4f\n", (t1 - t0) / rounds);
  return 0;
}
