/* SPDX-License-Identifier: MIT */
/*
 * banned.h: turns C library functions that are easy to misuse into compile
 * errors (git's banned.h). Use strbuf, fl_parse_int64(), rng.h, the _r time
 * functions and clock.h instead.
 */
#ifndef FL_BANNED_H
#define FL_BANNED_H

#define FL_BANNED(func) sorry_##func##_is_banned_in_faultline

#undef strcpy
#define strcpy(x, y) FL_BANNED(strcpy)
#undef strcat
#define strcat(x, y) FL_BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) FL_BANNED(strncpy)
#undef sprintf
#define sprintf(...) FL_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) FL_BANNED(vsprintf)
#undef strtok
#define strtok(x, y) FL_BANNED(strtok)
#undef atoi
#define atoi(x) FL_BANNED(atoi)
#undef atol
#define atol(x) FL_BANNED(atol)
#undef rand
#define rand() FL_BANNED(rand)
#undef srand
#define srand(x) FL_BANNED(srand)
#undef localtime
#define localtime(x) FL_BANNED(localtime)
#undef gmtime
#define gmtime(x) FL_BANNED(gmtime)
#undef ctime
#define ctime(x) FL_BANNED(ctime)

#endif
