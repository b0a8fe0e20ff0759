/*
 * ivshmem-uio: drives an ivshmem device from Linux userspace as a uio driver's user does. Linux's
 * uio_pci_generic owns the interrupt (INTx: its handler sets the Command register's Interrupt
 * Disable bit, writing 1 to /dev/uioN clears it again); BAR0 (registers) and BAR2 (the shared
 * memory) are mapped from the device's sysfs resource files.
 *
 * Built for i386 with no C library (the guest has only busybox): system calls through int $0x80.
 *
 * BAR0 (QEMU's ivshmem): IntrMask 0x00, IntrStatus 0x04 (reading clears it), IVPosition 0x08,
 * Doorbell 0x0c = peer << 16 | vector. Messages: the mailbox of peer P is the 256 bytes at
 * P * 256 in BAR2: u32 length, u32 sender, then up to 248 bytes of text.
 *
 *   ivshmem-uio info                 IVPosition and the BAR sizes
 *   ivshmem-uio send PEER TEXT       write TEXT into PEER's mailbox, ring PEER's vector 0
 *   ivshmem-uio recv [MS]            wait for a doorbell (MS milliseconds, default for ever),
 *                                    print the mailbox's message
 *   ivshmem-uio ping PEER N          N round trips: ring PEER, wait for its doorbell
 *   ivshmem-uio pong PEER N          N times: wait for a doorbell, ring PEER
 *   ivshmem-uio bw MIB               write then read MIB MiB of BAR2 with 32-bit accesses,
 *                                    print the time each took (CLOCK_MONOTONIC)
 */
typedef unsigned int u32;
typedef int s32;

#define SYS_exit 1
#define SYS_read 3
#define SYS_write 4
#define SYS_open 5
#define SYS_close 6
#define SYS_lseek 19
#define SYS_mmap 90
#define SYS_poll 168
#define SYS_clock_gettime 265

#define O_RDWR 2
#define O_SYNC 0x101000
#define PROT_RW 3
#define MAP_SHARED 1
#define POLLIN 1
#define CLOCK_MONOTONIC 1

#define REG_INTRMASK 0
#define REG_INTRSTATUS 1
#define REG_IVPOSITION 2
#define REG_DOORBELL 3
#define MAILBOX 256

static s32 sys(s32 n, s32 a, s32 b, s32 c) {
  s32 r;
  __asm__ volatile("int $0x80" : "=a"(r) : "a"(n), "b"(a), "c"(b), "d"(c) : "memory");
  return r;
}

static u32 len(const char *s) { u32 n = 0; while (s[n]) n++; return n; }
static void out(const char *s) { sys(SYS_write, 1, (s32)s, len(s)); }
static int same(const char *a, const char *b) { while (*a && *a == *b) a++, b++; return *a == *b; }
static void number(u32 v) {
  char b[24]; int i = 23; b[i] = 0;
  do { b[--i] = '0' + v % 10; v /= 10; } while (v);
  out(b + i);
}
static void fail(const char *what) { out("ivshmem-uio: "); out(what); out("\n"); sys(SYS_exit, 1, 0, 0); }
static u32 parse(const char *s) { u32 v = 0; while (*s >= '0' && *s <= '9') v = v * 10 + (*s++ - '0'); return v; }

static volatile u32 *regs;
static volatile unsigned char *shm;
static u32 shm_size;
static s32 uio, config;

struct mmap_args { u32 addr, len, prot, flags, fd, offset; };

/* BAR `index`'s size, from the device's sysfs resource file ("0xSTART 0xEND 0xFLAGS" a line). */
static u32 bar_size(int index) {
  static char text[1024];
  s32 fd = sys(SYS_open, (s32)"/sys/class/uio/uio0/device/resource", 0, 0);
  if (fd < 0) fail("/sys/class/uio/uio0/device/resource");
  s32 n = sys(SYS_read, fd, (s32)text, sizeof text - 1);
  sys(SYS_close, fd, 0, 0);
  if (n <= 0) fail("cannot read the BARs");
  text[n] = 0;
  const char *p = text;
  for (int line = 0; line < index && *p; p++) if (*p == '\n') line++;
  u32 field[2] = { 0, 0 };
  for (int f = 0; f < 2; f++) {
    while (*p == ' ') p++;
    if (p[0] != '0' || p[1] != 'x') fail("cannot parse the BARs");
    for (p += 2; (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'); p++) field[f] = field[f] << 4 | (u32)(*p <= '9' ? *p - '0' : *p - 'a' + 10);
  }
  return field[1] - field[0] + 1;
}

static void *map(const char *path, int index, u32 *size) {
  s32 fd = sys(SYS_open, (s32)path, O_RDWR | O_SYNC, 0);
  if (fd < 0) fail(path);
  *size = bar_size(index);
  struct mmap_args a = { 0, *size < 4096 ? 4096 : *size, PROT_RW, MAP_SHARED, (u32)fd, 0 };
  s32 p = sys(SYS_mmap, (s32)&a, 0, 0);
  if (p < 0 && p > -4096) fail("mmap of a BAR failed");
  return (void *)p;
}

static void open_device(void) {
  u32 size;
  regs = map("/sys/class/uio/uio0/device/resource0", 0, &size);
  shm = map("/sys/class/uio/uio0/device/resource2", 2, &shm_size);
  uio = sys(SYS_open, (s32)"/dev/uio0", O_RDWR, 0);
  if (uio < 0) fail("/dev/uio0");
  config = sys(SYS_open, (s32)"/sys/class/uio/uio0/device/config", O_RDWR, 0);
  if (config < 0) fail("/sys/class/uio/uio0/device/config");
  regs[REG_INTRMASK] = 0xffffffff;
}

/* Clears the Command register's Interrupt Disable bit (bit 10: bit 2 of its high byte). */
static void enable_intx(void) {
  unsigned char high;
  if (sys(SYS_lseek, config, 5, 0) != 5 || sys(SYS_read, config, (s32)&high, 1) != 1) fail("cannot read the Command register");
  high &= ~4;
  if (sys(SYS_lseek, config, 5, 0) != 5 || sys(SYS_write, config, (s32)&high, 1) != 1) fail("cannot enable the interrupt");
}

/* One interrupt: unmask INTx, wait for uio_pci_generic to take it, clear IntrStatus. */
static int wait_doorbell(s32 ms) {
  u32 count;
  enable_intx();
  if (ms >= 0) {
    struct { s32 fd; short events, revents; } p = { uio, POLLIN, 0 };
    if (sys(SYS_poll, (s32)&p, 1, ms) <= 0) return 0;
  }
  if (sys(SYS_read, uio, (s32)&count, 4) != 4) fail("read of /dev/uio0 failed");
  (void)regs[REG_INTRSTATUS];
  return 1;
}

static void ring(u32 peer) { regs[REG_DOORBELL] = peer << 16; }

/* Microseconds, modulo 2^32 (71 minutes): only differences are used. */
static u32 now_us(void) {
  struct { s32 s, ns; } t;
  sys(SYS_clock_gettime, CLOCK_MONOTONIC, (s32)&t, 0);
  return (u32)t.s * 1000000u + (u32)t.ns / 1000u;
}

static int run(int argc, char **argv) {
  const char *cmd = argc > 1 ? argv[1] : "";
  static const char *const known[] = { "info", "send", "recv", "ping", "pong", "bw" };
  int found = 0;
  for (u32 i = 0; i < sizeof known / sizeof *known; i++) found |= same(cmd, known[i]);
  if (!found) {
    out("usage: ivshmem-uio info | send PEER TEXT | recv [MS] | ping PEER N | pong PEER N | bw MIB\n");
    return 2;
  }
  open_device();
  u32 me = regs[REG_IVPOSITION];
  if (same(cmd, "info")) {
    out("id "); number(me); out(" bar0 "); number(bar_size(0)); out(" bar2 "); number(shm_size); out("\n");
  } else if (same(cmd, "send") && argc > 3) {
    u32 peer = parse(argv[2]);
    const char *text = argv[3];
    u32 n = len(text) > MAILBOX - 8 ? MAILBOX - 8 : len(text);
    volatile unsigned char *box = shm + peer * MAILBOX;
    if ((peer + 1) * MAILBOX > shm_size) fail("no mailbox for that peer");
    for (u32 i = 0; i < n; i++) box[8 + i] = text[i];
    ((volatile u32 *)box)[1] = me;
    ((volatile u32 *)box)[0] = n;
    ring(peer);
    out("sent to "); number(peer); out("\n");
  } else if (same(cmd, "recv")) {
    if (!wait_doorbell(argc > 2 ? (s32)parse(argv[2]) : -1)) { out("timeout\n"); return 1; }
    volatile unsigned char *box = shm + me * MAILBOX;
    u32 n = ((volatile u32 *)box)[0];
    char text[MAILBOX];
    if (n > MAILBOX - 8) n = MAILBOX - 8;
    for (u32 i = 0; i < n; i++) text[i] = box[8 + i];
    text[n] = 0;
    out("from "); number(((volatile u32 *)box)[1]); out(": "); out(text); out("\n");
  } else if ((same(cmd, "ping") || same(cmd, "pong")) && argc > 3) {
    u32 peer = parse(argv[2]), rounds = parse(argv[3]);
    int ping = cmd[1] == 'i';
    u32 start = now_us();
    for (u32 i = 0; i < rounds; i++) {
      if (ping) ring(peer);
      if (!wait_doorbell(10000)) { out("timeout after "); number(i); out(" rounds\n"); return 1; }
      if (!ping) ring(peer);
    }
    out(cmd); out(" done "); number(rounds); out(" rounds "); number(now_us() - start); out(" us\n");
  } else if (same(cmd, "bw") && argc > 2) {
    u32 words = parse(argv[2]) * (1 << 18), mask = shm_size / 4 - 1, sum = 0;
    volatile u32 *w = (volatile u32 *)shm;
    u32 t0 = now_us();
    for (u32 i = 0; i < words; i++) w[i & mask] = i;
    u32 t1 = now_us();
    for (u32 i = 0; i < words; i++) sum += w[i & mask];
    u32 t2 = now_us();
    out("bw write "); number(t1 - t0); out(" us read "); number(t2 - t1);
    out(" us for "); number(words * 4); out(" bytes (sum "); number(sum); out(")\n");
  } else {
    out("ivshmem-uio: missing arguments\n");
    return 2;
  }
  return 0;
}

/* The kernel starts us with argc, argv on the stack. */
__attribute__((used)) static void start(s32 *stack) {
  sys(SYS_exit, run(stack[0], (char **)(stack + 1)), 0, 0);
}
__asm__(".globl _start\n_start:\n  mov %esp, %eax\n  and $-16, %esp\n  push %eax\n  push %eax\n  push %eax\n  push %eax\n  call start\n  hlt\n");
