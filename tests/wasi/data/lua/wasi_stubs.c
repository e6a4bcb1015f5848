/* What wasi-libc leaves out and Lua's os/io libraries link against: no processes, no
   temporary-file names outside the preopened directories. Each fails as C allows. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
int system(const char *cmd) { return cmd == NULL ? 0 : (errno = ENOSYS, -1); }
char *tmpnam(char *s) { (void)s; errno = ENOSYS; return NULL; }
FILE *tmpfile(void) { errno = ENOSYS; return NULL; }
