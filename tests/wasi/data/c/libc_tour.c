/* libc_tour: exercises wasi-libc over many WASI functions and prints only what any correct
 * WASI host prints alike (no inode numbers, times or fd numbers). Run in a preopened
 * scratch directory (guest "/" or "."); reads stdin to its end; exits with status 3.
 *
 * Built with Debian's clang 14 + wasi-libc:
 *   clang --target=wasm32-wasi -O2 libc_tour.c -o libc_tour.wasm
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static void check(const char *what, int ok) { printf("%-28s %s\n", what, ok ? "ok" : strerror(errno)); }

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(int argc, char **argv) {
  printf("argc %d:", argc);
  for (int i = 1; i < argc; i++) printf(" [%s]", argv[i]);
  printf("\nGREETING=%s\n", getenv("GREETING") ? getenv("GREETING") : "(unset)");

  /* stdio files, seeking, appending */
  FILE *f = fopen("numbers.txt", "w+");
  check("fopen w+", f != NULL);
  for (int i = 0; i < 500; i++) fprintf(f, "%d\n", i * i);
  check("fseek end", fseek(f, 0, SEEK_END) == 0);
  printf("ftell %ld\n", ftell(f));
  rewind(f);
  long sum = 0, v;
  while (fscanf(f, "%ld", &v) == 1) sum += v;
  printf("sum %ld\n", sum);
  fclose(f);
  f = fopen("numbers.txt", "a");
  fputs("tail\n", f);
  fclose(f);

  /* raw fds: pread, pwrite, ftruncate, lseek */
  int fd = open("numbers.txt", O_RDWR);
  char buf[64] = {0};
  check("pread", pread(fd, buf, 5, 6) == 5);
  printf("pread [%.5s]\n", buf);
  check("pwrite", pwrite(fd, "XYZ", 3, 0) == 3);
  check("ftruncate", ftruncate(fd, 10) == 0);
  printf("lseek end %lld\n", (long long)lseek(fd, 0, SEEK_END));
  lseek(fd, 0, SEEK_SET);
  memset(buf, 0, sizeof buf);
  printf("read %zd [%s]\n", read(fd, buf, sizeof buf - 1), buf[0] ? "XYZ..." : "");
  close(fd);

  /* directories, links, renames */
  check("mkdir d", mkdir("d", 0755) == 0);
  check("mkdir d again fails", mkdir("d", 0755) != 0 && errno == EEXIST);
  check("mkdir d/e", mkdir("d/e", 0755) == 0);
  check("rename into d", rename("numbers.txt", "d/n.txt") == 0);
  check("link", link("d/n.txt", "d/hard.txt") == 0);
  check("symlink", symlink("n.txt", "d/soft") == 0);
  char target[64] = {0};
  ssize_t tl = readlink("d/soft", target, sizeof target - 1);
  printf("readlink %zd [%s]\n", tl, target);
  struct stat st, lst;
  check("stat via symlink", stat("d/soft", &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 10);
  check("lstat symlink", lstat("d/soft", &lst) == 0 && S_ISLNK(lst.st_mode));
  printf("nlink %d\n", (int)st.st_nlink);
  check("access", access("d/n.txt", F_OK) == 0);
  check("access missing", access("d/none", F_OK) != 0 && errno == ENOENT);

  DIR *dir = opendir("d");
  check("opendir", dir != NULL);
  char *names[32];
  int n = 0;
  struct dirent *ent;
  while ((ent = readdir(dir)) && n < 32) names[n++] = strdup(ent->d_name);
  closedir(dir);
  qsort(names, n, sizeof names[0], by_name);
  printf("entries:");
  for (int i = 0; i < n; i++) printf(" %s", names[i]);
  printf("\n");

  /* times */
  struct timeval tv[2] = {{1000000000, 0}, {1200000000, 500000}};
  check("utimes", utimes("d/n.txt", tv) == 0);
  check("stat mtime", stat("d/n.txt", &st) == 0 && st.st_mtime == 1200000000);

  /* the sandbox */
  check("open .. refused", open("../outside", O_RDONLY) < 0);
  printf("errno %s\n", errno == EPERM || errno == ENOTCAPABLE ? "EPERM/ENOTCAPABLE" : strerror(errno));
  check("open /etc/passwd refused", open("/etc/passwd", O_RDONLY) < 0);

  /* clean up */
  check("unlink soft", unlink("d/soft") == 0);
  check("unlink hard", unlink("d/hard.txt") == 0);
  check("rmdir not empty fails", rmdir("d") != 0 && errno == ENOTEMPTY);
  check("unlink n", unlink("d/n.txt") == 0);
  check("rmdir e", rmdir("d/e") == 0);
  check("rmdir d", rmdir("d") == 0);

  /* clocks, sleep, randomness, poll */
  struct timespec t0, t1, sl = {0, 20000000};
  clock_gettime(CLOCK_MONOTONIC, &t0);
  nanosleep(&sl, NULL);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
  check("nanosleep 20ms", ms >= 19);
  check("time", time(NULL) > 1600000000);
  unsigned char rnd[32] = {0};
  check("getentropy", getentropy(rnd, sizeof rnd) == 0);
  struct pollfd pfd = {1, POLLOUT, 0};
  check("poll stdout writable", poll(&pfd, 1, 100) == 1 && (pfd.revents & POLLOUT));

  /* stdin to its end, binary */
  size_t total = 0, got, zeros = 0;
  unsigned char chunk[256];
  while ((got = fread(chunk, 1, sizeof chunk, stdin)) > 0) {
    total += got;
    for (size_t i = 0; i < got; i++) zeros += chunk[i] == 0;
  }
  printf("stdin %zu bytes, %zu zeros\n", total, zeros);
  fprintf(stderr, "done\n");
  return 3;
}
