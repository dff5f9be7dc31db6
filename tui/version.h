/* version.h - `maskbench --version`: our version and every linked library's. */
#ifndef MB_VERSION_H
#define MB_VERSION_H

#include <stdio.h>

void print_version(FILE *out);

#endif
